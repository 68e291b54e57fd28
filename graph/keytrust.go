package graph

import (
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// keyTrusts adds to accounts the accounts a key's policy and grants name,
// and reports whether a statement names everyone ("*").
func (g *Graph) keyTrusts(k *Key, accounts map[string]bool) bool {
	everyone := false
	accounts[k.Account] = true
	add := func(e string) {
		switch {
		case e == "*":
			everyone = true
		case arn.IsAccountID(e):
			accounts[e] = true
		default:
			if p, err := arn.ParsePrincipal(e); err == nil && p.AccountID != "" {
				accounts[p.AccountID] = true
			}
		}
	}
	if k.Policy() != nil {
		for _, st := range k.Policy().Policy.Statements {
			if st.Principal == nil || st.Principal.Any || st.NotPrincipal {
				if st.Effect != 0 {
					continue
				}
				// "*" limited to named accounts by kms:CallerAccount or
				// aws:PrincipalAccount (as AWS managed keys are) trusts
				// those accounts only.
				if limited := callerAccounts(&st); limited != nil {
					for _, a := range limited {
						accounts[a] = true
					}
					continue
				}
				everyone = true
				continue
			}
			for _, e := range st.Principal.AWS {
				add(e)
			}
		}
	}
	for _, gr := range k.Grants {
		add(gr.GranteePrincipal)
	}
	return everyone || !k.GrantsKnown
}

// callerAccounts returns the accounts a statement's StringEquals condition
// on kms:CallerAccount or aws:PrincipalAccount limits it to, or nil.
func callerAccounts(st *policy.Statement) []string {
	for _, c := range st.Conditions {
		k := strings.ToLower(c.Key)
		if c.Family == policy.OpStringEquals && !c.Negated && !c.IfExists && c.Set == policy.SetNone &&
			(k == "kms:calleraccount" || k == "aws:principalaccount") {
			return c.Values
		}
	}
	return nil
}

// namesPrincipals adds the ARNs a policy's Allow statements name to named,
// and reports whether one names everyone.
func namesPrincipals(np *eval.NamedPolicy, named map[string]bool) bool {
	everyone := false
	for _, st := range np.Policy.Statements {
		if st.Effect != 0 || st.Principal == nil {
			continue
		}
		everyone = everyone || st.Principal.Any || st.NotPrincipal
		for _, e := range st.Principal.AWS {
			named[e] = true
		}
	}
	return everyone
}

// External reports whether account is outside the organization (or, with
// no organization scanned, outside the snapshot).
func (g *Graph) External(account string) bool {
	g.wait()
	return g.external(account)
}

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
	if key.Policy() != nil {
		for _, st := range key.Policy().Policy.Statements {
			if st.Effect != 0 || st.Principal == nil || st.NotPrincipal {
				continue
			}
			named := st.Principal.AWS
			if st.Principal.Any {
				named = append([]string{"*"}, named...)
			}
			for _, e := range named {
				// "*" limited to named accounts by kms:CallerAccount or
				// aws:PrincipalAccount (as AWS managed keys are) is those
				// accounts' principals, not the public.
				if limited := callerAccounts(&st); e == "*" && limited != nil {
					for _, a := range limited {
						add(a)
					}
					continue
				}
				add(e)
			}
		}
	}
	for _, gr := range key.Grants {
		add(gr.GranteePrincipal)
	}
	return sortedKeys(seen)
}

// OutsidePrincipals lists the principals outside the snapshot that some
// answer may name: accounts and principals that keys' policies and grants
// name, accounts resources are shared with, and "*" when a key or resource is
// open to everyone. Sorted.
func (g *Graph) OutsidePrincipals() []string {
	g.needResources()
	g.ParseKeyPolicies() // each key's and resource's policy is read
	g.ParseResourcePolicies()
	seen := map[string]bool{}
	for _, k := range g.sortedKeys {
		for _, p := range g.namedOutside(k) {
			seen[p] = true
		}
	}
	for _, r := range g.resources {
		for _, a := range r.SharedWith() {
			switch {
			case a == "all":
				seen["*"] = true
			case !g.InSnapshot(a):
				seen[arn.AccountRoot(g.partition, a)] = true
			}
		}
	}
	return sortedKeys(seen)
}
