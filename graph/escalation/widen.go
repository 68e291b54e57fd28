package escalation

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// seedWidenings adds, for each principal an IAM writer may widen and then
// act as, the widenings after which it can act on the key itself: its
// identity policies allowing the action (the key policy must still allow
// it — by delegating to its account, or naming it — and SCPs, RCPs, its
// boundary and every deny still apply), its boundary gone, or both.
//
// Only targets a writer can reach are asked: the writer itself, or a
// principal it may act as within depth-1 steps (reach: a cheap, generous
// filter). Asking every principal an administrator may write would be
// evaluating the organization.
func (s *search) seedWidenings() {
	s.seedGroups()
	for _, t := range s.targets {
		if s.direct.has(t) || !s.keyTrusts(t.Account) {
			continue // needs no widening, or the key policy cannot let it in
		}
		m := s.avail[t]
		works := mods(0)
		for _, try := range []mods{modIdentity, modBoundary, modIdentity | modBoundary} {
			if try&m != try || works != 0 && try&works == works {
				continue // not available, or a smaller widening already works
			}
			w := s.whatIf(try)
			last := s.keyStep(t.ARN, w, "widen"+strconvMods(try))
			if last.Decision == eval.Deny {
				continue
			}
			works = try
			s.add(&node{st: state{t, goal{target: t, mods: try}}, verdict: last.Decision, steps: []Step{last}})
		}
	}
}

// seedGroups adds, for each user an iam:AddUserToGroup writer may add to
// a group (and then act as), the groups whose policies, added to its own,
// let it act on the key. Joining a group is not combined with the other
// widenings.
func (s *search) seedGroups() {
	for _, k := range kinds {
		if k.Effect == EffectGroup {
			s.seedGroupsBy(k)
		}
	}
}

func (s *search) seedGroupsBy(k Kind) {
	for _, account := range sortedAccounts(s.capableBy(k.Actions[0])) {
		var groups []*group
		if !s.keyTrusts(account) {
			continue
		}
		for _, gr := range s.accountGroups[account] {
			if gr.mayAllowKey(strings.ToLower(s.action), s.key.ARN) {
				groups = append(groups, gr)
			}
		}
		if len(groups) == 0 {
			continue
		}
		for _, w := range s.capableBy(k.Actions[0])[account] {
			for _, t := range s.reach(w) {
				if t.Account != account || t.Kind != arn.KindUser || s.direct.has(t) {
					continue
				}
				for _, gr := range groups {
					if slices.Contains(s.groups[t.ARN], gr.arn) || !mayAllow(w, k.Actions[0], gr.arn) {
						continue
					}
					if !slices.Contains(s.groupWriters[t], w) {
						s.groupWriters[t] = append(s.groupWriters[t], w)
					}
					after := &graph.WhatIf{IdentityPolicies: gr.policies}
					last := s.keyStep(t.ARN, after, "group "+gr.arn)
					if last.Decision == eval.Deny {
						continue
					}
					s.add(&node{st: state{t, goal{target: t, mods: modGroup, group: gr}}, verdict: last.Decision, steps: []Step{last}})
				}
			}
		}
	}
}

func sortedAccounts(m map[string][]*graph.Principal) []string {
	out := make([]string, 0, len(m))
	for a := range m {
		out = append(out, a)
	}
	slices.Sort(out)
	return out
}

// reach returns the principals w may act as within depth-1 steps, w
// first: role chains as the graph follows them, and the users and roles of
// its account it may take credentials of, run code as (a new resource's or
// an existing function's) or rewrite the trust policy of — those on the cheap filter alone, so that no target is missed;
// the search evaluates each step it keeps.
func (s *Searcher) reach(w *graph.Principal) []*graph.Principal {
	if r, ok := s.reached[w]; ok {
		return r
	}
	out := []*graph.Principal{w}
	seen := map[*graph.Principal]bool{w: true}
	frontier := []*graph.Principal{w}
	for hop := 1; hop < s.depth && len(frontier) > 0; hop++ {
		var next []*graph.Principal
		visit := func(p *graph.Principal) {
			if p != nil && !seen[p] {
				seen[p] = true
				out = append(out, p)
				next = append(next, p)
			}
		}
		for _, p := range frontier {
			for _, t := range s.successors(p) {
				visit(t)
			}
		}
		frontier = next
	}
	s.reached[w] = out
	s.reachSet[w] = seen
	return out
}

