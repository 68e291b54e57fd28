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
	want := []string{"reading org.json.gz", "parsing the JSON", "decoding accounts", "building the access graph"}
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
