package main

import (
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
)

// gcPolicy is how the garbage collector runs: at a target percent (GOGC)
// above a heap floor.
type gcPolicy struct {
	// percent is the collector's target: the heap grows by that percent
	// of what the last collection kept before the next.
	percent int
	// floor, when not 0, is a heap size below which the collector does
	// not run at all: the runtime's memory limit, with GOGC off, raised
	// after each collection to the percent's goal when that is higher
	// (armFloor). A heap that never reaches it is never collected.
	floor int64
}

// loadGCPercent is the collector's target for a one-shot command, and
// for the TUI while a snapshot loads, above heapFloor: nearly everything
// a load and a graph build allocate stays live (the snapshot, parsed
// policies, principals, keys, resources), so each collection marks a heap
// that only grows and frees little. At 400 the collector runs about a
// third as often as at 100. Measured at 5,000 generated accounts (cached
// `keyhound stats`, three runs alternated, before heapFloor): 6.7–8.0 s
// wall and 10.2–11.7 s CPU at the default 100, 5.0–5.7 s and 6.1–6.9 s
// at 400; peak RSS 2.15 → 2.25 GB.
const loadGCPercent = 400

// heapFloor is the heap a question about a key (can, who-can, denied on
// a key: buildForKey) grows to before its first collection. Without it
// the first collection came at five times the heap after reading the
// cache file (207 MB: 1 GB), in the middle of the graph build, and marked
// a gigabyte to free a tenth of it: 0.5 s of CPU of a 5,000-account
// who-can. Measured there (cached, two
// runs each, alternated, with GOGC=off and GOMEMLIMIT=1900MiB standing in
// for the floor): who-can 4.31–5.00 → 3.17–3.42 s, peak 1.40 → 1.70 GB;
// can 3.38–3.90 → 2.64–3.10 s. A whole build (stats, findings, export)
// passes it anyway, and its one collection there marked a third more
// than at 1 GB: stats took 0.3–0.5 s longer (4.80–5.98 s against
// 4.53–5.02 s, alternated); they keep loadGCPercent from the start.
//
// 1.6 GiB, with the mapped cache file (180 MB) beside it, keeps a process
// that reaches it within 2 GB; a question about a key at 5,000 accounts
// (1.35 GB) does not. The TUI does: its graph's background build ends
// above it. Measured there (tmux, three runs each, alternated, at 25154bb):
// high-water mark 1,920–1,932 MiB with the floor at 1.8 GiB (it was 1,800
// MiB), 1,843–1,872 MiB at 1.6 GiB, CPU of the first 12 s 9.6–11.2 s and
// 9.2–12.4 s.
const heapFloor = 1600 << 20

// defaultGCPercent is the runtime's target when GOGC is not set.
const defaultGCPercent = 100

// oneShot is a one-shot command's policy (main) and a load's; keyQuestion
// a question about a key's, load and answer (loadCached, buildForKey);
// listing the TUI's load, from the cache file to the end of the graph's
// background build (buildListing), which it shares with the TUI's first
// frame: a collection during it marked the gigabyte just decoded, and
// made the frame wait (5,000 accounts, tmux, five runs alternated: first
// frame 2.28–2.64 s at oneShot, 1.77–2.13 s on the floor); browsing is
// the TUI's once loaded (browsingGCPercent); longRun is for runs that
// stream (scan, gen, export): the runtime's default.
var (
	oneShot     = gcPolicy{percent: loadGCPercent}
	keyQuestion = gcPolicy{percent: loadGCPercent, floor: heapFloor}
	listing     = keyQuestion
	browsing    = gcPolicy{percent: browsingGCPercent, floor: heapFloor}
	longRun     = gcPolicy{percent: defaultGCPercent}
)

// browsingGCPercent is the TUI's target once its graph is built, above
// heapFloor: the graph is nearly all of the heap and lives as long as the
// TUI, while what browsing allocates is garbage at once (an
// organization-wide key's who-can answer is 30 MB at 5,000 accounts). At
// the default 100 the heap settled at twice the graph. The target is the
// memory limit's, which counts all the runtime's memory (at 5,000
// accounts, a third of a GB beside the heap's objects): at 25 that left
// the heap a tenth of its size to grow in, and listing the 600,000
// resources collected without end. Measured there (tmux, one run each):
// RSS after paging through 30 screens of keys, and their CPU; then
// opening the Resources section:
//
//	100: 3,335 MiB, 21.6 s; 3.9 s, 3,018 MiB
//	 50: 2,470 MiB, 23.5 s; 4.4 s, 2,762 MiB
//	 25: 2,006 MiB, 29.8 s; 8.4 s, 2,728 MiB
const browsingGCPercent = 50

