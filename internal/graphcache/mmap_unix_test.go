//go:build unix

package graphcache

import (
	"os"
	"reflect"
	"testing"
)

// A hit maps its file, and the snapshot it gave stays whole once the file
// is replaced and removed: the mapping keeps the file it mapped, and
// keyhound only ever replaces cache files whole (renamed over, removed).
func TestMappedCacheOutlivesItsFile(t *testing.T) {
	path := writeOrg(t, 1)
	want, wantErrs := fromJSON(t, path)
	dir := t.TempDir()
	_, _, first := load(t, path, Options{Dir: dir})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, mapped, err := readCacheFile(first.Path, int(fi.Size())); err != nil || !mapped {
		t.Fatalf("cache file not mapped: %v", err)
	}
	s, errs, res := load(t, path, Options{Dir: dir})
	if res.Status != Hit {
		t.Fatalf("second load: %+v", res)
	}

	// Replaced by another file (as a concurrent writer's rename does), then
	// removed (as prune and cache clear do).
	other := writeOrg(t, 2)
	otherDir := t.TempDir()
	_, _, o := load(t, other, Options{Dir: otherDir})
	if err := os.Rename(o.Path, first.Path); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(first.Path); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, want) || !reflect.DeepEqual(errs, wantErrs) {
		t.Fatal("a snapshot decoded from a mapping changed once its file was replaced and removed")
	}
}
