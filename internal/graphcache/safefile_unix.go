//go:build unix

package graphcache

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// openCacheFile opens a cache file for reading only if it is a regular
// file of this user: not a symbolic link (O_NOFOLLOW), not a FIFO or a
// device (O_NONBLOCK, then fstat), so that nothing planted in the cache
// directory is read in its place or blocks the command.
func openCacheFile(path string) (*os.File, int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close()
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		_ = f.Close()
		return nil, 0, fmt.Errorf("%s belongs to another user", path)
	}
	return f, fi.Size(), nil
}

// checkDir refuses a cache directory another user could write to: it
// could plant a cache file that decodes into any snapshot.
func checkDir(dir string) error {
	fi, err := os.Stat(dir) //nolint:gosec // G703: the user's cache directory (option, environment or default)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New(dir + " is not a directory")
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("%s belongs to another user", dir)
	}
	if fi.Mode().Perm()&0o022 != 0 {
		return fmt.Errorf("%s is writable by others (mode %v)", dir, fi.Mode().Perm())
	}
	return nil
}
