package graph

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// Who is one principal that can (or may) perform an action on a resource.
type Who struct {
	Principal string `json:"principal"`
	// Kind is user, role, account (an account outside the snapshot, through
	// whichever of its principals it delegates to) or public ("*").
	Kind    string `json:"kind"`
	Account string `json:"account,omitempty"`
	// External is true for principals outside the organization (or outside
	// the snapshot when no organization was scanned).
	External   bool            `json:"external"`
	Decision   eval.Verdict    `json:"decision"`
	Paths      []Path          `json:"paths"`
	Conditions []eval.Residual `json:"conditions,omitempty"`
	Unknowns   []Issue         `json:"unknowns,omitempty"`
}

// WhoCan lists every principal of the snapshot, every account outside it that
// the key's policy or grants name, and the public when a statement names
// "*", whose decision for action on the key is not DENY: ALLOW first, then
// CONDITIONAL, each with its paths.
func (g *Graph) WhoCan(action, resource, region string, chainDepth int) ([]Who, error) {
	var outside []string
	target := resource
	if res := g.resourceFor(resource); res != nil {
		// A resource: its readers need the resource's permission and its
		// key; "decrypt" means the action that reads the plaintext.
		if _, err := g.decide(Query{Principal: arn.AccountRoot(g.partition, res.Account), Action: action, Resource: resource}); err != nil {
			return nil, err
		}
		for _, a := range res.SharedWith {
			switch {
			case a == "all":
				outside = append(outside, "*")
			case !g.InSnapshot(a):
				outside = append(outside, arn.AccountRoot(g.partition, a))
			}
		}
		if k := g.keys[res.Key]; k != nil {
			outside = append(outside, g.namedOutside(k)...)
		}
		slices.Sort(outside)
		outside = slices.Compact(outside)
	} else {
		if strings.EqualFold(action, "decrypt") {
			action = "kms:Decrypt"
		}
		key, err := g.ResolveKey(resource, "", region)
		if err != nil {
			return nil, err
		}
		target = key.ARN
		outside = g.namedOutside(key)
	}
	out := []Who{}
	ask := func(principal, kind, account string) {
		a, err := g.Can(Query{Principal: principal, Action: action, Resource: target, ChainDepth: chainDepth})
		if err != nil || a.Decision == eval.Deny {
			return
		}
		out = append(out, Who{
			Principal: principal, Kind: kind, Account: account, External: g.external(account),
			Decision: a.Decision, Paths: a.Paths, Conditions: a.Conditions, Unknowns: a.Unknowns,
		})
	}
	for _, p := range g.Principals() {
		ask(p.ARN, p.Kind.String(), p.Account)
	}
	for _, name := range outside {
		if name == "*" {
			ask("*", "public", "")
			continue
		}
		pr, err := arn.ParsePrincipal(name)
		if err != nil {
			continue
		}
		ask(pr.ARN, pr.Kind.String(), pr.AccountID)
	}
	slices.SortStableFunc(out, func(a, b Who) int {
		if a.Decision != b.Decision {
			return verdictRank(a.Decision) - verdictRank(b.Decision)
		}
		return strings.Compare(a.Principal, b.Principal)
	})
	return out, nil
}

func verdictRank(v eval.Verdict) int {
	switch v {
	case eval.Allow:
		return 0
	case eval.Conditional:
		return 1
	}
	return 2
}

// external reports whether account is outside the organization (or, with no
// organization scanned, outside the snapshot).
func (g *Graph) external(account string) bool {
	if account == "" {
		return true
	}
	if g.Org != nil {
		return !g.Org.Member(account)
	}
	return !g.InSnapshot(account)
}

// namedOutside returns the principals a key's policy and grants name that are
// not IAM users or roles of the snapshot: accounts and principals of other
// accounts, and "*". Sorted.
func (g *Graph) namedOutside(key *Key) []string {
	seen := map[string]bool{}
	add := func(e string) {
		switch {
		case e == "*":
			seen["*"] = true
		case arn.IsAccountID(e):
			if !g.InSnapshot(e) {
				seen[arn.AccountRoot(g.partition, e)] = true
			}
		default:
			p, err := arn.ParsePrincipal(e)
			if err != nil || p.Kind == arn.KindService {
				return
			}
			if !g.InSnapshot(p.AccountID) {
				seen[e] = true
			}
		}
	}
	if key.Policy != nil {
		for _, st := range key.Policy.Policy.Statements {
			if st.Effect != 0 || st.Principal == nil || st.NotPrincipal {
				continue
			}
			if st.Principal.Any {
				add("*")
			}
			for _, e := range st.Principal.AWS {
				add(e)
			}
		}
	}
	for _, gr := range key.Grants {
		add(gr.GranteePrincipal)
	}
	return sortedKeys(seen)
}