// gcTarget counts the loads under way (diff and the TUI load two
// snapshots at once), which run at oneShot, and keeps the policy to put
// back when the last ends; gen counts the policies applied (it only
// grows), so that a floor's hook from an earlier one stops; applied says
// cur is one (else the runtime's own settings are in force); base is the
// last setGCBase's policy, even when the user's GOGC or GOMEMLIMIT keeps
// it from being applied (longLived).
var gcTarget struct {
	sync.Mutex
	base    gcPolicy
	loads   int
	saved   gcPolicy
	cur     gcPolicy
	gen     uint64
	applied bool
}

// userGC reports whether the user set GOGC or GOMEMLIMIT: then keyhound
// leaves the collector alone.
func userGC() bool {
	_, gogc := os.LookupEnv("GOGC")
	_, limit := os.LookupEnv("GOMEMLIMIT")
	return gogc || limit
}

// setGCBase sets the collector's policy outside loads: main gives a
// one-shot command oneShot for its whole run; the TUI, which lives on,
// browsing once its loads are done; scan and gen, whose heaps grow with
// the organization they write, and export, whose heap is answers written
// and dropped, longRun.
func setGCBase(p gcPolicy) {
	gcTarget.Lock()
	defer gcTarget.Unlock()
	gcTarget.base = p
	if userGC() {
		return
	}
	if gcTarget.loads > 0 {
		gcTarget.saved = p
		return
	}
	applyGC(p)
}

// longLived reports whether the run lives on after its load, collecting
// and returning memory: the TUI browsing, an export (setGCBase's browsing
// or longRun). A load's huge pages end with it there (hugeheap.Settle);
// a one-shot command exits first, and keeps them for its answer (a cached
// who-can at 5,000 accounts: 1.8 s with them, 2.2 s without).
func longLived() bool {
	gcTarget.Lock()
	defer gcTarget.Unlock()
	return gcTarget.base == longRun || gcTarget.base == browsing
}

// gcForLoad sets p for a load (oneShot, or keyQuestion) and returns what
// puts the policy back when the last load under way ends; a load that
// begins while another is under way runs at the first's.
func gcForLoad(p gcPolicy) (release func()) {
	if userGC() {
		return func() {}
	}
	gcTarget.Lock()
	defer gcTarget.Unlock()
	if gcTarget.loads == 0 {
		gcTarget.saved = gcTarget.cur
		if !gcTarget.applied { // the runtime's own
			gcTarget.saved = gcPolicy{percent: debug.SetGCPercent(-1)}
			debug.SetGCPercent(gcTarget.saved.percent)
		}
		if !gcTarget.applied || gcTarget.cur != p { // not the base already (keyQuestion)
			applyGC(p)
		}
	}
	gcTarget.loads++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcTarget.Lock()
			defer gcTarget.Unlock()
			if gcTarget.loads--; gcTarget.loads == 0 {
				applyGC(gcTarget.saved)
			}
		})
	}
}

// applyGC sets the runtime for p; gcTarget is locked.
func applyGC(p gcPolicy) {
	gcTarget.cur, gcTarget.applied = p, true
	gcTarget.gen++
	if p.floor == 0 {
		debug.SetMemoryLimit(math.MaxInt64)
		debug.SetGCPercent(p.percent)
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(max(p.floor, floorGoal(p)))
	armFloor(gcTarget.gen)
}

// floorGoal is p's goal for the heap the last collection kept (0 before
// any).
func floorGoal(p gcPolicy) int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	live := s[0].Value.Uint64()
	if live > math.MaxInt64/uint64(100+p.percent) { //nolint:gosec // G115: the percents are positive constants
		return math.MaxInt64
	}
	return int64(live) * int64(100+p.percent) / 100 //nolint:gosec // G115: bounded above
}

// gcSentinel is what armFloor lets go: big enough not to share a tiny
// allocation with anything that lives on.
type gcSentinel struct{ _ [32]byte }

// armFloor runs, after the next collection, what raises the memory limit
// to the policy's goal above the floor, and arms itself again — until
// another policy is applied (gen).
func armFloor(gen uint64) {
	runtime.AddCleanup(new(gcSentinel), afterGC, gen)
}

// afterGCHook, when set, is called by each afterGC once it is done
// (tests: a hook armed by an earlier test may run as a later one sets it).
var afterGCHook atomic.Pointer[func()]

// afterGC is armFloor's hook.
func afterGC(gen uint64) {
	defer func() {
		if h := afterGCHook.Load(); h != nil {
			(*h)()
		}
	}()
	gcTarget.Lock()
	defer gcTarget.Unlock()
	p := gcTarget.cur
	if gen != gcTarget.gen || p.floor == 0 {
		return
	}
	debug.SetMemoryLimit(max(p.floor, floorGoal(p)))
	armFloor(gen)
}
