package escalation

import (
	"reflect"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// exhaustivePaths is Paths without the pruning of chain states: every
// state's assumers asked of graph.AssumedBy, as before chains.go.
func exhaustivePaths(g *graph.Graph, key string, opts Options) []Path {
	s, err := newSearcher(g, opts).newSearch(key)
	if err != nil {
		return nil
	}
	s.exhaustive = true
	s.run()
	return s.paths()
}

// The pruned search answers as the exhaustive one, on generated
// organizations with keyhound gen's share of escalation permissions and
// with more, for every customer managed key and two depths.
func TestPruningKeepsAnswers(t *testing.T) {
	for _, o := range []gen.Options{
		{Accounts: 6, Regions: 1, RolesPerAccount: 20, KeysPerRegion: 4, Seed: 2, EscalationShare: 0.2},
		{Accounts: 10, Regions: 1, RolesPerAccount: 12, KeysPerRegion: 4, Seed: 5, EscalationShare: 0.5},
		{Accounts: 4, Regions: 2, RolesPerAccount: 30, KeysPerRegion: 2, Seed: 9, EscalationShare: 0.1},
	} {
		g := graph.Build(gen.Organization(o), nil)
		found := 0
		for _, k := range g.Keys() {
			if !strings.Contains(k.PolicyText, "Enable IAM User Permissions") {
				continue
			}
			for _, depth := range []int{2, 3} {
				opts := Options{Depth: depth}
				got, err := Paths(g, k.ARN, opts)
				if err != nil {
					t.Fatal(err)
				}
				want := exhaustivePaths(g, k.ARN, opts)
				if !reflect.DeepEqual(got, want) {
					t.Fatalf("seed %d, %s, depth %d: pruned search gave %d paths, exhaustive %d\n%v\n%v", o.Seed, k.ARN, depth, len(got), len(want), got, want)
				}
				found += len(got)
			}
		}
		if found == 0 {
			t.Errorf("seed %d: no paths at all: the comparison proves nothing", o.Seed)
		}
	}
}
