//go:build unix

package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// leftovers lists the temporary files left in dir.
func leftovers(t *testing.T, dir string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, ".keyhound-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestWriteNewFileIs0600(t *testing.T) {
	// A permissive umask must not widen the mode (umask is per process:
	// this test does not run in parallel).
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.json")
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v, want 0600", st.Mode(), err)
	}
	if b, _ := os.ReadFile(path); string(b) != "new" {
		t.Errorf("content %q", b)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

// Replacing a world-readable file gives a 0600 one: the content is new, so
// is its mode.
func TestWriteReplacesWith0600(t *testing.T) {
	path := filepath.Join(t.TempDir(), "out.csv")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(path, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(path)
	b, _ := os.ReadFile(path)
	if st.Mode().Perm() != 0o600 || string(b) != "new" {
		t.Errorf("mode %v content %q", st.Mode(), b)
	}
}

// A writer that fails midway leaves the previous file byte for byte and no
// temporary file.
func TestWriteFailureKeepsPreviousFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "snap.json.gz")
	prev := bytes.Repeat([]byte("previous snapshot\n"), 1000)
	if err := os.WriteFile(path, prev, 0o600); err != nil {
		t.Fatal(err)
	}
	boom := errors.New("disk on fire")
	err := Write(path, func(w io.Writer) error {
		if _, err := w.Write(bytes.Repeat([]byte("x"), 1<<16)); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v, want the writer's", err)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, prev) {
		t.Errorf("previous file changed: %d bytes", len(b))
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left: %v", l)
	}
	// No previous file: none is created.
	fresh := filepath.Join(dir, "fresh.json")
	if err := Write(fresh, func(io.Writer) error { return boom }); !errors.Is(err, boom) {
		t.Fatal(err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed write created %s: %v", fresh, err)
	}
}

// A directory, a named pipe or a device is never renamed over.
func TestCreateRefusesNonRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link-to-sub")
	if err := os.Symlink(sub, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{fifo, sub, link, os.DevNull} {
		if _, err := Create(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Create(%s): %v, want ErrNotRegular", p, err)
		}
		if err := Check(p); !errors.Is(err, ErrNotRegular) {
			t.Errorf("Check(%s): %v, want ErrNotRegular", p, err)
		}
	}
	if st, err := os.Lstat(fifo); err != nil || st.Mode()&fs.ModeNamedPipe == 0 {
		t.Errorf("the FIFO was replaced: %v %v", st, err)
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

// A symbolic link to a regular file stays a link: the file it names is
// replaced.
func TestWriteThroughSymlink(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "real.json")
	if err := os.WriteFile(file, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "latest.json")
	if err := os.Symlink("real.json", link); err != nil {
		t.Fatal(err)
	}
	if err := Write(link, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", st, err)
	}
	if b, _ := os.ReadFile(file); string(b) != "new" {
		t.Errorf("target content %q", b)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	if err := Check(filepath.Join(dir, "new.json")); err != nil {
		t.Errorf("a new file in a writable directory: %v", err)
	}
	if err := Check(filepath.Join(dir, "nosuch", "x.json")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a missing directory: %v", err)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := Check(filepath.Join(file, "x.json")); err == nil {
		t.Error("a path under a regular file: no error")
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		if err := Check(filepath.Join(ro, "x.json")); err == nil || !strings.Contains(err.Error(), "not writable") {
			t.Errorf("a read-only directory: %v", err)
		}
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("Check left temporary files: %v", l)
	}
}

// CommitNew never replaces: on an existing name it fails with ErrExist and
// keeps the bytes for another name.
func TestCommitNew(t *testing.T) {
	dir := t.TempDir()
	taken := filepath.Join(dir, "export.json")
	if err := os.WriteFile(taken, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := Create(taken)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Abort()
	if _, err := io.WriteString(f, "exported"); err != nil {
		t.Fatal(err)
	}
	if err := f.CommitNew(taken); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("CommitNew over an existing file: %v", err)
	}
	next := filepath.Join(dir, "export-1.json")
	if err := f.CommitNew(next); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(taken); string(b) != "mine" {
		t.Errorf("existing file changed: %q", b)
	}
	st, _ := os.Stat(next)
	if b, _ := os.ReadFile(next); string(b) != "exported" || st.Mode().Perm() != 0o600 {
		t.Errorf("new file %q mode %v", b, st.Mode())
	}
	if l := leftovers(t, dir); len(l) != 0 {
		t.Errorf("temporary files left: %v", l)
	}
}

// CommitAs replaces a link under its name, never the file the link names,
// and refuses a name in another directory.
func TestCommitAsReplacesLinks(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	victim := filepath.Join(other, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(dir, "cache")
	if err := os.Symlink(victim, name); err != nil {
		t.Skip(err)
	}
	f, err := CreateIn(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.CommitAs(filepath.Join(other, "elsewhere")); err == nil {
		t.Error("CommitAs wrote outside the temporary file's directory")
	}
	if _, err := f.Write([]byte("new")); err != nil {
		t.Fatal(err)
	}
	if err := f.CommitAs(name); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "keep" {
		t.Errorf("the linked file was replaced: %q", b)
	}
	fi, err := os.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != Mode {
		t.Fatalf("not a regular 0600 file under the name: %v %v", fi.Mode(), err)
	}
	if b, _ := os.ReadFile(name); string(b) != "new" {
		t.Errorf("content %q", b)
	}
}
