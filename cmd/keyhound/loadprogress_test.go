package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/graphcache"
	"github.com/keyhound/keyhound/ui"
)

// writeGenSnapshot writes a small generated organization, gzip-compressed.
func writeGenSnapshot(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "org.json.gz")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := snapshot.Write(f, gen.Organization(gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 1}), true); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestReadGraphReportsEachStage: what the TUI's loading frame shows comes
// in order — the file read to its size, the JSON parsed, every account
// decoded, the graph built — and the graph is the one loadGraph builds.
func TestReadGraphReportsEachStage(t *testing.T) {
	t.Setenv(graphcache.EnvDir, t.TempDir()) // the first load: a miss
	path := writeGenSnapshot(t)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var stages []string
	last := map[string]ui.LoadProgress{}
	g, err := readGraph(context.Background(), path, func(p ui.LoadProgress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
		last[p.Stage] = p
	})
	if err != nil {
		t.Fatal(err)
	}
	// The first load builds the graph before it writes the cache, which
	// keeps the graph's issues (derived.go).
	want := []string{"reading org.json.gz", "parsing the JSON", "decoding accounts", "building the access graph", "writing the cache"}
	if !slices.Equal(stages, want) {
		t.Errorf("stages = %q, want %q", stages, want)
	}
	if r := last["reading org.json.gz"]; r.Done != fi.Size() || r.Total != fi.Size() || r.Unit != "bytes" {
		t.Errorf("reading ended at %+v, want %d bytes of %d", r, fi.Size(), fi.Size())
	}
	accounts := int64(len(g.Snapshot.Accounts))
	if d := last["decoding accounts"]; d.Done != accounts || d.Total != accounts || accounts < 5 {
		t.Errorf("decoding ended at %+v, want %d of %d accounts", d, accounts, accounts)
	}
	plain, err := loadGraph(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if plain.Stats().Keys != g.Stats().Keys || g.Stats().Keys == 0 {
		t.Errorf("readGraph built %d keys, loadGraph %d", g.Stats().Keys, plain.Stats().Keys)
	}
}

// TestReadGraphStopsWhenCancelled: quitting the loading TUI stops reading.
func TestReadGraphStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := readGraph(ctx, writeGenSnapshot(t), nil); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// TestLoadDiffNamesEachSide: tui --diff loads both snapshots behind the
// loading frame, each stage named for its side, then compares them; the
// TUI gets the newer graph and the diff view as an option.
func TestLoadDiffNamesEachSide(t *testing.T) {
	t.Setenv(graphcache.EnvDir, t.TempDir())
	path := writeGenSnapshot(t)
	var stages []string
	g, opts, err := loadDiff(context.Background(), path, demoName, func(p ui.LoadProgress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"old: reading org.json.gz", "old: parsing the JSON", "old: decoding accounts", "old: building the access graph", "old: writing the cache", "new: decoding accounts", "new: building the access graph", "comparing effective access"}
	if !slices.Equal(stages, want) {
		t.Errorf("stages = %q\nwant     %q", stages, want)
	}
	if len(opts) != 1 || g == nil || g.Org == nil || g.Org.ID != "o-kh0demo01" {
		t.Errorf("loadDiff gave %d options and graph %v", len(opts), g)
	}
	if _, _, err := loadDiff(context.Background(), filepath.Join(t.TempDir(), "missing.json"), path, func(ui.LoadProgress) {}); err == nil {
		t.Error("a missing old snapshot loads")
	}
}
