package main

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/internal/graphcache"
)

// gcState reads the collector's target and the memory limit.
func gcState() (percent int, limit int64) {
	percent = debug.SetGCPercent(-1)
	debug.SetGCPercent(percent)
	return percent, debug.SetMemoryLimit(-1)
}

// freshGC unsets GOGC and GOMEMLIMIT for the test, starts it at percent
// with no limit and no policy applied, and puts everything back after.
func freshGC(t *testing.T, percent int) {
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Setenv(v, "")
		if err := os.Unsetenv(v); err != nil {
			t.Fatal(err)
		}
	}
	origPercent, origLimit := debug.SetGCPercent(percent), debug.SetMemoryLimit(math.MaxInt64)
	gcTarget.Lock()
	base, loads, saved, cur, applied := gcTarget.base, gcTarget.loads, gcTarget.saved, gcTarget.cur, gcTarget.applied
	// gen only grows: a hook armed before (or by the test) stays stale.
	gcTarget.base, gcTarget.loads, gcTarget.saved, gcTarget.cur, gcTarget.applied = gcPolicy{}, 0, gcPolicy{}, gcPolicy{}, false
	gcTarget.gen++
	gcTarget.Unlock()
	t.Cleanup(func() {
		gcTarget.Lock()
		gcTarget.base, gcTarget.loads, gcTarget.saved, gcTarget.cur, gcTarget.applied = base, loads, saved, cur, applied
		gcTarget.gen++
		gcTarget.Unlock()
		debug.SetGCPercent(origPercent)
		debug.SetMemoryLimit(origLimit)
	})
}

// onFloor reports whether the collector is off below the floor.
func onFloor(t *testing.T) {
	t.Helper()
	if percent, limit := gcState(); percent != -1 || limit < heapFloor || limit == math.MaxInt64 {
		t.Fatalf("GC percent %d, memory limit %d: want off below a floor of %d", percent, limit, int64(heapFloor))
	}
}

// gcForLoad puts a load on the one-shot policy while loads are under way
// and puts the previous one back when the last ends, however they overlap.
func TestGCForLoadRestoresTheTarget(t *testing.T) {
	freshGC(t, 137)
	a := gcForLoad(keyQuestion)
	onFloor(t)
	b := gcForLoad(keyQuestion)
	a()
	a() // twice: counted once
	onFloor(t)
	b()
	if percent, limit := gcState(); percent != 137 || limit != math.MaxInt64 {
		t.Fatalf("after both loads: GC percent %d, limit %d; want the previous 137, none", percent, limit)
	}
}

// The TUI sets its policy while a load is under way (main's one-shot,
// then the long run's): the load ends on the TUI's.
func TestGCBaseSetDuringALoad(t *testing.T) {
	freshGC(t, 100)
	setGCBase(keyQuestion)
	onFloor(t)
	release := gcForLoad(keyQuestion)
	setGCBase(longRun)
	onFloor(t)
	release()
	if percent, limit := gcState(); percent != defaultGCPercent || limit != math.MaxInt64 {
		t.Fatalf("after the load: GC percent %d, limit %d; want the TUI's %d, none", percent, limit, defaultGCPercent)
	}
	setGCBase(keyQuestion)
	onFloor(t)
	setGCBase(oneShot)
	if percent, limit := gcState(); percent != loadGCPercent || limit != math.MaxInt64 {
		t.Fatalf("one-shot: GC percent %d, limit %d; want %d, no floor", percent, limit, loadGCPercent)
	}
}

// A GOGC or GOMEMLIMIT the user set is theirs.
func TestGCForLoadLeavesUsersSettings(t *testing.T) {
	for _, v := range []string{"GOGC", "GOMEMLIMIT"} {
		freshGC(t, 61)
		t.Setenv(v, "50")
		release := gcForLoad(keyQuestion)
		p1, l1 := gcState()
		release()
		setGCBase(keyQuestion)
		p2, l2 := gcState()
		if p1 != 61 || p2 != 61 || l1 != math.MaxInt64 || l2 != math.MaxInt64 {
			t.Fatalf("%s set: the collector changed (%d/%d during the load, %d/%d after setGCBase)", v, p1, l1, p2, l2)
		}
	}
}

