package escalation

import (
	"maps"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// function is an existing Lambda function of the snapshot
// (regions[].lambda.Functions[]) and the account it is in; functions are
// kept by their execution role's ARN.
type function struct {
	arn     string
	account string
}

// functionsOf indexes an account's functions by their role.
func functionsOf(account string, regions map[string]*snapshot.Region, out map[string][]function) {
	for _, name := range slices.Sorted(maps.Keys(regions)) {
		r := regions[name]
		if r == nil || r.Lambda == nil {
			continue
		}
		for _, f := range r.Lambda.Functions {
			if f.Role != "" && f.FunctionArn != "" {
				out[f.Role] = append(out[f.Role], function{arn: f.FunctionArn, account: account})
			}
		}
	}
}

// expandFunction: x replaces the code of an existing function that runs as
// role y, then invokes it (lambda:UpdateFunctionCode needs no
// iam:PassRole: the role is the function's already). Only callers of the
// function's account are asked, on their identity side and the
// organization's: a function policy (Lambda's AddPermission writes only
// Allow statements) can only add callers, which are then missed, never
// made up.
func (s *search) expandFunction(n *node, k Kind) {
	y := n.st.p
	fns := s.functions[y.ARN]
	if y.Kind != arn.KindRole || len(fns) == 0 || !s.trustMayName(y, "lambda.amazonaws.com") {
		return
	}
	trusted := eval.Verdict(0)
	asked := false
	for _, fn := range fns {
		for _, x := range s.capableIn(k.Actions[0], fn.account) {
			ok := x != y && !s.redundant(x, n.st.goal) && !s.settled(x, n.st.goal, n.level+1)
			for _, a := range k.Actions {
				ok = ok && mayAllow(x, a, fn.arn)
			}
			if !ok {
				continue
			}
			if !asked {
				// The function runs as y only while Lambda may assume it.
				trusted, asked = s.can(graph.Query{Principal: "lambda.amazonaws.com", Action: "sts:AssumeRole", Resource: y.ARN}, ""), true
			}
			if trusted == eval.Deny {
				return
			}
			var qs []graph.Query
			v := eval.Allow
			for _, a := range k.Actions {
				q := graph.Query{Principal: x.ARN, Action: a, Resource: fn.arn, WhatIf: &graph.WhatIf{NewResource: true}}
				qs = append(qs, q)
				v = v.And(s.can(q, "identity"))
			}
			if v != eval.Deny {
				st := step(x.ARN, strings.Join(k.Actions, "+"), k.Name, fn.arn, v, qs...)
				s.link(n, x, n.st.goal, s.withExplanations(st, slices.Repeat([]string{"identity"}, len(qs))...))
			}
		}
	}
}

// functionRoles are the roles of account's functions p may update, on the
// cheap filter (successors).
func (sr *Searcher) functionRoles(p *graph.Principal, k Kind) []*graph.Principal {
	var out []*graph.Principal
	for _, r := range sr.g.PrincipalsOf(p.Account) {
		for _, fn := range sr.functions[r.ARN] {
			if fn.account == p.Account && mayAllow(p, k.Actions[0], fn.arn) {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// enteredByFunctions adds to set the roles of functions a principal of the
// function's account may update, on the cheap filter (enteredPrincipals).
func (sr *Searcher) enteredByFunctions(k Kind, only *pset, set map[*graph.Principal]bool) {
	for _, y := range sr.runAs {
		fns := sr.functions[y.ARN]
		if only != nil && !only.has(y) || set[y] || !sr.trustMayName(y, "lambda.amazonaws.com") {
			continue
		}
	callers:
		for _, fn := range fns {
			for _, x := range sr.capableIn(k.Actions[0], fn.account) {
				if x != y && mayAllow(x, k.Actions[0], fn.arn) {
					set[y] = true
					break callers
				}
			}
		}
	}
}
