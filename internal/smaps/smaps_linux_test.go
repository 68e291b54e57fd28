package smaps

import (
	"os"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// A mapping of this process is found by an address in it, with what of it
// is resident and the advice it was given.
func TestReadFindsAMapping(t *testing.T) {
	page := os.Getpagesize()
	b, err := unix.Mmap(-1, 0, 8*page, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_ANON|unix.MAP_PRIVATE)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = unix.Munmap(b) }()
	if err := unix.Madvise(b, unix.MADV_NOHUGEPAGE); err != nil {
		t.Skip(err)
	}
	for i := 0; i < 3*page; i += page {
		b[i] = 1
	}
	ms, err := Read()
	if err != nil {
		t.Fatal(err)
	}
	m := At(ms, uintptr(unsafe.Pointer(&b[page])))
	if m == nil {
		t.Fatal("the mapping is not in smaps")
	}
	if m.RSS != int64(3*page) || !m.Has("nh") || m.Has("hg") || m.End-m.Start < uintptr(8*page) {
		t.Errorf("mapping %+v: want 3 pages resident, advised nh", m)
	}
	if At(ms, 0) != nil {
		t.Error("address 0 is mapped")
	}
}
