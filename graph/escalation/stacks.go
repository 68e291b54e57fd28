package escalation

import (
	"slices"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// A CloudFormation stack created with a role as its service role makes its
// resources' calls as the role (CloudFormation UG, "CloudFormation service
// role"); for an existing principal, resource types put inline policies
// (Kind.ViaStack). The caller thus has the role write a principal the
// caller then acts as — often itself — and goes on as itself: the stack
// makes nothing else, no call on the key, no code run as the role. A
// widening's write is then two steps of the caller's state: CreateStack
// (passing the role), and the role's write (writeViaStack).

// writeViaStack: n's principal x creates a stack with a role y that may
// make write k of n's pending widening, passing y to CloudFormation; y's
// write is asked as y's own call.
func (s *search) writeViaStack(n *node, k Kind, rest goal, resources []string) {
	x, t := n.st.p, n.st.goal.target
	for _, sk := range kinds {
		if sk.Effect != EffectStack || !slices.Contains(s.capableIn(sk.Actions[1], x.Account), x) {
			continue
		}
		for _, y := range s.capableIn(k.Actions[0], t.Account) {
			if y == x || y.Kind != arn.KindRole || y.Account != x.Account || !s.trustMayName(y, sk.Service) || !mayAllow(x, sk.Actions[1], y.ARN) || !mayAllow(x, sk.Actions[0], s.computeResource(sk, y.Account)) {
				continue
			}
			for _, res := range resources {
				if !mayAllow(y, k.Actions[0], res) {
					continue
				}
				q := graph.Query{Principal: y.ARN, Action: k.Actions[0], Resource: res}
				v := s.can(q, "")
				if v == eval.Deny || s.can(graph.Query{Principal: sk.Service, Action: "sts:AssumeRole", Resource: y.ARN}, "") == eval.Deny {
					continue
				}
				create, cv := s.passStep(x, y, sk)
				if cv == eval.Deny {
					continue
				}
				write := s.withExplanations(step(y.ARN, k.Actions[0], k.Name, res, v, q), "")
				write.Widens = t.ARN
				s.link(n, x, rest, create, write)
			}
		}
	}
}

// prepareStacks adds, for each principal x that may pass a role y to
// CloudFormation (on the cheap filter), the targets in x's reach that y
// may give an inline policy, x among their writers.
func (sr *Searcher) prepareStacks() {
	for _, k := range kinds {
		if k.Effect != EffectStack {
			continue
		}
		pass := k.Actions[1]
		for _, account := range sortedAccounts(sr.capableBy(pass)) {
			for _, x := range sr.capableBy(pass)[account] {
				if !slices.Contains(sr.capableIn(k.Actions[0], account), x) {
					continue // it may not create a stack (writeViaStack asks)
				}
				for _, y := range sr.g.PrincipalsOf(account) {
					if y != x && y.Kind == arn.KindRole && sr.trustMayName(y, k.Service) && mayAllow(x, pass, y.ARN) {
						sr.stackTargets(x, y)
					}
				}
			}
		}
	}
}

// stackTargets adds the principals of x's reach that role y may give an
// inline policy, in y's account.
func (sr *Searcher) stackTargets(x, y *graph.Principal) {
	for _, w := range kinds {
		if !w.ViaStack || !slices.Contains(sr.capableIn(w.Actions[0], y.Account), y) {
			continue
		}
		for _, t := range sr.reach(x) {
			if t.Account != y.Account {
				continue
			}
			for _, res := range sr.resources(w, t) {
				if mayAllow(y, w.Actions[0], res) {
					sr.avail[t] |= modIdentity
					if !slices.Contains(sr.writers[t], x) {
						sr.writers[t] = append(sr.writers[t], x)
					}
					break
				}
			}
		}
	}
}
