package graph

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// assumersOf returns the principals a role's trust policy can let assume it:
// those of the accounts it names (all, for "*"). The graph does not change:
// each role's list is computed once; callers must not modify it.
func (g *Graph) assumersOf(role *Principal) []*Principal {
	if role.Trust == nil {
		return nil
	}
	if v := role.assumers.Load(); v != nil {
		return *v
	}
	out := g.computeAssumers(role)
	role.assumers.Store(&out) // two goroutines may both compute it: the same list
	return out
}

// assumersOfAll finds the assumers of the roles among ps (nil for
// principals outside the snapshot) on every CPU, when there are many:
// assumersOf keeps each role's, and whoCan then asks for them all, to
// follow role chains (113,000 roles for the organization-wide key at
// 5,000 accounts: 0.2 s of CPU).
func (g *Graph) assumersOfAll(ps []*Principal) {
	if len(ps) < assumersAtOnce {
		return
	}
	forEach(len(ps), func(i int) {
		if p := ps[i]; p != nil && p.Kind == arn.KindRole {
			g.assumersOf(p)
		}
	})
}

// assumersAtOnce is the number of principals from which assumersOfAll
// works on every CPU (a variable: a test takes it down).
var assumersAtOnce = 4096

func (g *Graph) computeAssumers(role *Principal) []*Principal {
	accounts := map[string]bool{}
	for _, st := range role.Trust.Policy.Statements {
		if st.Principal == nil {
			continue
		}
		if st.Principal.Any || st.NotPrincipal || slices.Contains(st.Principal.AWS, "*") {
			return g.anyAssumers(role)
		}
		for _, e := range st.Principal.AWS {
			switch {
			case arn.IsAccountID(e):
				accounts[e] = true
			default:
				if a, err := arn.Parse(e); err == nil {
					accounts[a.AccountID] = true
				}
			}
		}
	}
	// Only principals with an identity statement for sts:AssumeRole (or
	// unknown policies) can use a trust naming their account; a principal the
	// trust names itself, in the role's own account, needs none.
	var out []*Principal
	for _, a := range sortedKeys(accounts) {
		for _, p := range g.ix.assumeWild[a] {
			if trustMayName(role, p) && g.mayAssume(p, p.arnParsed(), role) {
				out = append(out, p)
			}
		}
	}
	for _, name := range []string{role.ARN, role.plainARN} {
		for _, p := range g.ix.assumeLiteral[name] {
			if accounts[p.Account] && trustMayName(role, p) && !slices.Contains(out, p) && g.mayAssume(p, p.arnParsed(), role) {
				out = append(out, p)
			}
		}
		if role.plainARN == role.ARN {
			break
		}
	}
	for _, st := range role.Trust.Policy.Statements {
		if st.Principal == nil {
			continue
		}
		for _, e := range st.Principal.AWS {
			p := g.principals[e]
			if p == nil {
				if a, err := arn.Parse(e); err == nil && a.AccountID == role.Account && strings.HasPrefix(a.Resource, "role/") {
					p = g.Role(a.AccountID, lastSegment(a.Resource))
				}
			}
			if p != nil && p.Account == role.Account && !slices.Contains(out, p) && g.mayAssume(p, p.arnParsed(), role) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Principal) int { return cmpString(a.ARN, b.ARN) })
	return out
}

// trustMayName reports whether a role's trust policy has an Allow statement
// whose Principal can match p: everyone, p's account, or p itself (by ARN,
// or a role's path-less ARN). NotPrincipal statements may match anyone.
// Principals no statement can match need no evaluation.
func trustMayName(role, p *Principal) bool {
	root := "arn:" + p.arnPartition() + ":iam::" + p.Account + ":root"
	for i := range role.Trust.Policy.Statements {
		st := &role.Trust.Policy.Statements[i]
		if st.Effect != policy.Allow || st.Principal == nil {
			continue
		}
		if st.Principal.Any || st.NotPrincipal {
			return true
		}
		for _, e := range st.Principal.AWS {
			if e == "*" || e == p.Account || e == root || e == p.ARN || e == p.ID || (p.plainARN != "" && e == p.plainARN) {
				return true
			}
		}
	}
	return false
}

// anyAssumers returns who a trust policy open to everyone may let assume a
// role: every principal of its account (a resource-based policy naming "*"
// needs no identity policy in its own account) and, elsewhere, those with an
// identity statement that may allow sts:AssumeRole on it.
func (g *Graph) anyAssumers(role *Principal) []*Principal {
	out := slices.Clone(g.ix.byAccount[role.Account])
	for _, a := range sortedKeys(g.ix.assumersBy) {
		if a == role.Account {
			continue
		}
		for _, p := range g.ix.assumersBy[a] {
			if g.mayAssume(p, p.arnParsed(), role) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Principal) int { return cmpString(a.ARN, b.ARN) })
	return out
}
