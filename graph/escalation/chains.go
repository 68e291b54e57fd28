package escalation

import (
	"cmp"
	"slices"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
)

// Most states the search meets are who-can's own: a principal that can act
// on the key now, or by a chain of roles (a chain state: no widening
// pending, every step an sts:AssumeRole or the action itself). Asking who
// can assume each of them (graph.AssumedBy, an evaluation per candidate)
// would cost more than who-can itself, and it finds nothing new: whoever
// assumes a chain state within the depth is on a chain who-can has
// already listed. Such an assumer matters only as a way in for a step
// that is not an assumption — a principal another may take credentials
// of, run code as, or rewrite the trust of (entered), or one an entered
// principal may reach by assuming roles. Those are few; the search lists
// them once (entryChains) and, from a chain state, links only them.

// entryChains computes who-can's principals that can be reached from an
// entered one of them by assuming roles within depth-1 hops (entered ones
// first), with, per role, those of them that can assume it directly.
func (s *search) entryChains() {
	s.chainAssumers = map[*graph.Principal][]assumer{}
	// Only who-can's principals have chain states, and only they can
	// assume one within the depth: the others are left out from the start.
	var frontier []*graph.Principal
	seen := map[*graph.Principal]bool{}
	enter := func(p *graph.Principal) {
		if !seen[p] {
			s.entered.add(p)
			frontier = append(frontier, p)
			seen[p] = true
		}
	}
	switch {
	case !s.enteredReady:
		for _, p := range s.enteredPrincipals(s.whoPs, s.excluded) {
			enter(p)
		}
	case len(s.whoPs) < len(s.enteredList):
		// Fewer of who-can's than of those entered (most keys): the order
		// of the frontier changes nothing (chainAssumers are sorted).
		for _, p := range s.whoPs {
			if s.enteredSet[p] {
				enter(p)
			}
		}
	default:
		for _, p := range s.enteredList {
			if s.excluded.has(p) {
				enter(p)
			}
		}
	}
	for hop := 1; hop < s.depth && len(frontier) > 0; hop++ {
		var next []*graph.Principal
		for _, x := range frontier {
			if !s.mayAssumeSome(x) {
				continue
			}
			for _, a := range s.assumables(x) {
				r := s.g.Principal(a.Role)
				if r == nil {
					continue
				}
				s.chainAssumers[r] = append(s.chainAssumers[r], assumer{x, a})
				if !seen[r] && s.excluded.has(r) {
					seen[r] = true
					next = append(next, r)
				}
			}
		}
		frontier = next
	}
	// In AssumedBy's order, so that ties break as they would with it.
	for _, list := range s.chainAssumers {
		slices.SortFunc(list, func(a, b assumer) int { return cmp.Compare(a.p.ARN, b.p.ARN) })
	}
}

// assumer is a principal that can assume a role directly, as
// graph.AssumedBy lists it.
type assumer struct {
	p *graph.Principal
	a graph.Assumable
}

// enteredPrincipals lists, sorted by ARN, the principals (of only, when
// not nil, by ARN) a step other than an assumption may enter
// (expandCredentials, expandCompute, expandTrust, expandFunction), on the
// cheap filter: one of their account's principals may make the call on
// them.
func (s *Searcher) enteredPrincipals(onlyList []*graph.Principal, only *pset) []*graph.Principal {
	set := map[*graph.Principal]bool{}
	// The kinds other than compute whose callers an account has, by
	// account: each principal of those accounts is then looked at once,
	// not once per kind. Compute steps start from the roles whose trust
	// may name their service (the graph's index): few.
	entries := map[string][]entering{}
	for _, k := range kinds {
		switch k.Effect {
		case EffectFunction:
			s.enteredByFunctions(k, only, set)
		case EffectCompute:
			s.enteredByCompute(k, only, set)
		case EffectCredentials, EffectTrust:
			for account, callers := range s.capableBy(k.Actions[0]) {
				entries[account] = append(entries[account], entering{k, k.Actions[0], callers})
			}
		}
	}
	visit := func(y *graph.Principal, es []entering) {
		if set[y] {
			return
		}
		for _, e := range es {
			if (e.k.Target == TargetUser) != (y.Kind == arn.KindUser) {
				continue
			}
			for _, x := range e.callers {
				if x != y && mayAllow(x, e.on, y.ARN) {
					set[y] = true
					return
				}
			}
		}
	}
	if only != nil && len(onlyList) < len(entries)*64 {
		// Fewer principals than the accounts' (who-can's, for one key).
		for _, y := range onlyList {
			if len(entries[y.Account]) > 0 {
				visit(y, entries[y.Account])
			}
		}
	} else {
		for account, es := range entries {
			for _, y := range s.g.PrincipalsOf(account) {
				if only == nil || only.has(y) {
					visit(y, es)
				}
			}
		}
	}
	out := make([]*graph.Principal, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b *graph.Principal) int { return cmp.Compare(a.ARN, b.ARN) })
	return out
}

// enteredByCompute adds to set the roles (of only, when not nil) a
// principal of their account may pass to kind k's service, on the cheap
// filter, as expandCompute asks: the service may run as the role, and the
// caller may pass it.
func (s *Searcher) enteredByCompute(k Kind, only *pset, set map[*graph.Principal]bool) {
	pass := k.Actions[1]
	callers := s.capableBy(pass)
	if len(callers) == 0 {
		return
	}
	named, anyService := s.g.ServiceTrusting(k.Service)
	for _, list := range [][]*graph.Principal{named, anyService} {
		for _, y := range list {
			// The cheapest tests first: most roles are not who-can's.
			if only != nil && !only.has(y) || set[y] || len(callers[y.Account]) == 0 || k.Service == "ec2.amazonaws.com" && !s.profiles[y.ARN] || !s.trustMayName(y, k.Service) {
				continue
			}
			for _, x := range callers[y.Account] {
				if x != y && mayAllow(x, pass, y.ARN) {
					set[y] = true
					break
				}
			}
		}
	}
}

// entering is a kind of step other than an assumption that may enter a
// principal of an account: the call on the principal and its callers there.
type entering struct {
	k       Kind
	on      string
	callers []*graph.Principal
}

// idle reports whether expanding n would add nothing: a chain state no
// step but an assumption enters, and that no listed assumer assumes.
func (s *search) idle(n *node) bool {
	return !s.exhaustive && n.chain && !s.entered.has(n.st.p) && len(s.chainAssumers[n.st.p]) == 0
}