// successors are the principals p may act as in one step, on the cheap
// filter (role chains as the graph evaluates them), once per principal.
func (s *Searcher) successors(p *graph.Principal) []*graph.Principal {
	if out, ok := s.succ[p]; ok {
		return out
	}
	var out []*graph.Principal
	if s.mayAssumeSome(p) {
		for _, a := range s.assumables(p) {
			if r := s.g.Principal(a.Role); r != nil {
				out = append(out, r)
			}
		}
	}
	for _, k := range kinds {
		if k.Effect == EffectFunction && slices.Contains(s.capableIn(k.Actions[0], p.Account), p) {
			out = append(out, s.functionRoles(p, k)...)
		}
		if k.Effect != EffectCredentials && k.Effect != EffectCompute && k.Effect != EffectTrust {
			continue
		}
		on := k.Actions[0] // the call on the target: iam:PassRole for compute
		if k.Effect == EffectCompute {
			on = k.Actions[1]
		}
		if !slices.Contains(s.capableIn(on, p.Account), p) {
			continue
		}
		if k.Effect == EffectCompute && !slices.Contains(s.capableIn(k.Actions[0], p.Account), p) {
			continue // it may not create the resource (expandCompute asks)
		}
		for _, t := range s.g.PrincipalsOf(p.Account) {
			if (k.Target == TargetUser) != (t.Kind == arn.KindUser) {
				continue
			}
			if k.Effect == EffectCompute && (k.Service == "ec2.amazonaws.com" && !s.profiles[t.ARN] || !s.trustMayName(t, k.Service)) {
				continue // as expandCompute: the service cannot run as it
			}
			if mayAllow(p, on, t.ARN) {
				out = append(out, t)
			}
		}
	}
	s.succ[p] = out
	return out
}

// useful reports whether a state of x with a widening of t pending can
// still meet its write: x is on the way from one of t's writers to t (in
// the writer's reach).
func (s *search) useful(x, t *graph.Principal) bool {
	for _, w := range s.writers[t] {
		if s.reachSet[w][x] {
			return true
		}
	}
	for _, w := range s.groupWriters[t] {
		if s.reachSet[w][x] {
			return true
		}
	}
	for _, w := range s.versionWriters[t] {
		if s.reachSet[w][x] {
			return true
		}
	}
	return false
}

func strconvMods(m mods) string { return string(rune('0' + m)) }

// whatIf is the hypothetical change of a widening.
func (s *search) whatIf(m mods) *graph.WhatIf {
	w := &graph.WhatIf{NoBoundary: m&modBoundary != 0}
	if m&modIdentity != 0 {
		w.IdentityPolicies = []eval.NamedPolicy{s.widen}
	}
	return w
}

// resources are the ARNs a kind of write acts on to widen t.
func (s *Searcher) resources(k Kind, t *graph.Principal) []string {
	switch k.Target {
	case TargetUser:
		if t.Kind == arn.KindUser {
			return []string{t.ARN}
		}
	case TargetRole:
		if t.Kind == arn.KindRole {
			return []string{t.ARN}
		}
	case TargetGroup:
		return s.groups[t.ARN]
	case TargetPolicy:
		var out []string
		for _, np := range t.Policies {
			// AWS managed policies (arn:aws:iam::aws:policy/…) cannot be
			// changed by customers.
			if np.ARN != "" && !strings.Contains(np.ARN, ":iam::aws:policy/") && !contains(out, np.ARN) {
				out = append(out, np.ARN)
			}
		}
		return out
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
