//go:build !unix

package graphcache

import (
	"errors"
	"fmt"
	"os"
)

// openCacheFile opens a cache file for reading only if it is a regular
// file (checked without following a link before opening).
func openCacheFile(path string) (*os.File, int64, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return nil, 0, err
	}
	if !fi.Mode().IsRegular() {
		return nil, 0, fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// checkDir checks that the cache directory is a directory; ownership and
// modes are the operating system's ACLs here.
func checkDir(dir string) error {
	fi, err := os.Stat(dir) //nolint:gosec // G703: the user's cache directory (option, environment or default)
	if err != nil {
		return err
	}
	if !fi.IsDir() {
		return errors.New(dir + " is not a directory")
	}
	return nil
}
