package graphcache

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Retention. A cache file is as large as a fifth of its snapshot's JSON
// (about 165 MB for 5,000 accounts), and each new scan makes a new one: the
// directory would grow without end. Reading a cache file marks it used
// (its modification time); writing one removes the others not used for
// KeepFor, then the least recently used beyond KeepMax, and temporary files
// left by writes that died (older than an hour). Only names the cache
// writes are removed: KEYHOUND_CACHE_DIR may hold other files.
const (
	KeepFor = 14 * 24 * time.Hour
	KeepMax = 16
	// staleTemp is the age after which a temporary file is a dead write's,
	// not a running one's.
	staleTemp = time.Hour
)

// touch marks a cache file used now. A read-only directory keeps its
// times: pruning then counts from the file's writing, which is harmless.
func touch(path string, now time.Time) { _ = os.Chtimes(path, now, now) }

// prune removes, from dir, cache files other than keep last used before
// now-KeepFor, then the least recently used beyond KeepMax, and stale
// temporary files; it returns how many it removed. Errors are ignored:
// another keyhound may be pruning the same directory.
func prune(dir, keep string, now time.Time) int {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0
	}
	type file struct {
		path string
		used time.Time
	}
	var caches []file
	removed := 0
	remove := func(path string) {
		if os.Remove(path) == nil {
			removed++
		}
	}
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue
		}
		path := filepath.Join(dir, name)
		switch {
		case isTemp(name):
			if now.Sub(info.ModTime()) > staleTemp {
				remove(path)
			}
		case isCacheName(name) && path != keep:
			if now.Sub(info.ModTime()) > KeepFor {
				remove(path)
				continue
			}
			caches = append(caches, file{path, info.ModTime()})
		}
	}
	// keep counts towards KeepMax: the newest KeepMax-1 others stay.
	if len(caches) >= KeepMax {
		slices.SortFunc(caches, func(a, b file) int { return b.used.Compare(a.used) })
		for _, f := range caches[KeepMax-1:] {
			remove(f.path)
		}
	}
	return removed
}

// isCacheName reports whether name is a cache file's (fileName): 64
// lower-case hex digits (the snapshot's SHA-256), "-", buildHashLen more,
// and Ext.
func isCacheName(name string) bool {
	stem, ok := strings.CutSuffix(name, Ext)
	if !ok || len(stem) != 64+1+buildHashLen || stem[64] != '-' {
		return false
	}
	return isHex(stem[:64]) && isHex(stem[65:])
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// isTemp reports whether name is one of internal/atomicfile's temporary
// files (".keyhound-*.tmp").
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".keyhound-") && strings.HasSuffix(name, ".tmp")
}
