package graph

import (
	"hash/maphash"
	"slices"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// policyShare gives the roles and users of one account the same list of
// identity policies when theirs are the same, and the roles the same trust
// policy: an account's roles repeat a few sets of policies (the same
// managed policies attached, the same inline policy made from one
// template, the same trust policy), and a list and a trust policy made for
// each role were 66 MB of 5,000 generated accounts' graph. The lists are
// shared read-only (clipped: appending copies), as a principal's policies
// are once built.
type policyShare struct {
	seed   maphash.Seed
	lists  map[uint64][]eval.NamedPolicy
	trusts map[*policy.Policy]*eval.NamedPolicy
}

func newPolicyShare() *policyShare {
	return &policyShare{
		seed:   maphash.MakeSeed(),
		lists:  map[uint64][]eval.NamedPolicy{},
		trusts: map[*policy.Policy]*eval.NamedPolicy{},
	}
}

// list returns a list equal to l (a buffer the caller uses again): an
// earlier one, or a copy of l kept for the next. An empty l gives an empty
// list, not nil, as a principal with policies none of which could be read
// has.
func (s *policyShare) list(l []eval.NamedPolicy) []eval.NamedPolicy {
	if len(l) == 0 {
		return []eval.NamedPolicy{}
	}
	var h maphash.Hash
	h.SetSeed(s.seed)
	for i := range l {
		maphash.WriteComparable(&h, l[i])
	}
	sum := h.Sum64()
	if prev, ok := s.lists[sum]; ok {
		if slices.Equal(prev, l) {
			return prev
		}
		return slices.Clip(slices.Clone(l)) // a collision: kept apart
	}
	c := slices.Clip(slices.Clone(l))
	s.lists[sum] = c
	return c
}

// trust returns the trust policy p as a role's, the same one for every
// role of the account it is given for.
func (s *policyShare) trust(p *policy.Policy) *eval.NamedPolicy {
	np := s.trusts[p]
	if np == nil {
		np = &eval.NamedPolicy{Name: "trust policy", Policy: p}
		s.trusts[p] = np
	}
	return np
}
