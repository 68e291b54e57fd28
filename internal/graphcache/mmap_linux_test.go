package graphcache

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// A hit's strings are the mapped file's own bytes, not copies: every role
// ARN of the snapshot lies in a mapping of the cache file
// (/proc/self/maps), so no 140 MB of strings is copied at 5,000 accounts.
func TestHitStringsAreTheMapping(t *testing.T) {
	path, dir := writeOrg(t, 1), t.TempDir()
	name := writeCacheOf(t, path, dir)
	skipUnlessLocal(t, name)
	s, _, res := load(t, path, Options{Dir: dir})
	if res.Status != Hit {
		t.Fatalf("second load: %+v", res)
	}
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

// A file system not in localFileSystems is not mapped: /proc stands for
// NFS here (neither is in the table), and its files are read.
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
