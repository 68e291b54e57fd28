package hugeheap

import (
	"cmp"
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// thpDir holds the kernel's transparent huge page settings.
const thpDir = "/sys/kernel/mm/transparent_hugepage/"

// readSystem reads the settings plan decides on.
func readSystem() system {
	s := system{
		thp:        thpMode(readTrimmed(thpDir + "enabled")),
		overcommit: -1,
		env:        os.Getenv(EnvVar),
		godebug:    os.Getenv("GODEBUG"),
	}
	s.hugePage, _ = strconv.ParseInt(readTrimmed(thpDir+"hpage_pmd_size"), 10, 64)
	if v, err := strconv.Atoi(readTrimmed("/proc/sys/vm/overcommit_memory")); err == nil {
		s.overcommit = v
	}
	var info unix.Sysinfo_t
	if unix.Sysinfo(&info) == nil {
		s.ram = int64(min(uint64(info.Totalram)*uint64(info.Unit), math.MaxInt64)) //nolint:gosec,unconvert // G115: bounded; Totalram is uint32 on some architectures
	}
	var lim unix.Rlimit
	if unix.Getrlimit(unix.RLIMIT_AS, &lim) == nil {
		s.addressLimited = lim.Cur != unix.RLIM_INFINITY
	}
	return s
}

// readTrimmed returns a small file's text without surrounding space, or ""
// when it cannot be read.
func readTrimmed(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// thpMode returns the bracketed choice of a transparent_hugepage/enabled
// file ("always [madvise] never": madvise).
func thpMode(enabled string) string {
	_, rest, ok := strings.Cut(enabled, "[")
	if !ok {
		return ""
	}
	mode, _, _ := strings.Cut(rest, "]")
	return mode
}

// reserveChunk is the size of the blocks a reservation is allocated in. A
// block placed in heap already used and freed is zeroed whole by the
// runtime (mheap.allocNeedsZero): one block of 5 GB starting there was
// made resident entirely (19 s); blocks of 4 MiB (the runtime's unit of
// heap growth) zero at most the used memory they land in, which is
// resident already.
const reserveChunk = 4 << 20

// reserve allocates what plan allows, advises huge pages over the whole
// huge pages of its contiguous ranges, and frees it (package doc); it
// returns the ranges advised.
func reserve(n int64, s system) (Result, []span) {
	n, why := plan(n, s)
	if n == 0 {
		return Result{Skipped: why}, nil
	}
	if unsafe.Sizeof(uintptr(0)) < 8 {
		return Result{Skipped: "a 32-bit address space"}, nil
	}
	blocks := make([][]byte, 0, n/reserveChunk+1)
	for got := int64(0); got < n; got += reserveChunk {
		blocks = append(blocks, make([]byte, reserveChunk)) // mapped fresh: no page touched
	}
	page := uintptr(s.hugePage) //nolint:gosec // G115: plan checked it positive
	var advised uintptr
	var spans []span
	var err error
	for _, r := range contiguous(blocks) {
		beg, end := alignedRange(r.addr, r.n, page)
		if end <= beg {
			continue
		}
		if err = madvise(r.addr+beg, end-beg, unix.MADV_HUGEPAGE); err != nil {
			break
		}
		spans = append(spans, span{r.addr + beg, end - beg})
		advised += end - beg
	}
	runtime.KeepAlive(blocks) // their last use: the collection below frees them
	debug.FreeOSMemory()
	res := Result{Reserved: int64(advised)} //nolint:gosec // G115: at most n
	switch {
	case err != nil:
		res.Skipped = fmt.Sprintf("madvise: %v", err)
	case advised == 0:
		res.Skipped = "too little to reserve"
	}
	return res, spans
}

// settle advises no huge pages over spans (Settle).
func settle(spans []span) {
	for _, s := range spans {
		_ = madvise(s.addr, s.n, unix.MADV_NOHUGEPAGE) // advice: nothing to do when refused
	}
}

// contiguous returns blocks' memory as the fewest spans: blocks adjacent
// in memory are one.
func contiguous(blocks [][]byte) []span {
	spans := make([]span, 0, len(blocks))
	for _, b := range blocks {
		spans = append(spans, span{uintptr(unsafe.Pointer(unsafe.SliceData(b))), uintptr(len(b))}) //nolint:gosec // G103: the address is only compared and advised
	}
	slices.SortFunc(spans, func(a, b span) int { return cmp.Compare(a.addr, b.addr) })
	out := spans[:0]
	for _, s := range spans {
		if k := len(out) - 1; k >= 0 && out[k].addr+out[k].n == s.addr {
			out[k].n += s.n
			continue
		}
		out = append(out, s)
	}
	return out
}

// madvise gives advice for n bytes at addr, which may span several heap
// blocks (so it is no one Go slice).
func madvise(addr, n uintptr, advice int) error {
	if _, _, e := unix.Syscall(unix.SYS_MADVISE, addr, n, uintptr(advice)); e != 0 {
		return e
	}
	return nil
}

// alignedRange returns the offsets [beg, end) of the whole huge pages of
// size page (a power of two) inside n bytes at address addr.
func alignedRange(addr, n, page uintptr) (beg, end uintptr) {
	first := (addr + page - 1) &^ (page - 1)
	last := (addr + n) &^ (page - 1)
	if last <= first {
		return 0, 0
	}
	return first - addr, last - addr
}
