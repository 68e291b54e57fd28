package graphcache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Entry is one file of the cache directory: a cache file, or a temporary
// file a write left.
type Entry struct {
	Name string    `json:"name"`
	Size int64     `json:"size"`
	Used time.Time `json:"last_used"` // its modification time (touch)
	Temp bool      `json:"temporary,omitempty"`
}

// List returns the cache directory (o.Dir, $KEYHOUND_CACHE_DIR, else the
// user cache directory) and its files, most recently used first. A
// directory that does not exist has none: List never makes it. Other
// files of the directory are not the cache's and are not listed.
func List(o Options) (dir string, entries []Entry, err error) {
	dir, ok, err := o.existingDir()
	if err != nil || !ok {
		return dir, nil, err
	}
	des, err := os.ReadDir(dir)
	if err != nil {
		return dir, nil, fmt.Errorf("cache directory: %w", err)
	}
	for _, e := range des {
		name := e.Name()
		if !e.Type().IsRegular() || (!isCacheName(name) && !isTemp(name)) {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		entries = append(entries, Entry{Name: name, Size: info.Size(), Used: info.ModTime(), Temp: isTemp(name)})
	}
	slices.SortFunc(entries, func(a, b Entry) int {
		if c := b.Used.Compare(a.Used); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return dir, entries, nil
}

// Clear removes every cache file, and every temporary file a dead write
// left (older than an hour, as prune says), from the cache directory
// (List's), and returns those it removed: the cache holds copies of
// snapshots' contents, which a user may want gone at once rather than
// after KeepFor. Other files stay, and so does a write under way.
func Clear(o Options) (dir string, removed []Entry, err error) {
	dir, entries, err := List(o)
	if err != nil {
		return dir, nil, err
	}
	now := time.Now()
	var errs []error
	for _, e := range entries {
		if e.Temp && now.Sub(e.Used) <= staleTemp {
			continue // a write under way (perhaps not the cache's)
		}
		if err := os.Remove(filepath.Join(dir, e.Name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, e)
	}
	return dir, removed, errors.Join(errs...)
}

// existingDir is dir without making it; ok is false when it does not
// exist.
func (o Options) existingDir() (dir string, ok bool, err error) {
	dir, err = o.dirName()
	if err != nil {
		return "", false, err
	}
	switch err := checkDir(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return dir, false, nil
	case err != nil:
		return dir, false, fmt.Errorf("cache directory not used: %w", err)
	}
	return dir, true, nil
}
