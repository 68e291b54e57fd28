package graph

import (
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
)

// Finding the assumers of many roles at once, on every CPU, gives the
// answers found one role at a time: who-can on every key of a generated
// organization, with role chains, and two at once under the race
// detector.
func TestAssumersOfAllAnswersAlike(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 6, Regions: 1, RolesPerAccount: 8, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 3, EscalationShare: 0.3})
	want := decryptersOfEveryKey(t, Build(s, nil))
	chains := 0
	for _, who := range want {
		for _, w := range who {
			for _, p := range w.Paths {
				if len(p.Via) > 1 {
					chains++
				}
			}
		}
	}
	if chains == 0 {
		t.Fatal("the fixture has no role chain: nothing to compare")
	}
	defer func(n int) { assumersAtOnce = n }(assumersAtOnce)
	assumersAtOnce = 0
	g := Build(s, nil)
	done := make(chan map[string][]Who, 2)
	for range 2 {
		go func() { done <- decryptersOfEveryKey(t, g) }()
	}
	for range 2 {
		if got := <-done; !reflect.DeepEqual(got, want) {
			t.Error("who-can with the assumers found at once differs from one role at a time")
		}
	}
}

// decryptersOfEveryKey is who-can kms:Decrypt on each of g's keys, by key
// ARN; an error fails the test (t.Error: from any goroutine).
func decryptersOfEveryKey(t *testing.T, g *Graph) map[string][]Who {
	out := map[string][]Who{}
	for _, k := range g.Keys() {
		who, err := g.WhoCan("kms:Decrypt", k.ARN, "", DefaultChainDepth)
		if err != nil {
			t.Error(err)
		}
		out[k.ARN] = who
	}
	return out
}
