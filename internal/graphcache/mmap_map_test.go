//go:build linux || darwin

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
	path, dir := writeOrg(t, 1), t.TempDir()
	name := writeCacheOf(t, path, dir)
	skipUnlessLocal(t, name)
	want, wantErrs := fromJSON(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, mapped, err := readCacheFile(name, int(fi.Size())); err != nil || !mapped {
		t.Fatalf("cache file not mapped: %v", err)
	}
	s, errs, res := load(t, path, Options{Dir: dir})
	if res.Status != Hit {
		t.Fatalf("second load: %+v", res)
	}

	// Replaced by another file (as a concurrent writer's rename does), then
	// removed (as prune and cache clear do).
	other, otherDir := writeOrg(t, 2), t.TempDir()
	if err := os.Rename(writeCacheOf(t, other, otherDir), name); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s, want) || !reflect.DeepEqual(errs, wantErrs) {
		t.Fatal("a snapshot decoded from a mapping changed once its file was replaced and removed")
	}
}

// skipUnlessLocal skips a test of mapping on a file system mapFile reads
// instead (the test's temporary directory on NFS, say).
func skipUnlessLocal(t *testing.T, name string) {
	t.Helper()
	f, err := os.Open(name) //nolint:gosec // G304: the test's own file
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if local, err := localFS(int(f.Fd())); err != nil || !local { //nolint:gosec // G115: a file descriptor fits an int
		t.Skipf("%s is not on a local file system here (%v): it is read, not mapped", name, err)
	}
}
