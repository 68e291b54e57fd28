package escalation

import (
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// A pset holds what was added since its last reset, for principals of a
// graph (numbered by Seq, 1 to n, each once) and others alike.
func TestPset(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 2, Regions: 1, RolesPerAccount: 4, KeysPerRegion: 1, Seed: 2}), nil)
	ps := g.Principals()
	seen := map[int]bool{}
	for _, p := range ps {
		if q := p.Seq(); q < 1 || q > len(ps) || seen[q] {
			t.Fatalf("%s: Seq %d (of %d)", p.ARN, q, len(ps))
		}
		seen[p.Seq()] = true
	}
	outside := &graph.Principal{ARN: "arn:aws:iam::999999999999:role/x"}
	var s pset
	for round := range 3 {
		s.reset(len(ps))
		for _, p := range append(ps, outside) {
			if s.has(p) {
				t.Fatalf("round %d: %s in an empty set", round, p.ARN)
			}
		}
		s.add(ps[round])
		s.add(outside)
		for i, p := range ps {
			if s.has(p) != (i == round) {
				t.Errorf("round %d: has(%s) = %v", round, p.ARN, s.has(p))
			}
		}
		if !s.has(outside) {
			t.Errorf("round %d: a principal without Seq not kept", round)
		}
	}
	s.gen = ^uint32(0) // the next reset wraps
	s.add(ps[0])
	s.reset(len(ps))
	if s.has(ps[0]) {
		t.Error("a stamp of before the wrap counts")
	}
}
