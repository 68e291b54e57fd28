package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"os"

	"github.com/keyhound/keyhound/internal/hugeheap"
)

// loadHeapPerJSONByte is the heap a snapshot's load grows to, per byte of
// its JSON, at most: building its graph from the JSON (a cache miss).
// Measured with `keyhound --no-cache stats` on generated organizations:
// peak RSS 4.66 GB for 5,000 accounts' 872 MB of JSON (5.3 times), 1.02 GB
// for 1,000 accounts' 174 MB (5.8 times). A cache hit needs a third of it;
// reserving more costs only address space.
const loadHeapPerJSONByte = 6

// reserveLoadHeap asks for huge pages for the heap loading the snapshot
// file at path will grow into (internal/hugeheap), sized by its JSON; it
// does nothing for a file it cannot size (the load reports what is wrong).
func reserveLoadHeap(path string) {
	if size, err := jsonSize(path); err == nil {
		hugeheap.Reserve(size * loadHeapPerJSONByte)
	}
}

// jsonSize returns the size of a snapshot file's JSON: its size, or for a
// gzip file the size its trailer gives (RFC 1952: ISIZE, the size modulo
// 2³²), taken as at least the compressed size. Anything but a regular file
// is an error, and not opened: a pipe (--snapshot <(zcat …)) opened and
// closed here would lose its writer before the load reads it.
func jsonSize(path string) (int64, error) {
	info, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	if !info.Mode().IsRegular() {
		return 0, fmt.Errorf("%s: not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer func() { _ = f.Close() }()
	size := info.Size()
	var head [2]byte
	if _, err := f.ReadAt(head[:], 0); err != nil || head != [2]byte{0x1f, 0x8b} || size < 18 {
		return size, nil //nolint:nilerr // not gzip: the file is the JSON
	}
	var tail [4]byte
	if _, err := f.ReadAt(tail[:], size-4); err != nil && err != io.EOF {
		return 0, err
	}
	json := int64(binary.LittleEndian.Uint32(tail[:]))
	for json < size {
		json += 1 << 32
	}
	return json, nil
}
