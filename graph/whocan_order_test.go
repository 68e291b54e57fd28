package graph

import (
	"reflect"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
)

// Who-can's direct answers need no index when its candidates come in
// Principals' order (they do). Candidates in another order must give the
// same answers, through the index: here each account's principals are
// listed backwards, as a pool of them is read.
func TestWhoCanCandidatesInAnyOrder(t *testing.T) {
	g := Build(gen.Chained(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 8, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: 9}), nil)
	inOrder := decryptersOfEveryKey(t, g)
	for a, ps := range g.ix.byAccount {
		rev := slices.Clone(ps)
		slices.Reverse(rev)
		if len(rev) > 1 && inPrincipalsOrder(rev) {
			t.Fatalf("%s's principals backwards are in Principals' order", a)
		}
		g.ix.byAccount[a] = rev
	}
	backwards := decryptersOfEveryKey(t, g)
	chained := 0
	for k, want := range inOrder {
		if got := backwards[k]; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: candidates backwards give\n %+v\nin order\n %+v", k, got, want)
		}
		for _, w := range want {
			if len(w.Paths[0].Via) > 1 {
				chained++
			}
		}
	}
	if chained == 0 {
		t.Error("no answer through a role chain: the index is not looked up")
	}
}
