package ui

import (
	"strconv"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// decryptCount is what the keys list's DECR and EXT must say of a key.
func decryptCount(t *testing.T, g *graph.Graph, key string) [2]string {
	t.Helper()
	who, err := g.WhoCan("kms:Decrypt", key, "", graph.DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	ext := 0
	for _, w := range who {
		if w.External {
			ext++
		}
	}
	return [2]string{strconv.Itoa(len(who)), strconv.Itoa(ext)}
}

// Each key's DECR and EXT, counted a batch at a time, land on that key's
// row, whatever order the list shows meanwhile.
func TestKeyCountsLandOnTheirRows(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 4, Regions: 2, RolesPerAccount: 3, KeysPerRegion: 3, ResourcesPerKey: 1, Seed: 5}), nil)
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	ks := newKeysScreen(d.m.c, nil)
	ks.l.CycleSort() // by alias: shown in another order than the rows
	ks.l.CycleSort()
	// Batches of one key each (no time budget), the last first.
	for i := len(g.Keys()) - 1; i >= 0; i-- {
		msg := countBatch(g, []int{i, 0}, 0)().(keyCountsMsg)
		if len(msg.rows) != 1 || msg.rows[0] != i {
			t.Fatalf("batch of %d counted %v", i, msg.rows)
		}
		ks.Update(msg)
	}
	for i, k := range g.Keys() {
		r := ks.l.rows[i]
		if want := decryptCount(t, g, k.ARN); r.id != k.ARN || [2]string{r.cells[keyColDecrypt], r.cells[keyColExternal]} != want {
			t.Errorf("row %d (%s): DECR %s EXT %s, want %v for %s", i, r.id, r.cells[keyColDecrypt], r.cells[keyColExternal], want, k.ARN)
		}
	}
	if countedKeys(ks) != len(g.Keys()) || ks.Busy() {
		t.Errorf("counted %d of %d, busy %v", countedKeys(ks), len(g.Keys()), ks.Busy())
	}
}

// A batch of another graph's decrypt counts (one from before a scan or a
// rebuild replaced the graph) changes no row and starts no next batch.
func TestKeyCountsOfAnotherGraphAreIgnored(t *testing.T) {
	opts := gen.Options{Accounts: 2, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 3, ResourcesPerKey: 1, Seed: 5}
	g, other := graph.Build(gen.Organization(opts), nil), graph.Build(gen.Organization(opts), nil)
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	ks := newKeysScreen(d.m.c, nil)
	before := ks.l.rows[0].cells[keyColDecrypt]
	if _, cmd := ks.Update(countBatch(other, []int{0}, 0)()); cmd != nil || ks.l.rows[0].cells[keyColDecrypt] != before || countedKeys(ks) != 0 {
		t.Errorf("another graph's batch: DECR %q (was %q), counted %d, next batch %v", ks.l.rows[0].cells[keyColDecrypt], before, countedKeys(ks), cmd != nil)
	}
}

// The keys list counts who can decrypt the keys on screen, not the others;
// rows scrolled into view get theirs; sorted by DECR, every row is
// counted, then sorted by its count.
func TestKeysListCountsWhatItShows(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 6, Regions: 2, RolesPerAccount: 4, KeysPerRegion: 4, ResourcesPerKey: 1, Seed: 3}), nil)
	keys := g.Keys() // 48
	d := &driver{t: t, m: New(g, g.Snapshot, "test")}
	d.send(tea.WindowSizeMsg{Width: 160, Height: 20})
	d.run(d.m.Init())
	ks, ok := d.m.top().(*keysScreen)
	if !ok {
		t.Fatalf("top screen %T, want the keys list", d.m.top())
	}
	page := ks.l.Page()
	if page >= len(keys)/2 {
		t.Fatalf("%d rows on screen of %d keys: the test needs a list longer than the screen", page, len(keys))
	}
	check := func(when string, wantCounted int) {
		t.Helper()
		for _, i := range ks.l.OnScreen() {
			r := ks.l.rows[i]
			if want := decryptCount(t, g, r.id); [2]string{r.cells[keyColDecrypt], r.cells[keyColExternal]} != want {
				t.Errorf("%s: row %s on screen: DECR %s EXT %s, want %v", when, r.id, r.cells[keyColDecrypt], r.cells[keyColExternal], want)
			}
		}
		if countedKeys(ks) != wantCounted || ks.Busy() {
			t.Errorf("%s: %d keys counted, busy %v; want %d", when, countedKeys(ks), ks.Busy(), wantCounted)
		}
	}
	check("first frame", page)
	d.keys("end")
	check("at the bottom", 2*page)
	// Sorted by DECR (s: ALIAS ↑, ALIAS ↓, ACCOUNT ↑, … DECR ↑).
	for range 2*keyColDecrypt + 1 {
		d.keys("s")
	}
	if ks.l.sortCol != keyColDecrypt || ks.l.desc {
		t.Fatalf("sorted by column %d (desc %v), want DECR ascending", ks.l.sortCol, ks.l.desc)
	}
	check("sorted by DECR", len(keys))
	prev := -1
	for _, i := range ks.l.shown {
		n, err := strconv.Atoi(ks.l.rows[i].cells[keyColDecrypt])
		if err != nil || n < prev {
			t.Fatalf("sorted by DECR: %q after %d", ks.l.rows[i].cells[keyColDecrypt], prev)
		}
		prev = n
	}
	if first, last := ks.l.rows[ks.l.shown[0]].cells[keyColDecrypt], ks.l.rows[ks.l.shown[len(keys)-1]].cells[keyColDecrypt]; first == last {
		t.Errorf("every key has %s decrypters: the order says nothing", first)
	}
}

// countedKeys is how many of the list's keys are counted.
func countedKeys(s *keysScreen) int {
	n := 0
	for _, k := range s.counts.known {
		if k {
			n++
		}
	}
	return n
}