// Above the floor the policy's percent rules: after a collection that
// keeps more than the floor over 1+percent/100, the memory limit is the
// percent's goal; once another policy is applied, the floor's hook stops.
func TestHeapFloorFollowsTheLiveHeap(t *testing.T) {
	freshGC(t, 100)
	ran := make(chan struct{}, 16)
	hook := func() {
		select {
		case ran <- struct{}{}:
		default:
		}
	}
	afterGCHook.Store(&hook)
	defer afterGCHook.Store(nil)
	p := gcPolicy{percent: 400, floor: 4 << 20}
	gcTarget.Lock()
	applyGC(p)
	gcTarget.Unlock()
	if _, limit := gcState(); limit < 4<<20 || limit == math.MaxInt64 {
		t.Fatalf("limit %d before any collection, want the floor", limit)
	}
	deadline := time.After(30 * time.Second)
	// The limit follows the live heap up, collection after collection:
	// each hook arms the next.
	var live [][]byte
	for _, size := range []int64{16 << 20, 64 << 20} {
		live = append(live, make([]byte, size))
		for {
			runtime.GC()
			select {
			case <-ran:
			case <-deadline:
				t.Fatalf("the floor's hook did not run after the collection with %d MB more", size>>20)
			}
			if _, limit := gcState(); limit >= 5*size && limit < math.MaxInt64 {
				break
			}
		}
	}
	runtime.KeepAlive(live)
	gcTarget.Lock()
	applyGC(longRun)
	gcTarget.Unlock()
	runtime.GC()
	select {
	case <-ran: // the last armed hook, now stale
	case <-deadline:
		t.Fatal("the floor's last hook never ran")
	}
	if percent, limit := gcState(); percent != defaultGCPercent || limit != math.MaxInt64 {
		t.Fatalf("after the floor: GC percent %d, limit %d; the stale hook changed them", percent, limit)
	}
}

// A question about a key runs on the floor, load and answer; one that
// builds the whole graph does not (its heap passes the floor anyway).
func TestKeyQuestionsRunOnTheFloor(t *testing.T) {
	freshGC(t, 100)
	setGCBase(oneShot)
	if _, _, _, err := loadCached(context.Background(), demoName, nil, buildWhole); err != nil {
		t.Fatal(err)
	}
	if percent, limit := gcState(); percent != loadGCPercent || limit != math.MaxInt64 {
		t.Fatalf("after a whole build: GC percent %d, limit %d; want %d, no floor", percent, limit, loadGCPercent)
	}
	if _, _, _, err := loadCached(context.Background(), demoName, nil, buildForKey); err != nil {
		t.Fatal(err)
	}
	onFloor(t)
}

// The TUI's load runs on the floor until the graph's background build is
// done, which the TUI starts after its first frame; then on the TUI's own
// policy.
func TestListingRunsOnTheFloorUntilBuilt(t *testing.T) {
	freshGC(t, 100)
	t.Setenv(graphcache.EnvDir, t.TempDir())
	path := filepath.Join(t.TempDir(), "demo.json")
	if err := os.WriteFile(path, demo.Snapshot(), 0o600); err != nil {
		t.Fatal(err)
	}
	setGCBase(browsing)
	if _, _, _, err := loadCached(context.Background(), path, nil, buildWhole); err != nil { // writes the cache
		t.Fatal(err)
	}
	g, _, res, err := loadCached(context.Background(), path, nil, buildListing)
	if err != nil || res.Status != graphcache.Hit || g.Ready() {
		t.Fatalf("want a hit whose principals are built in the background: %v, %+v", err, res)
	}
	onFloor(t)
	g.Start()
	<-g.Built() // the policy is put back before it is closed
	onFloor(t)
	gcTarget.Lock()
	cur := gcTarget.cur
	gcTarget.Unlock()
	if cur != browsing {
		t.Fatalf("once built: policy %+v, want the TUI's %+v", cur, browsing)
	}
}

// The runs that live on after their load are the TUI's and an export's,
// whatever GOGC the user set: their loads' huge pages end with the load.
func TestLongLivedRuns(t *testing.T) {
	freshGC(t, 100)
	for _, tc := range []struct {
		base gcPolicy
		want bool
	}{{oneShot, false}, {keyQuestion, false}, {browsing, true}, {longRun, true}} {
		setGCBase(tc.base)
		if got := longLived(); got != tc.want {
			t.Errorf("base %+v: longLived %v, want %v", tc.base, got, tc.want)
		}
	}
	t.Setenv("GOGC", "200")
	setGCBase(browsing)
	if !longLived() {
		t.Error("under the user's GOGC, the TUI's run is not long-lived")
	}
}
