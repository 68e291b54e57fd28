package escalation_test

import (
	"reflect"
	"sync"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/gen"
)

// A Searcher shared by goroutines answers each key as Paths does alone,
// with who-can's answer given or not.
func TestSearcherSharedAnswersAsPaths(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 20, KeysPerRegion: 4, Seed: 6, EscalationShare: 0.2})
	sprinkle(s, 6, 4)
	g := build(t, s)
	sr := escalation.NewSearcher(g, escalation.Options{})
	keys := g.Keys()
	got := make([][]escalation.Path, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var who []graph.Who
			if i%2 == 0 {
				who, _ = g.WhoCan("kms:Decrypt", k.ARN, "", escalation.DefaultDepth)
			}
			got[i], _ = sr.PathsWith(k.ARN, who)
		}()
	}
	wg.Wait()
	n := 0
	for i, k := range keys {
		want, err := escalation.Paths(g, k.ARN, escalation.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s: shared searcher gave %d paths, Paths %d", k.ARN, len(got[i]), len(want))
		}
		n += len(want)
	}
	if n == 0 {
		t.Fatal("no paths: the comparison proves nothing")
	}
}
