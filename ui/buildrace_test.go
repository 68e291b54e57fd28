package ui

import (
	"strconv"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// A key screen made while the resources are built, whose Init runs after
// they are (push's command and message hop in between), still lists the
// key's resources (a review found it did not: Ready was asked twice).
func TestKeyScreenBuiltBetweenNewAndInit(t *testing.T) {
	whole, g, hold := heldGraph(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 4})
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	var k *graph.Key
	for _, kk := range g.Keys() {
		if len(whole.ResourcesOf(kk.ARN)) > 0 {
			k = kk
			break
		}
	}
	if k == nil {
		t.Fatal("no key with resources")
	}
	ks := newKeyScreen(d.m.c, k) // !Ready: "listing the resources…"
	close(hold)
	<-g.Built()
	d.m.stack = append(d.m.stack, ks)
	d.run(ks.Init()) // Ready now: no rowsCmd
	if n, _ := ks.lists[tabResources].l.Len(); n != len(whole.ResourcesOf(k.ARN)) {
		t.Errorf("resources tab has %d rows (empty text %q), want %d", n, ks.lists[tabResources].l.empty, len(whole.ResourcesOf(k.ARN)))
	}
}

// The same for the keys list's RES column: it fills in.
func TestKeysScreenBuiltBetweenNewAndInit(t *testing.T) {
	whole, g, hold := heldGraph(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 4})
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	ks := newKeysScreen(d.m.c, nil)
	close(hold)
	<-g.Built()
	d.m.sections[secKeys] = ks
	d.m.stack = []screen{ks}
	d.run(ks.Init())
	want := resourceCounts(whole)
	for arn, i := range ks.rowOf {
		if got := ks.l.rows[i].cells[keyColResources]; got != strconv.Itoa(want[arn]) {
			t.Fatalf("%s: RES %q after the build, want %d", arn, got, want[arn])
		}
	}
}
