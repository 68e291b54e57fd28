package graph

import (
	"strconv"
	"strings"
	"sync"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Who-can asks one question of many principals. Most of them are alike: the
// roles an account template stamps out carry the same policies, under the
// same SCPs, in account after account. An evaluation reads a principal
// through a few facts only — its kind and path; its identity policies and
// permissions boundary; its account's SCPs and enabled Regions; its tags;
// the policies and grants that name it or its account; and the condition
// keys whose values are its own or its account's (aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalOrgPaths, …). Principals that agree on
// all of them get the same verdict, conditions, gaps and reasons, so
// who-can evaluates one of them and gives its answer to the others.
//
// A principal's class is what it has alone (kind, path, policies, boundary,
// and its account's SCPs, enabled Regions and membership; the account
// itself only for the management account or SCPs not collected). The query
// adds the rest:
//   - principals a resource-side policy or grant could name individually are
//     evaluated on their own; accounts it names, and the resource's own
//     account, keep their principals apart from other accounts';
//   - tags count when a policy of the request reads aws:PrincipalTag;
//   - each condition on a principal-specific key is evaluated against the
//     principal's own values, and its outcome joins the key;
//   - a policy variable standing for a principal-specific key turns sharing
//     off (its effect on Resource patterns is not worth modelling).

// principalSpecific reports whether a lower-case condition key's value is the
// principal's own rather than its account's or class's. The graph sets
// aws:PrincipalArn and aws:username from the principal (eval.Request.Prepare);
// the others are never set, but are listed so that setting them later does
// not make sharing unsound.
func principalSpecific(lowerKey string) bool {
	switch lowerKey {
	case "aws:principalarn", "aws:username", "aws:userid", "aws:sourceidentity", "aws:federatedprovider", "aws:principalservicename", "aws:principalservicenameslist",
		"aws:principalaccount", "kms:calleraccount", "aws:principalorgid", "aws:principalorgpaths":
		return true
	}
	return false
}

// principalFacts sets, in ctx, the principal-specific keys the graph and
// eval.Request.Prepare give a request of p: a condition on them evaluates
// against ctx as it would in p's request.
func (g *Graph) principalFacts(ctx *policy.Context, p *Principal) {
	ctx.Reset(false)
	ctx.SetKey(factPrincipalArn, p.ARN)
	if p.Kind == arn.KindUser {
		ctx.SetKey(factUsername, p.Name)
	}
	ctx.SetKey(factPrincipalAccount, p.Account)
	ctx.SetKey(factCallerAccount, p.Account)
	switch {
	case g.Org.Member(p.Account):
		ctx.SetKey(keyPrincipalOrgID, g.Org.ID)
		ctx.SetKey(keyPrincipalOrgPaths, g.Org.OrgPaths(p.Account))
	case g.Org != nil && g.Org.ID != "" && !g.Org.membershipUnknown(p.Account):
		ctx.SetNotIn("aws:PrincipalOrgID", g.Org.ID)
	}
}

var (
	factPrincipalArn     = policy.MakeKey("aws:PrincipalArn")
	factUsername         = policy.MakeKey("aws:username")
	factPrincipalAccount = policy.MakeKey("aws:PrincipalAccount")
	factCallerAccount    = policy.MakeKey("kms:CallerAccount")
)

// accountLevel reports whether a principal-specific key's value is its
// account's, the same for every principal of the account.
func accountLevel(lowerKey string) bool {
	switch lowerKey {
	case "aws:principalaccount", "kms:calleraccount", "aws:principalorgid", "aws:principalorgpaths":
		return true
	}
	return false
}

// condBits packs conditions' outcomes, two bits apiece.
func condBits(ctx *policy.Context, conds []*policy.Condition) uint64 {
	var bits uint64
	for i, c := range conds {
		bits |= uint64(c.Eval(ctx)&3) << (2 * i)
	}
	return bits
}

func principalTagKey(lowerKey string) bool { return strings.HasPrefix(lowerKey, "aws:principaltag/") }

// policyTraits is what sharing needs to know of one policy.
type policyTraits struct {
	tags   bool                // reads principal tags
	byName bool                // a policy variable stands for a principal-specific key
	conds  []*policy.Condition // conditions on principal-specific keys
}

func analysePolicy(p *policy.Policy) policyTraits {
	var t policyTraits
	vars := func(names []string) {
		for _, v := range names {
			lv := strings.ToLower(v)
			switch {
			case principalSpecific(lv):
				t.byName = true
			case principalTagKey(lv):
				t.tags = true
			}
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for j := range st.Resources {
			vars(st.Resources[j].Variables())
		}
		for j := range st.Conditions {
			c := &st.Conditions[j]
			lk := strings.ToLower(c.Key)
			vs := c.Variables()
			vars(vs)
			switch {
			case principalTagKey(lk):
				t.tags = true
			case principalSpecific(lk):
				if len(vs) > 0 {
					t.byName = true // its outcome depends on other keys too
				} else {
					t.conds = append(t.conds, c)
				}
			}
		}
	}
	return t
}

// add folds another policy's traits into t.
func (t *policyTraits) add(o policyTraits) {
	t.tags = t.tags || o.tags
	t.byName = t.byName || o.byName
	t.conds = append(t.conds, o.conds...)
}

// class is a set of principals alike in everything but their name and tags.
type class struct {
	id int32
	policyTraits
	// unshared: the principal's policies are not all known (its gaps name it).
	unshared bool
	// filterDep: an Allow statement of its identity policies uses a policy
	// variable, or reads the principal's tags (filterTags: tags only), so
	// the key filter cannot answer for the whole class (filterTags: for
	// the principals of the class with the same tags, it can).
	filterDep, filterTags bool
	// policies are the class's identity policies (those of any member).
	policies []eval.NamedPolicy
	// reach caches, per lower-case action, the accounts whose resources the
	// class's Allow statements for it can name (reach.go).
	reach sync.Map
}

// resourceTraits adds the resource side's policies (keys' and resources')
// to the traits classes knows, when Build parsed them: every query's
// sharer reads them, and works out those of a policy not there. Build
// calls it once classes and the resources are done (on two goroutines).
func (g *Graph) resourceTraits() {
	for _, k := range g.sortedKeys {
		g.addTraits(k.Policy())
	}
	for _, r := range g.resources {
		g.addTraits(r.Policy())
	}
}

// classes assigns every principal its class; run once the organization is built.
func (g *Graph) classes() {
	g.traits = map[*policy.Policy]policyTraits{}
	of := func(np *eval.NamedPolicy) policyTraits {
		if np == nil || np.Policy == nil {
			return policyTraits{}
		}
		t, ok := g.traits[np.Policy]
		if !ok {
			t = analysePolicy(np.Policy)
			g.traits[np.Policy] = t
		}
		return t
	}
	ids := map[*policy.Policy]int{}
	// appendPid appends a policy's identity in a class's key.
	appendPid := func(b []byte, np *eval.NamedPolicy) []byte {
		if np == nil {
			return append(b, '-')
		}
		id, ok := ids[np.Policy]
		if !ok {
			id = len(ids) + 1
			ids[np.Policy] = id
		}
		// Not its ARN: answers name policies by name (a managed policy's ARN
		// holds its account, and would keep every account's roles apart).
		b = append(b, np.Name...)
		b = append(b, 0)
		return strconv.AppendInt(b, int64(id), 10)
	}
	pid := func(np *eval.NamedPolicy) string { return string(appendPid(nil, np)) }
	// Accounts alike (the same signature) share classes: a number stands
	// for the signature in the principals' keys, not the long text.
	sigIDs := map[string]string{}
	// What a principal's account gives it: SCPs, enabled Regions, membership.
	type acctInfo struct {
		sig    string
		sigID  string // stands for sig in the principals' class keys
		traits policyTraits
		index  int32
	}
	accts := map[string]*acctInfo{}
	account := func(id string) *acctInfo {
		if a := accts[id]; a != nil {
			return a
		}
		a := &acctInfo{index: int32(len(accts) + 1)} //nolint:gosec // G115: fewer accounts than principals
		rcps, _ := g.Org.levels(id, snapshot.PolicyTypeRCP)
		for _, l := range rcps {
			for i := range l {
				of(&l[i])
			}
		}
		levels, issues := g.Org.levels(id, snapshot.PolicyTypeSCP)
		var sb strings.Builder
		if g.Org != nil && id == g.Org.ManagementAccount || len(issues) > 0 {
			sb.WriteString("account " + id) // exempt from SCPs, or SCPs not all known
		}
		for _, l := range levels {
			sb.WriteString("\x02")
			for i := range l {
				a.traits.add(of(&l[i]))
				sb.WriteString(pid(&l[i]) + "\x03")
			}
		}
		if acc := g.Snapshot.Accounts[id]; acc != nil && acc.EnabledRegions != nil {
			sb.WriteString("\x02regions " + strings.Join(acc.EnabledRegions, ","))
		}
		if g.Org.Member(id) {
			sb.WriteString("\x02member")
		}
		a.sig = sb.String()
		if a.sigID = sigIDs[a.sig]; a.sigID == "" {
			a.sigID = strconv.Itoa(len(sigIDs) + 1)
			sigIDs[a.sig] = a.sigID
		}
		accts[id] = a
		g.accountIndex[id] = a.index
		// The account-level facts of its principals, read (never written)
		// by the sharers of every query.
		facts := policy.NewContextSize(false, 4)
		g.principalFacts(facts, &Principal{Account: id})
		facts.DeleteKey(factPrincipalArn)
		g.accountFacts = append(g.accountFacts, facts)
		return a
	}
	byKey := map[string]*class{}
	tags := map[string]int32{}
	g.accountIndex = map[string]int32{}
	g.accountFacts = []*policy.Context{nil} // indexes start at 1
	g.lite = make([]principalLite, 0, len(g.sortedPrincipals))
	g.stmtDeps = map[*policy.Statement]stmtDep{}
	ctx := policy.NewContextSize(false, 8)
	// The keys are made in buffers used again for each principal, and
	// become strings only in a map's new entry: half a million principals
	// made as many strings, each grown four or five times.
	var k, tk []byte
	for _, p := range g.sortedPrincipals {
		a := account(p.Account)
		p.accountIndex = a.index
		k = append(k[:0], a.sigID...)
		k = append(k, 1)
		k = append(k, p.Kind.String()...)
		k = append(k, 1)
		k = append(k, p.Path...)
		k = append(k, 1)
		k = appendPid(k, p.Boundary)
		for i := range p.Policies {
			k = append(k, 1)
			k = appendPid(k, &p.Policies[i])
		}
		c := byKey[string(k)]
		if c == nil {
			c = &class{id: int32(len(byKey) + 1)} //nolint:gosec // G115: fewer classes than principals
			moreThanTags := false
			c.add(a.traits)
			c.add(of(p.Boundary))
			for i := range p.Policies {
				c.add(of(&p.Policies[i]))
				for j := range p.Policies[i].Policy.Statements {
					st := &p.Policies[i].Policy.Statements[j]
					dep, ok := g.stmtDeps[st]
					if !ok {
						dep = statementDep(st)
						g.stmtDeps[st] = dep
					}
					if st.Effect == policy.Allow && dep != depNone {
						c.filterDep = true
						moreThanTags = moreThanTags || dep == depMore
					}
				}
			}
			c.filterTags = c.filterDep && !moreThanTags
			if len(c.conds) > maxShareConds/2 {
				c.byName = true // too many to pack with the query's own
			}
			byKey[string(k)] = c
		}
		p.class = c
		if len(p.Issues) > 0 {
			// Its gaps name it: a class of its own.
			p.class = &class{id: -1, unshared: true}
		}
		if len(c.conds) > 0 {
			g.principalFacts(ctx, p)
			p.condBits = condBits(ctx, c.conds)
		}
		tk = tk[:0]
		for _, t := range p.tagKeys {
			tk = append(tk, t.key.Name()...)
			tk = append(tk, 0)
			tk = append(tk, t.value...)
			tk = append(tk, 1)
		}
		if p.Tags == nil {
			tk = append(tk, 2) // tags not collected: aws:PrincipalTag/ is unknown, not absent
		}
		id, ok := tags[string(tk)]
		if !ok {
			id = int32(len(tags) + 1) //nolint:gosec // G115: fewer tag sets than principals
			tags[string(tk)] = id
		}
		p.tagsID = id
		p.outside = g.external(p.Account)
		l := principalLite{class: p.class.id, account: a.index, tags: p.tagsID}
		switch {
		case p.class.id > 0 && !p.class.filterDep:
			l.mode = filterByClass
		case p.class.id > 0 && p.class.filterTags:
			l.mode = filterByTags
		}
		if p.class.id > 0 && c.policies == nil {
			c.policies = p.Policies
		}
		g.lite = append(g.lite, l)
	}
	g.numClasses = len(byKey) + 1
}
