package diff

import (
	"slices"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/graph/policy"
)

// changes holds, per policy holder, the statements added and removed
// between two snapshots.
type changes struct {
	keys       map[string][]Cause // key ARN: key policy and grants
	principals map[string][]Cause // user or role ARN: identity policies, boundary
	trusts     map[string][]Cause // role ARN
	resources  map[string][]Cause // resource ARN
	org        []Cause            // SCPs and RCPs
}

// stmtDiff compares two documents' statements.
func stmtDiff(where, oldDoc, newDoc string) []Cause {
	if oldDoc == newDoc {
		return nil
	}
	a, b := policy.CanonicalStatements(oldDoc), policy.CanonicalStatements(newDoc)
	var out []Cause
	for _, s := range b {
		if !slices.Contains(a, s) {
			out = append(out, Cause{Where: where, Change: "statement added", Statement: s})
		}
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, Cause{Where: where, Change: "statement removed", Statement: s})
		}
	}
	return out
}

func text(np *eval.NamedPolicy) string {
	if np == nil || np.Policy == nil {
		return ""
	}
	return np.Policy.Text
}

func policyChanges(old, cur *graph.Graph) *changes {
	c := &changes{keys: map[string][]Cause{}, principals: map[string][]Cause{}, trusts: map[string][]Cause{}, resources: map[string][]Cause{}}
	// Keys: policies and grants.
	arns := map[string]bool{}
	for _, k := range old.Keys() {
		arns[k.ARN] = true
	}
	for _, k := range cur.Keys() {
		arns[k.ARN] = true
	}
	for arn := range arns {
		var ot, nt string
		og, ng := map[string]bool{}, map[string]bool{}
		if k := old.Key(arn); k != nil {
			ot = k.PolicyText
			for _, g := range k.Grants {
				og[g.GrantID] = true
			}
		}
		if k := cur.Key(arn); k != nil {
			nt = k.PolicyText
			for _, g := range k.Grants {
				ng[g.GrantID] = true
			}
		}
		cs := stmtDiff("key policy of "+arn, ot, nt)
		for id := range ng {
			if !og[id] {
				cs = append(cs, Cause{Where: "grants of " + arn, Change: "grant added", Statement: id})
			}
		}
		for id := range og {
			if !ng[id] {
				cs = append(cs, Cause{Where: "grants of " + arn, Change: "grant removed", Statement: id})
			}
		}
		if len(cs) > 0 {
			sortCauses(cs)
			c.keys[arn] = cs
		}
	}
	// Principals: identity policies by name, boundary, trust.
	pa := map[string]*graph.Principal{}
	for _, p := range old.Principals() {
		pa[p.ARN] = p
	}
	seen := map[string]bool{}
	diffPrincipal := func(arn string, o, n *graph.Principal) {
		docs := func(p *graph.Principal) map[string]string {
			m := map[string]string{}
			if p == nil {
				return m
			}
			for i := range p.Policies {
				m["identity policy "+p.Policies[i].Name] = text(&p.Policies[i])
			}
			if p.Boundary != nil {
				m["permissions boundary "+p.Boundary.Name] = text(p.Boundary)
			}
			return m
		}
		od, nd := docs(o), docs(n)
		var cs []Cause
		for name, doc := range nd {
			cs = append(cs, stmtDiff(name+" of "+arn, od[name], doc)...)
		}
		for name, doc := range od {
			if _, ok := nd[name]; !ok {
				cs = append(cs, stmtDiff(name+" of "+arn, doc, "")...)
			}
		}
		if len(cs) > 0 {
			sortCauses(cs)
			c.principals[arn] = cs
		}
		var ot, nt string
		if o != nil {
			ot = text(o.Trust)
		}
		if n != nil {
			nt = text(n.Trust)
		}
		if cs := stmtDiff("trust policy of "+arn, ot, nt); len(cs) > 0 {
			c.trusts[arn] = cs
		}
	}
	for _, p := range cur.Principals() {
		seen[p.ARN] = true
		diffPrincipal(p.ARN, pa[p.ARN], p)
	}
	for arn, p := range pa {
		if !seen[arn] {
			diffPrincipal(arn, p, nil)
		}
	}
	// Resources' policies.
	ra := map[string]*graph.Resource{}
	for _, r := range old.Resources() {
		ra[r.ARN] = r
	}
	for _, r := range cur.Resources() {
		var ot string
		if o := ra[r.ARN]; o != nil {
			ot = text(o.Policy())
		}
		if cs := stmtDiff("resource policy of "+r.ARN, ot, text(r.Policy())); len(cs) > 0 {
			c.resources[r.ARN] = cs
		}
	}
	// SCPs and RCPs, by ID.
	orgDocs := func(g *graph.Graph) map[string]string {
		m := map[string]string{}
		if g.Snapshot != nil && g.Snapshot.Organization != nil {
			for _, p := range g.Snapshot.Organization.Policies {
				kind := "SCP"
				if p.PolicySummary.Type == "RESOURCE_CONTROL_POLICY" {
					kind = "RCP"
				}
				m[kind+" "+p.PolicySummary.ID+" ("+p.PolicySummary.Name+")"] = p.Content
			}
		}
		return m
	}
	oo, no := orgDocs(old), orgDocs(cur)
	for name, doc := range no {
		c.org = append(c.org, stmtDiff(name, oo[name], doc)...)
	}
	for name, doc := range oo {
		if _, ok := no[name]; !ok {
			c.org = append(c.org, stmtDiff(name, doc, "")...)
		}
	}
	sortCauses(c.org)
	return c
}

// causes gathers the policy changes on an access edge's path: the target
// (key, resource and its key, or role's trust), the principal and the roles
// of its chain, the organization's policies.
func (c *changes) causes(g *graph.Graph, e export.Edge) []Cause {
	var out []Cause
	switch e.Kind {
	case export.EdgeCanUseKey:
		out = append(out, c.keys[e.To]...)
	case export.EdgeCanRead:
		out = append(out, c.resources[e.To]...)
		for _, r := range g.Resources() {
			if r.ARN == e.To && r.Key != "" {
				out = append(out, c.keys[r.Key]...)
			}
		}
	case export.EdgeCanAssume:
		out = append(out, c.trusts[e.To]...)
	}
	out = append(out, c.principals[e.From]...)
	for _, v := range e.Via {
		if v != e.From {
			out = append(out, c.principals[v]...)
			out = append(out, c.trusts[v]...)
		}
	}
	return append(out, c.org...)
}

func sortCauses(cs []Cause) {
	slices.SortFunc(cs, func(a, b Cause) int {
		if a.Where != b.Where {
			if a.Where < b.Where {
				return -1
			}
			return 1
		}
		if a.Statement < b.Statement {
			return -1
		}
		if a.Statement > b.Statement {
			return 1
		}
		return 0
	})
}
