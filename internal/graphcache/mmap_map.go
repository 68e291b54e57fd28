//go:build linux || darwin

package graphcache

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapFile maps the first size bytes of f read-only. The mapping is never
// removed: a snapshot decoded from it keeps its strings there
// (decodeStrings), for as long as anything holds one. Its pages are the
// page cache's: nothing is copied, the kernel reads them in as they are
// first touched, and may drop them again under memory pressure.
//
// Cache files are only ever replaced whole (written aside, then renamed):
// on a local file system a mapping keeps the file it mapped, even once
// another process has replaced or removed it. Not on a network one (a
// home directory on NFS): another host removing the file leaves the
// mapping's pages unreadable, a SIGBUS where a string is read, so a file
// there is read into memory (localFS). Only a process writing the file in
// place could change or take the pages away; the directory is this
// user's alone (checkDir).
func mapFile(f *os.File, size int64) ([]byte, error) {
	if size <= 0 || int64(int(size)) != size {
		return nil, fmt.Errorf("cannot map %d bytes", size)
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var b []byte
	var mapErr error
	if err := rc.Control(func(fd uintptr) {
		var local bool
		if local, mapErr = localFS(int(fd)); mapErr == nil && !local { //nolint:gosec // G115: a file descriptor fits an int
			mapErr = fmt.Errorf("%s is not on a local file system", f.Name())
		}
		if mapErr == nil {
			b, mapErr = unix.Mmap(int(fd), 0, int(size), unix.PROT_READ, unix.MAP_SHARED) //nolint:gosec // G115: a file descriptor fits an int
		}
	}); err != nil {
		return nil, err
	}
	if mapErr != nil {
		return nil, fmt.Errorf("map %s: %w", f.Name(), mapErr)
	}
	return b, nil
}

// releasePages gives back the pages of m, a mapping as mapFile made it
// (it starts on a page), that hold nothing outside m[keepFrom:keepTo] —
// once decoded, a cache file's values use its strings alone: the kernel
// drops them from the process (they stay in the page cache, and would be
// read in again if touched). At 5,000 generated accounts, 32 MB of the
// 182 MB mapped.
func releasePages(m []byte, keepFrom, keepTo int) {
	page := os.Getpagesize()
	if lo := keepFrom - keepFrom%page; lo > 0 {
		_ = unix.Madvise(m[:lo], unix.MADV_DONTNEED) // an advice: nothing to do if refused
	}
	if hi := (keepTo + page - 1) / page * page; hi < len(m) {
		_ = unix.Madvise(m[hi:], unix.MADV_DONTNEED)
	}
}
