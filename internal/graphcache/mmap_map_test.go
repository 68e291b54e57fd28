//go:build linux || darwin

package graphcache

import (
	"bufio"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// A hit maps its file, and the snapshot it gave stays whole once the file
// is replaced and removed: the mapping keeps the file it mapped, and
// keyhound only ever replaces cache files whole (renamed over, removed).
func TestMappedCacheOutlivesItsFile(t *testing.T) {
	path, name, s, errs := hitOnMapping(t)
	want, wantErrs := fromJSON(t, path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, mapped, err := readCacheFile(name, int(fi.Size())); err != nil || !mapped {
		t.Fatalf("cache file not mapped: %v", err)
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

// hitOnMapping loads a generated organization twice through a cache
// directory of its own, the second time from the mapped cache file, and
// returns the snapshot's path, the cache file's and the hit's snapshot;
// it skips where the file would be read, not mapped.
func hitOnMapping(t *testing.T) (path, name string, s *snapshot.Snapshot, errs []snapshot.LoadError) {
	t.Helper()
	path, dir := writeOrg(t, 1), t.TempDir()
	name = writeCacheOf(t, path, dir)
	skipUnlessLocal(t, name)
	s, errs, res := load(t, path, Options{Dir: dir})
	if res.Status != Hit {
		t.Fatalf("second load: %+v", res)
	}
	return path, name, s, errs
}

// A hit's strings are the mapped file's own bytes, not copies: every role
// ARN of the snapshot lies in a mapping of the cache file
// (/proc/self/maps), so no 140 MB of strings is copied at 5,000 accounts.
func TestHitStringsAreTheMapping(t *testing.T) {
	_, name, s, _ := hitOnMapping(t)
	spans := mappingsOf(t, name)
	in := func(str string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(str)))
		for _, sp := range spans {
			if p >= sp[0] && p < sp[1] {
				return true
			}
		}
		return false
	}
	roles := 0
	for _, a := range s.Accounts {
		if a.IAM == nil {
			continue
		}
		for _, r := range a.IAM.RoleDetailList {
			roles++
			if !in(r.Arn) {
				t.Fatalf("role ARN %s is not in the cache file's mapping %x", r.Arn, spans)
			}
		}
	}
	if roles == 0 {
		t.Fatal("no roles to look at")
	}
}

// mappingsOf is the address ranges this process maps the file name at.
func mappingsOf(t *testing.T, name string) [][2]uintptr {
	t.Helper()
	f, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer func() { _ = f.Close() }()
	var out [][2]uintptr
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 6 || fields[5] != name {
			continue
		}
		lo, hi, _ := strings.Cut(fields[0], "-")
		a, err1 := strconv.ParseUint(lo, 16, 64)
		b, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("maps line %q", sc.Text())
		}
		out = append(out, [2]uintptr{uintptr(a), uintptr(b)})
	}
	if len(out) == 0 {
		t.Fatalf("%s is not mapped", name)
	}
	return out
}

// A file system not in localFileSystems (Linux) is not mapped: /proc
// stands for NFS here (neither is in the table), and its files are read.
func TestNotLocalIsRead(t *testing.T) {
	f, err := os.Open("/proc/self/stat")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer func() { _ = f.Close() }()
	if local, err := localFS(int(f.Fd())); err != nil || local { //nolint:gosec // G115: a file descriptor fits an int
		t.Fatalf("/proc local %v, %v", local, err)
	}
	if _, err := mapFile(f, 1); err == nil || !strings.Contains(err.Error(), "not on a local file system") {
		t.Fatalf("mapping a file of /proc: %v", err)
	}
}
