package escalation

import "github.com/keyhound/keyhound/graph"

// pset is a set of a graph's principals that is emptied at no cost: a
// stamp per principal (graph.Principal.Seq), in the set while it equals
// the set's generation. A search's sets hold who-can's principals, every
// principal of the organization for an organization-wide key: as maps,
// building and emptying them was much of a search's time and of what the
// garbage collector had to do.
type pset struct {
	stamp []uint32
	gen   uint32
	other map[*graph.Principal]bool // principals without a Seq (not expected)
}

// reset empties the set, for principals of a graph of n.
func (s *pset) reset(n int) {
	if len(s.stamp) < n+1 {
		s.stamp = make([]uint32, n+1)
		s.gen = 0
	}
	s.gen++
	if s.gen == 0 { // wrapped: the old stamps would count again
		clear(s.stamp)
		s.gen = 1
	}
	clear(s.other)
}

func (s *pset) add(p *graph.Principal) {
	if q := p.Seq(); q > 0 && q < len(s.stamp) {
		s.stamp[q] = s.gen
		return
	}
	if s.other == nil {
		s.other = map[*graph.Principal]bool{}
	}
	s.other[p] = true
}

func (s *pset) has(p *graph.Principal) bool {
	if q := p.Seq(); q > 0 && q < len(s.stamp) {
		return s.stamp[q] == s.gen
	}
	return s.other[p]
}
