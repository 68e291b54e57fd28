package graph

import (
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// A panic on one of forEach's goroutines reaches its caller once every
// goroutine has stopped (in a bubble: none is left running when the test
// ends).
func TestForEachPanicReachesTheCaller(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	synctest.Test(t, func(t *testing.T) {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the item's panic", r)
			}
		}()
		forEach(1000, func(i int) {
			if i == 500 {
				panic("boom")
			}
		})
		t.Error("forEach returned after a panic")
	})
}

// runBoth's panics, either side's, reach its caller once both are done.
func TestRunBothPanicReachesTheCaller(t *testing.T) {
	for name, sides := range map[string][2]func(){
		"there": {func() { panic("boom") }, func() {}},
		"here":  {func() {}, func() { panic("boom") }},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				defer func() {
					if r := recover(); r != "boom" {
						t.Errorf("recovered %v", r)
					}
				}()
				runBoth(sides[0], sides[1])
				t.Error("runBoth returned after a panic")
			})
		})
	}
}

// An empty graph lists no keys and no principals as empty lists, not nil
// (JSON [], not null).
func TestEmptyGraphListsAreEmpty(t *testing.T) {
	g := Build(&snapshot.Snapshot{Accounts: map[string]*snapshot.Account{}}, nil)
	if g.Keys() == nil || g.Principals() == nil || len(g.Keys())+len(g.Principals()) != 0 {
		t.Errorf("keys %#v, principals %#v", g.Keys(), g.Principals())
	}
}
