//go:build !unix

package graphcache

import (
	"errors"
	"os"
)

// mapFile is not used here: cache files are read into memory.
func mapFile(*os.File, int64) ([]byte, error) { return nil, errors.ErrUnsupported }
