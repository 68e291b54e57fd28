package graphcache

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// List shows the cache's own files, most recently used first, and Clear
// removes them, leaving every other file of the directory (a link named
// like a cache file included: not a regular file of the cache) and a write
// under way; neither makes a directory that does not exist.
func TestListAndClear(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	writeAged(t, dir, cacheName(1), time.Hour, now)
	writeAged(t, dir, cacheName(2), time.Minute, now)
	writeAged(t, dir, ".keyhound-123.tmp", 2*time.Hour, now)
	writeAged(t, dir, ".keyhound-456.tmp", time.Second, now) // a write under way
	writeAged(t, dir, "notes.txt", time.Minute, now)
	writeAged(t, dir, "abc"+Ext, time.Minute, now) // not a cache name
	other := writeAged(t, t.TempDir(), "target", time.Minute, now)
	if err := os.Symlink(other, filepath.Join(dir, cacheName(3))); err != nil {
		t.Fatal(err)
	}
	o := Options{Dir: dir}
	got, entries, err := List(o)
	if err != nil || got != dir {
		t.Fatalf("List: %q, %v", got, err)
	}
	var listed []string
	for _, e := range entries {
		listed = append(listed, e.Name)
		if e.Size != 1 || e.Temp != strings.HasPrefix(e.Name, ".keyhound-") {
			t.Errorf("%+v", e)
		}
	}
	if want := []string{".keyhound-456.tmp", cacheName(2), cacheName(1), ".keyhound-123.tmp"}; !slices.Equal(listed, want) {
		t.Errorf("listed %v, want %v", listed, want)
	}
	_, removed, err := Clear(o)
	if err != nil || len(removed) != 3 {
		t.Fatalf("Clear removed %d: %v", len(removed), err)
	}
	if left, want := names(t, dir), []string{".keyhound-456.tmp", cacheName(3), "abc" + Ext, "notes.txt"}; !slices.Equal(left, want) {
		t.Errorf("left %v, want %v", left, want)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the link's target went: %v", err)
	}
	missing := filepath.Join(t.TempDir(), "none")
	if d, entries, err := List(Options{Dir: missing}); d != missing || entries != nil || err != nil {
		t.Errorf("List of a directory that does not exist: %q %v %v", d, entries, err)
	}
	if _, _, err := Clear(Options{Dir: missing}); err != nil {
		t.Error(err)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Error("List or Clear made the directory")
	}
	// A directory others may write to is not the cache's: refused.
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Clear(o); err == nil {
		t.Error("a directory others may write to was cleared")
	}
}
