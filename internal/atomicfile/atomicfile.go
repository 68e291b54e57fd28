// Package atomicfile writes the files keyhound writes: each to a temporary
// file in its target's directory, with mode 0600, synced, then renamed over
// the target, so that a reader (or a crash) sees the old file or the whole
// new one, never half of it. On any failure the temporary file is removed
// and an existing target is left as it was.
//
// rename(2) replaces its target atomically; the data must be synced first
// for the new name not to point at an empty file after a crash, and the
// directory synced after for the rename itself to last
// (https://man7.org/linux/man-pages/man2/rename.2.html,
// https://man7.org/linux/man-pages/man2/fsync.2.html).
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Mode is the permission of every file written: the owner's alone.
const Mode = 0o600

// ErrNotRegular is returned for a target that exists and is not a regular
// file (a directory, a device, a FIFO): renaming over it would replace it.
var ErrNotRegular = errors.New("exists and is not a regular file")

// tempPattern names temporary files: hidden, and recognisable as keyhound's.
const tempPattern = ".keyhound-*.tmp"

// File is a file being written: its bytes go to a temporary file until
// Commit renames it over the target. Abort (or a failed Commit) removes it.
type File struct {
	f      *os.File
	dir    string
	path   string // the target, symbolic links resolved ("" for CreateIn)
	closed bool
	done   bool // committed or aborted
}

// Create starts writing path. path may be absent or a regular file (a
// symbolic link to one is followed, and the file it names is replaced);
// anything else is refused with ErrNotRegular.
func Create(path string) (*File, error) {
	target, err := resolve(path)
	if err != nil {
		return nil, err
	}
	f, err := CreateIn(filepath.Dir(target))
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, err)
	}
	f.path = target
	return f, nil
}

// CreateIn starts writing a file in dir whose name CommitNew gives.
func CreateIn(dir string) (*File, error) {
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return nil, err
	}
	// CreateTemp creates with 0600 already; say so whatever the umask and
	// whatever Go may do one day.
	if err := f.Chmod(Mode); err != nil {
		_ = f.Close()
		_ = os.Remove(f.Name())
		return nil, err
	}
	return &File{f: f, dir: filepath.Clean(dir)}, nil
}

// Write writes to the temporary file.
func (f *File) Write(p []byte) (int, error) { return f.f.Write(p) }

// Name is the path Commit writes (symbolic links resolved).
func (f *File) Name() string { return f.path }

// finish syncs and closes the temporary file.
func (f *File) finish() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if err := f.f.Sync(); err != nil {
		_ = f.f.Close()
		return fmt.Errorf("write %s: sync: %w", f.f.Name(), err)
	}
	if err := f.f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", f.f.Name(), err)
	}
	return nil
}

// Commit syncs the temporary file and renames it over the target. On
// failure the temporary file is removed and the target is untouched.
func (f *File) Commit() error {
	if f.done || f.path == "" {
		return fmt.Errorf("write %s: already committed or aborted, or no name", f.path)
	}
	if err := f.finish(); err != nil {
		f.Abort()
		return err
	}
	// The target may have become something else since Create.
	if _, err := resolve(f.path); err != nil {
		f.Abort()
		return err
	}
	if err := os.Rename(f.f.Name(), f.path); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", f.path, err)
	}
	f.done = true
	SyncDir(filepath.Dir(f.path))
	return nil
}

// CommitNew is Commit under another name in the same directory that must
// not exist: it never replaces a file. When path exists it returns an
// error wrapping fs.ErrExist and keeps the written bytes, so the caller can
// try another name.
func (f *File) CommitNew(path string) error {
	if err := f.finishIn(path); err != nil {
		return err
	}
	// link(2) fails with EEXIST rather than replace: the name appears only
	// once the whole file is there.
	err := os.Link(f.f.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err != nil {
		// A file system without hard links: reserve the name (O_EXCL), then
		// rename over the reservation, which is ours.
		r, rerr := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, Mode)
		if rerr != nil {
			if !errors.Is(rerr, fs.ErrExist) {
				f.Abort()
			}
			return fmt.Errorf("write %s: %w", path, rerr)
		}
		_ = r.Close()
		if err := os.Rename(f.f.Name(), path); err != nil {
			_ = os.Remove(path)
			f.Abort()
			return fmt.Errorf("write %s: %w", path, err)
		}
	} else {
		_ = os.Remove(f.f.Name())
	}
	f.done, f.path = true, path
	SyncDir(filepath.Dir(path))
	return nil
}

// CommitAs is Commit under a name in the temporary file's directory,
// replacing the directory entry of that name: a symbolic link there is
// replaced, never followed (rename(2) does not follow its target). For
// files in a directory keyhound keeps (the graph cache), where a link is
// nobody's choice of target.
func (f *File) CommitAs(path string) error {
	if err := f.finishIn(path); err != nil {
		return err
	}
	if err := os.Rename(f.f.Name(), path); err != nil {
		f.Abort()
		return fmt.Errorf("write %s: %w", path, err)
	}
	f.done, f.path = true, path
	SyncDir(f.dir)
	return nil
}

// finishIn checks that path may be committed to (a file not yet committed
// or aborted; a name in its directory) and syncs and closes the temporary
// file. A wrong name leaves the file to write on; a failed sync aborts it.
func (f *File) finishIn(path string) error {
	if f.done {
		return fmt.Errorf("write %s: already committed or aborted", path)
	}
	if filepath.Dir(filepath.Clean(path)) != f.dir {
		return fmt.Errorf("write %s: not in directory %s", path, f.dir)
	}
	if err := f.finish(); err != nil {
		f.Abort()
		return err
	}
	return nil
}

// Abort removes the temporary file; the target is untouched. It does
// nothing once the file is committed, so it can be deferred.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	if !f.closed {
		f.closed = true
		_ = f.f.Close()
	}
	_ = os.Remove(f.f.Name())
}

// Write writes path atomically with mode 0600: write writes the content;
// when it fails, or anything else does, path is left as it was and no
// temporary file remains.
func Write(path string, write func(w io.Writer) error) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	defer f.Abort()
	if err := write(f); err != nil {
		return err
	}
	return f.Commit()
}

// Check tells, before anything is collected, whether Create(path) can
// succeed: path is absent or a regular file (or a symbolic link to one),
// and its directory exists and takes a new file (one is created and
// removed).
func Check(path string) error {
	target, err := resolve(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: directory %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("%s: %w", path, err)
	case !st.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, dir)
	}
	f, err := os.CreateTemp(dir, tempPattern)
	if err != nil {
		return fmt.Errorf("%s: directory %s is not writable: %w", path, dir, err)
	}
	_ = f.Close()
	if err := os.Remove(f.Name()); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// resolve follows path when it is a symbolic link and checks that what it
// names is absent or a regular file.
func resolve(path string) (string, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return path, nil
	}
	if err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if st.Mode()&fs.ModeSymlink != 0 {
		target, err := filepath.EvalSymlinks(path)
		if err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		if st, err = os.Stat(target); err != nil {
			return "", fmt.Errorf("%s: %w", path, err)
		}
		path = target
	}
	if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s %w (%s)", path, ErrNotRegular, kind(st.Mode()))
	}
	return path, nil
}

// kind names a file mode for an error message.
func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "not a regular file"
}

// SyncDir makes a rename or a new file in dir last across a crash. It is
// best effort: the file is in place whatever it returns, and some systems
// cannot sync a directory.
func SyncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
