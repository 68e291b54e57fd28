package escalation

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
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
	avail := map[*graph.Principal]mods{}
	for _, k := range kinds {
		var m mods
		switch k.Effect {
		case EffectIdentity:
			m = modIdentity
		case EffectNoBoundary:
			m = modBoundary
		default:
			continue
		}
		for _, account := range sortedAccounts(s.capableBy(k.Actions[0])) {
			for _, w := range s.capableBy(k.Actions[0])[account] {
				for _, t := range s.reach(w) {
					if t.Account != w.Account || avail[t]&m != 0 || s.direct[t] || m == modBoundary && t.Boundary == nil {
						continue
					}
					for _, res := range s.resources(k, t) {
						if mayAllow(w, k.Actions[0], res) {
							avail[t] |= m
							if !slices.Contains(s.writers[t], w) {
								s.writers[t] = append(s.writers[t], w)
							}
							break
						}
					}
				}
			}
		}
	}
	targets := make([]*graph.Principal, 0, len(avail))
	for t := range avail {
		targets = append(targets, t)
	}
	slices.SortFunc(targets, func(a, b *graph.Principal) int { return cmp.Compare(a.ARN, b.ARN) })
	for _, t := range targets {
		m := avail[t]
		works := mods(0)
		for _, try := range []mods{modIdentity, modBoundary, modIdentity | modBoundary} {
			if try&m != try || works != 0 && try&works == works {
				continue // not available, or a smaller widening already works
			}
			w := s.whatIf(try)
			v := s.can(s.keyQuery(t.ARN, w), "widen"+strconvMods(try))
			if v == eval.Deny {
				continue
			}
			works = try
			s.add(&node{st: state{t, goal{t, try}}, verdict: v, steps: []Step{step(t.ARN, s.action, "", s.key.ARN, v, s.keyQuery(t.ARN, w))}})
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
// its account it may take credentials of, run code as or rewrite the trust
// policy of — those on the cheap filter alone, so that no target is missed;
// the search evaluates each step it keeps.
func (s *search) reach(w *graph.Principal) []*graph.Principal {
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
			for _, a := range s.g.Assumables(p.ARN, 1) {
				visit(s.g.Principal(a.Role))
			}
			for _, k := range kinds {
				if k.Effect != EffectCredentials && k.Effect != EffectCompute && k.Effect != EffectTrust {
					continue
				}
				last := len(k.Actions) - 1 // iam:PassRole for compute
				if !slices.Contains(s.capableIn(k.Actions[last], p.Account), p) {
					continue
				}
				for _, t := range s.g.PrincipalsOf(p.Account) {
					if (k.Target == TargetUser) == (t.Kind == arn.KindUser) && mayAllow(p, k.Actions[last], t.ARN) {
						visit(t)
					}
				}
			}
		}
		frontier = next
	}
	s.reached[w] = out
	s.reachSet[w] = seen
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
func (s *search) resources(k Kind, t *graph.Principal) []string {
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

// expand adds the states that lead into n's: a principal that can act as
// n's (assuming it, holding its credentials, running code as it, rewriting
// its trust policy), and, when a widening is pending, n's principal making
// one of its changes.
//
// A state with a widening pending needs its writer still: a step into it
// is worth adding only when a write can follow within the depth.
func (s *search) expand(n *node) {
	y := n.st.p
	room := s.depth - n.level // steps left before the depth
	if n.st.goal != (goal{}) {
		room-- // keep one for the write
	}
	for _, k := range kinds {
		if k.Effect == EffectIdentity || k.Effect == EffectNoBoundary {
			s.expandWrite(n, k)
		}
	}
	if room < 1 {
		return
	}
	if y.Kind == arn.KindRole {
		for _, a := range s.g.AssumedBy(y.ARN) {
			if x := s.g.Principal(a.Via[0]); x != nil {
				s.link(n, x, n.st.goal, step(x.ARN, "sts:AssumeRole", "AssumeRole", y.ARN, a.Decision, graph.Query{Principal: x.ARN, Action: "sts:AssumeRole", Resource: y.ARN}))
			}
		}
	}
	for _, k := range kinds {
		switch k.Effect {
		case EffectCredentials:
			s.expandCredentials(n, k)
		case EffectCompute:
			s.expandCompute(n, k)
		case EffectTrust:
			if room >= 2 {
				s.expandTrust(n, k)
			}
		}
	}
}

// expandCredentials: x creates an access key or a password for user y.
func (s *search) expandCredentials(n *node, k Kind) {
	y := n.st.p
	if y.Kind != arn.KindUser {
		return
	}
	for _, x := range s.capableIn(k.Actions[0], y.Account) {
		if x == y || !mayAllow(x, k.Actions[0], y.ARN) {
			continue
		}
		q := graph.Query{Principal: x.ARN, Action: k.Actions[0], Resource: y.ARN}
		if v := s.can(q, ""); v != eval.Deny {
			s.link(n, x, n.st.goal, step(x.ARN, k.Actions[0], k.Name, y.ARN, v, q))
		}
	}
}

// expandCompute: x creates a function or an instance that runs as role y,
// passing y to the service (same account only: IAM UG, id_roles_use_passrole).
func (s *search) expandCompute(n *node, k Kind) {
	y := n.st.p
	if y.Kind != arn.KindRole || k.Service == "ec2.amazonaws.com" && !s.profiles[y.ARN] {
		return
	}
	create, pass := k.Actions[0], k.Actions[1]
	res := s.computeResource(k, y.Account)
	var callers []*graph.Principal
	for _, x := range s.capableIn(pass, y.Account) {
		if x != y && mayAllow(x, pass, y.ARN) && mayAllow(x, create, res) {
			callers = append(callers, x)
		}
	}
	if len(callers) == 0 || s.can(graph.Query{Principal: k.Service, Action: "sts:AssumeRole", Resource: y.ARN}, "") == eval.Deny {
		return // no one to pass it, or the service cannot assume the role
	}
	for _, x := range callers {
		qc := graph.Query{Principal: x.ARN, Action: create, Resource: res}
		qp := graph.Query{Principal: x.ARN, Action: pass, Resource: y.ARN, Context: map[string][]string{"iam:PassedToService": {k.Service}}}
		v := s.can(qc, "").And(s.can(qp, k.Service))
		if v != eval.Deny {
			s.link(n, x, n.st.goal, step(x.ARN, create+"+"+pass, k.Name, y.ARN, v, qc, qp))
		}
	}
}

// computeResource is the ARN a compute step's create call is asked on: a
// new function or instance in the key's Region and the role's account. Its
// name is the caller's choice; keyhound asks about one it picks.
func (s *search) computeResource(k Kind, account string) string {
	part := "aws"
	if a, err := arn.Parse(s.key.ARN); err == nil {
		part = a.Partition
	}
	svc, _, _ := strings.Cut(k.Actions[0], ":")
	if svc == "lambda" {
		return "arn:" + part + ":lambda:" + s.key.Region + ":" + account + ":function:keyhound-escalation"
	}
	return "arn:" + part + ":ec2:" + s.key.Region + ":" + account + ":instance/*"
}

// expandTrust: x rewrites role y's trust policy to name itself, then
// assumes y (two steps).
func (s *search) expandTrust(n *node, k Kind) {
	y := n.st.p
	if y.Kind != arn.KindRole {
		return
	}
	for _, x := range s.capableIn(k.Actions[0], y.Account) {
		if x == y || !mayAllow(x, k.Actions[0], y.ARN) {
			continue
		}
		q1 := graph.Query{Principal: x.ARN, Action: k.Actions[0], Resource: y.ARN}
		v1 := s.can(q1, "")
		if v1 == eval.Deny {
			continue
		}
		trust := s.trustNaming(x.ARN)
		if trust == nil {
			continue
		}
		q2 := graph.Query{Principal: x.ARN, Action: "sts:AssumeRole", Resource: y.ARN, WhatIf: &graph.WhatIf{ResourcePolicy: &eval.NamedPolicy{Name: "trust policy (rewritten)", Policy: trust}}}
		v2 := s.can(q2, "trust")
		if v2 == eval.Deny {
			continue
		}
		s.link(n, x, n.st.goal,
			step(x.ARN, k.Actions[0], k.Name, y.ARN, v1, q1),
			step(x.ARN, "sts:AssumeRole", "AssumeRole", y.ARN, v2, q2))
	}
}

// trustNaming is trustNaming(principal), parsed once per principal.
func (s *search) trustNaming(principal string) *policy.Policy {
	if p, ok := s.trusts[principal]; ok {
		return p
	}
	p, err := trustNaming(principal)
	if err != nil {
		p = nil
	}
	s.trusts[principal] = p
	return p
}

// expandWrite: n's principal makes one of the pending widening's changes
// itself (same account: IAM has no resource-based policies).
func (s *search) expandWrite(n *node, k Kind) {
	t, y := n.st.goal.target, n.st.p
	bit := modIdentity
	if k.Effect == EffectNoBoundary {
		bit = modBoundary
	}
	if t == nil || n.st.goal.mods&bit == 0 || y.Account != t.Account {
		return
	}
	rest := goal{t, n.st.goal.mods &^ bit}
	if rest.mods == 0 {
		rest = goal{}
	}
	for _, res := range s.resources(k, t) {
		if !mayAllow(y, k.Actions[0], res) {
			continue
		}
		q := graph.Query{Principal: y.ARN, Action: k.Actions[0], Resource: res}
		if v := s.can(q, ""); v != eval.Deny {
			s.link(n, y, rest, step(y.ARN, k.Actions[0], k.Name, res, v, q))
		}
	}
}

// capableBy is graph.Capable(action) by account.
func (s *search) capableBy(action string) map[string][]*graph.Principal {
	action = strings.ToLower(action)
	if m, ok := s.capable[action]; ok {
		return m
	}
	m := map[string][]*graph.Principal{}
	for _, p := range s.g.Capable(action) {
		m[p.Account] = append(m[p.Account], p)
	}
	s.capable[action] = m
	return m
}

func (s *search) capableIn(action, account string) []*graph.Principal {
	return s.capableBy(action)[account]
}

// noContext is an incomplete, empty context: every condition key unknown.
var noContext = policy.NewContext(false)

// mayAllow is a cheap, sound filter before a full evaluation: p needs an
// identity Allow statement for the action whose resources may match res
// (IAM has no resource-based policies). Principals whose policies are not
// all known may.
func mayAllow(p *graph.Principal, action, res string) bool {
	if len(p.Issues) > 0 {
		return true
	}
	action = strings.ToLower(action)
	for _, np := range p.Policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect == policy.Allow && st.MatchesAction(action) && st.MatchesResource(res, noContext) != policy.False {
				return true
			}
		}
	}
	return false
}

func (s *search) anyMayAllow(ps []*graph.Principal, action, res string) bool {
	for _, p := range ps {
		if mayAllow(p, action, res) {
			return true
		}
	}
	return false
}
