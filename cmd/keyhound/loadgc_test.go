package main

import (
	"os"
	"runtime/debug"
	"testing"
)

// gcPercent reads the collector's target.
func gcPercent() int {
	v := debug.SetGCPercent(-1)
	debug.SetGCPercent(v)
	return v
}

// unsetGOGC unsets GOGC for the test (t.Setenv puts it back after).
func unsetGOGC(t *testing.T) {
	t.Setenv("GOGC", "")
	if err := os.Unsetenv("GOGC"); err != nil {
		t.Fatal(err)
	}
}

// gcForLoad raises the collector's target while loads are under way and
// puts the previous one back when the last ends, however they overlap.
func TestGCForLoadRestoresTheTarget(t *testing.T) {
	unsetGOGC(t)
	orig := debug.SetGCPercent(137)
	defer debug.SetGCPercent(orig)

	a := gcForLoad()
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("during a load: GC percent %d, want %d", got, loadGCPercent)
	}
	b := gcForLoad()
	a()
	a() // twice: counted once
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("one of two loads ended: GC percent %d, want %d", got, loadGCPercent)
	}
	b()
	if got := gcPercent(); got != 137 {
		t.Fatalf("after both loads: GC percent %d, want the previous 137", got)
	}
}

// The TUI sets its target while a load is under way (main's one-shot
// target, then the TUI's default): the load ends on the TUI's.
func TestGCBaseSetDuringALoad(t *testing.T) {
	unsetGOGC(t)
	orig := debug.SetGCPercent(loadGCPercent)
	defer debug.SetGCPercent(orig)
	release := gcForLoad()
	setGCBase(defaultGCPercent)
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("during a load: GC percent %d, want %d", got, loadGCPercent)
	}
	release()
	if got := gcPercent(); got != defaultGCPercent {
		t.Fatalf("after the load: GC percent %d, want the TUI's %d", got, defaultGCPercent)
	}
	setGCBase(loadGCPercent)
	if got := gcPercent(); got != loadGCPercent {
		t.Fatalf("no load: setGCBase(%d) gave %d", loadGCPercent, got)
	}
}

// A GOGC the user set is theirs.
func TestGCForLoadLeavesUsersGOGC(t *testing.T) {
	t.Setenv("GOGC", "50")
	orig := debug.SetGCPercent(61)
	defer debug.SetGCPercent(orig)
	release := gcForLoad()
	during := gcPercent()
	release()
	setGCBase(loadGCPercent)
	if during != 61 || gcPercent() != 61 {
		t.Fatalf("GOGC set: GC percent changed (%d during the load, %d after setGCBase)", during, gcPercent())
	}
}
