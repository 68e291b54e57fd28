//go:build unix

package graphcache

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"syscall"
	"testing"
	"time"
)

// Whatever is planted under a cache file's name is neither followed nor
// read: a link to another file is replaced (the file it names untouched),
// a FIFO does not block the load.
func TestPlantedCacheFilesAreNotFollowed(t *testing.T) {
	path := writeOrg(t, 1)
	want, _ := fromJSON(t, path)
	dir := t.TempDir()
	name := writeCacheOf(t, path, dir)

	victim := filepath.Join(t.TempDir(), "authorized_keys")
	if err := os.WriteFile(victim, []byte("ssh-ed25519 AAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, name); err != nil {
		t.Fatal(err)
	}
	s, _, res := load(t, path, Options{Dir: dir})
	if res.Status != Rebuilt || !reflect.DeepEqual(s, want) {
		t.Fatalf("link under the cache's name: %+v", res)
	}
	if b, _ := os.ReadFile(victim); string(b) != "ssh-ed25519 AAAA\n" {
		t.Fatalf("the file a link named was overwritten: %q", b)
	}
	if fi, err := os.Lstat(name); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the link was not replaced by a cache file: %v %v", fi.Mode(), err)
	}

	if err := os.Remove(name); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(name, 0o600); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	done := make(chan Result, 1)
	go func() {
		_, _, res := load(t, path, Options{Dir: dir})
		done <- res
	}()
	select {
	case res := <-done:
		if res.Status != Rebuilt {
			t.Errorf("FIFO under the cache's name: %+v", res)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a FIFO under the cache's name blocked the load")
	}
}

// A cache directory others can write to is not used: a file planted there
// could decode into any snapshot.
func TestSharedCacheDirRefused(t *testing.T) {
	path := writeOrg(t, 1)
	want, _ := fromJSON(t, path)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o777); err != nil { //nolint:gosec // G302: the point of the test
		t.Fatal(err)
	}
	s, _, res, err := Load(context.Background(), path, Options{Dir: dir})
	if err != nil || res.Warning == nil || res.Status == Hit || !reflect.DeepEqual(s, want) {
		t.Fatalf("world-writable cache directory: %+v", res)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a cache was written to a world-writable directory: %v", entries)
	}
}

// A snapshot read from a pipe (--snapshot <(zcat org.json.gz)) can be read
// once: it is read whole and hashed, as before the cache hashed files as it
// read them, and a miss decodes those bytes.
func TestSnapshotFromAPipe(t *testing.T) {
	path := writeOrg(t, 1)
	want, wantErrs := fromJSON(t, path)
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "org.json.gz")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes: %v", err)
	}
	dir := t.TempDir()
	for _, status := range []Status{Miss, Hit} {
		go func() { _ = os.WriteFile(fifo, text, 0o600) }()
		s, errs, res := load(t, fifo, Options{Dir: dir})
		if res.Status != status {
			t.Fatalf("load from a pipe: %+v, want %v", res, status)
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("%v from a pipe differs from the file's", res.Status)
		}
		sameLoadErrors(t, errs, wantErrs)
	}
}
