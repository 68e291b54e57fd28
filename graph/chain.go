package graph

import (
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// DefaultChainDepth is how many sts:AssumeRole hops Can follows by default.
const DefaultChainDepth = 5

// hop is one step of a role chain: the role assumed and how certain it is.
type hop struct {
	role     *Principal
	decision eval.Verdict
	prev     *hop
}

// sessionOf returns the ARN keyhound uses for a session of role.
func sessionOf(role *Principal) string {
	return "arn:aws:sts::" + role.Account + ":assumed-role/" + role.Name + "/keyhound"
}

// canAssume evaluates whether caller can call sts:AssumeRole on role: the
// role's trust policy, and where required the caller's identity policies and
// its SCPs (IAM UG, cross-account access with roles: both the trust policy
// and the caller's identity policy must allow across accounts).
func (g *Graph) canAssume(caller string, role *Principal) eval.Verdict {
	if role.Trust == nil || !trustMayName(role, caller) {
		return eval.Deny
	}
	r, _, err := g.Request(Query{Principal: caller, Action: "sts:AssumeRole", Resource: role.ARN})
	if err != nil {
		return eval.Deny
	}
	d, err := eval.Evaluate(r)
	if err != nil {
		return eval.Deny
	}
	return d.Verdict
}

// trustMayName is a cheap filter: whether any Allow statement of the role's
// trust policy can name the caller at all (its ARN, its role, its account, or
// "*"). It never rejects a caller the full evaluation would accept.
func trustMayName(role *Principal, caller string) bool {
	p, err := arn.ParsePrincipal(caller)
	if err != nil {
		return false
	}
	account := p.AccountARN()
	roleARN := p.RoleARN()
	for _, st := range role.Trust.Policy.Statements {
		if st.Principal == nil || st.NotPrincipal || st.Principal.Any {
			return true
		}
		for _, e := range st.Principal.AWS {
			if e == "*" || e == caller || e == account || e == p.AccountID || (roleARN != "" && lastSegment(e) == p.Name && len(e) > 0) {
				return true
			}
		}
	}
	return false
}

// chains returns the roles reachable from principal by sts:AssumeRole, each
// by its shortest chain (breadth first), up to depth hops. A chain is as
// certain as its least certain hop: ALLOW, or CONDITIONAL.
func (g *Graph) chains(principal string, depth int) []*hop {
	if depth <= 0 {
		return nil
	}
	visited := map[string]bool{}
	if p, err := arn.ParsePrincipal(principal); err == nil && p.Kind == arn.KindAssumedRole {
		if r := g.Role(p.AccountID, p.Name); r != nil {
			visited[r.ARN] = true
		}
	}
	visited[principal] = true
	roles := g.rolesSorted()
	var out []*hop
	frontier := []*hop{nil}
	for level := 0; level < depth && len(frontier) > 0; level++ {
		var next []*hop
		for _, from := range frontier {
			caller := principal
			if from != nil {
				caller = sessionOf(from.role)
			}
			for _, role := range roles {
				if visited[role.ARN] {
					continue
				}
				v := g.canAssume(caller, role)
				if v == eval.Deny {
					continue
				}
				if from != nil && from.decision == eval.Conditional {
					v = eval.Conditional
				}
				h := &hop{role: role, decision: v, prev: from}
				visited[role.ARN] = true
				out = append(out, h)
				next = append(next, h)
			}
		}
		frontier = next
	}
	return out
}

// via lists a chain's ARNs from the principal to the last role.
func (h *hop) via(principal string) []string {
	var rev []string
	for x := h; x != nil; x = x.prev {
		rev = append(rev, x.role.ARN)
	}
	out := []string{principal}
	for i := len(rev) - 1; i >= 0; i-- {
		out = append(out, rev[i])
	}
	return out
}

func (g *Graph) rolesSorted() []*Principal {
	var out []*Principal
	for _, p := range g.Principals() {
		if p.Kind == arn.KindRole {
			out = append(out, p)
		}
	}
	return out
}
