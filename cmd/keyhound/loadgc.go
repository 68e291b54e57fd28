package main

import (
	"os"
	"runtime/debug"
	"sync"
)

// loadGCPercent is the garbage collector's target for a one-shot command,
// and for the TUI while a snapshot loads: nearly everything a load and a
// graph build allocate stays live (the snapshot, parsed policies,
// principals, keys, resources), so each collection marks a heap that only
// grows and frees little. At 400 the collector runs about a third as often.
// Measured at 5,000 generated accounts (cached `keyhound stats`, three runs
// alternated): 6.7–8.0 s wall and 10.2–11.7 s CPU at the default 100,
// 5.0–5.7 s and 6.1–6.9 s at 400; peak RSS 2.15 → 2.25 GB.
const loadGCPercent = 400

// defaultGCPercent is the runtime's target when GOGC is not set.
const defaultGCPercent = 100

// gcTarget counts the loads under way (diff and the TUI load two
// snapshots at once), which run at loadGCPercent, and keeps the target to
// put back when the last ends.
var gcTarget struct {
	sync.Mutex
	loads int
	saved int
}

// userGOGC reports whether the user set GOGC: then keyhound leaves the
// collector alone.
func userGOGC() bool {
	_, set := os.LookupEnv("GOGC")
	return set
}

// setGCBase sets the collector's target outside loads: main gives a
// one-shot command loadGCPercent for its whole run; the TUI, which lives
// on, the runtime's default once its loads are done, and so do scan and
// gen, whose heaps grow with the organization they write, and export,
// whose heap is answers written and dropped.
func setGCBase(percent int) {
	if userGOGC() {
		return
	}
	gcTarget.Lock()
	defer gcTarget.Unlock()
	if gcTarget.loads > 0 {
		gcTarget.saved = percent
		return
	}
	debug.SetGCPercent(percent)
}

// gcForLoad raises the collector's target for a load and returns what
// puts it back when the last load under way ends.
func gcForLoad() (release func()) {
	if userGOGC() {
		return func() {}
	}
	gcTarget.Lock()
	defer gcTarget.Unlock()
	if gcTarget.loads == 0 {
		gcTarget.saved = debug.SetGCPercent(loadGCPercent)
	}
	gcTarget.loads++
	var once sync.Once
	return func() {
		once.Do(func() {
			gcTarget.Lock()
			defer gcTarget.Unlock()
			if gcTarget.loads--; gcTarget.loads == 0 {
				debug.SetGCPercent(gcTarget.saved)
			}
		})
	}
}
