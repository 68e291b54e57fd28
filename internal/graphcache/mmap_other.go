//go:build !linux && !darwin

package graphcache

import (
	"errors"
	"os"
)

// mapFile is not used here: cache files are read into memory (which
// file systems a mapping survives on is known for Linux and macOS only).
func mapFile(*os.File, int64) ([]byte, error) { return nil, errors.ErrUnsupported }

// releasePages has nothing to give back: nothing is mapped.
func releasePages([]byte, int, int) {}
