package graphcache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func cacheName(i int) string { return fmt.Sprintf("%064x-%012x", i, i) + Ext }

func writeAged(t *testing.T, dir, name string, age time.Duration, now time.Time) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(path, now.Add(-age), now.Add(-age)); err != nil {
		t.Fatal(err)
	}
	return path
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

// Old cache files and dead writes' temporary files go; recent ones, the
// file just written, and files the cache did not write stay.
func TestPruneByAge(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	keep := writeAged(t, dir, cacheName(0), 30*24*time.Hour, now) // just written, whatever its time
	writeAged(t, dir, cacheName(1), KeepFor+time.Hour, now)
	writeAged(t, dir, cacheName(2), KeepFor-time.Hour, now)
	writeAged(t, dir, ".keyhound-123.tmp", 2*time.Hour, now)
	writeAged(t, dir, ".keyhound-456.tmp", time.Minute, now) // a write in progress
	writeAged(t, dir, "notes.txt", 365*24*time.Hour, now)
	writeAged(t, dir, "ABCD"+Ext, 365*24*time.Hour, now) // not a SHA-256 name
	if n := prune(dir, keep, now); n != 2 {
		t.Errorf("removed %d files, want 2", n)
	}
	want := []string{".keyhound-456.tmp", cacheName(0), cacheName(2), "ABCD" + Ext, "notes.txt"}
	slices.Sort(want)
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("left %v, want %v", got, want)
	}
}

// Beyond KeepMax cache files, the least recently used go; the file just
// written counts as one of them.
func TestPruneByCount(t *testing.T) {
	dir := t.TempDir()
	now := time.Now()
	keep := writeAged(t, dir, cacheName(0), 0, now)
	for i := 1; i <= KeepMax+2; i++ {
		writeAged(t, dir, cacheName(i), time.Duration(i)*time.Hour, now)
	}
	if n := prune(dir, keep, now); n != 3 {
		t.Errorf("removed %d files, want 3", n)
	}
	got := names(t, dir)
	if len(got) != KeepMax {
		t.Fatalf("left %d files, want %d", len(got), KeepMax)
	}
	for i := 0; i < KeepMax; i++ {
		if !slices.Contains(got, cacheName(i)) {
			t.Errorf("%s (used %d h ago) removed", cacheName(i), i)
		}
	}
}

// A hit marks the cache file used, and writing a new cache prunes: an
// old, unused cache of another snapshot goes, the used one stays.
func TestLoadTouchesAndPrunes(t *testing.T) {
	dir := t.TempDir()
	a := writeOrg(t, 1)
	ctx := context.Background()
	_, _, res, err := Load(ctx, a, Options{Dir: dir})
	if err != nil || res.Status != Miss {
		t.Fatalf("first load: %v %v", res.Status, err)
	}
	old := time.Now().Add(-KeepFor - time.Hour)
	if err := os.Chtimes(res.Path, old, old); err != nil {
		t.Fatal(err)
	}
	if _, _, res, err = Load(ctx, a, Options{Dir: dir}); err != nil || res.Status != Hit {
		t.Fatalf("second load: %v %v", res.Status, err)
	}
	if fi, err := os.Stat(res.Path); err != nil || time.Since(fi.ModTime()) > time.Hour {
		t.Fatalf("a hit did not mark the cache used: %v %v", fi.ModTime(), err)
	}
	stale := writeAged(t, dir, cacheName(7), KeepFor+time.Hour, time.Now())
	b := writeOrg(t, 2)
	_, _, res2, err := Load(ctx, b, Options{Dir: dir})
	if err != nil || res2.Status != Miss || res2.Pruned != 1 {
		t.Fatalf("load of another snapshot: %v pruned %d, %v", res2.Status, res2.Pruned, err)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale cache file kept: %v", err)
	}
	if _, err := os.Stat(res.Path); err != nil {
		t.Errorf("used cache file removed: %v", err)
	}
}
