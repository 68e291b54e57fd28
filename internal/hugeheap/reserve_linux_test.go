package hugeheap

import (
	"os"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/keyhound/keyhound/internal/smaps"
)

func TestThpMode(t *testing.T) {
	for in, want := range map[string]string{
		"always [madvise] never": "madvise",
		"[always] madvise never": "always",
		"always madvise [never]": "never",
		"":                       "",
	} {
		if got := thpMode(in); got != want {
			t.Errorf("thpMode(%q) = %q, want %q", in, got, want)
		}
	}
}

// mappings reads the process's mappings.
func mappings(t *testing.T) []smaps.Mapping {
	t.Helper()
	ms, err := smaps.Read()
	if err != nil {
		t.Skipf("no smaps: %v", err)
	}
	return ms
}

// advised reports whether addr lies in a mapping advised for huge pages.
func advised(ms []smaps.Mapping, addr uintptr) bool {
	m := smaps.At(ms, addr)
	return m != nil && m.Has("hg")
}

// heapFree is the heap free and not returned to the kernel.
func heapFree() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/free:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// resident counts the pages of spans that are in memory (mincore), and
// all their pages.
func resident(t *testing.T, spans []span) (in, all int) {
	t.Helper()
	page := uintptr(os.Getpagesize())
	for _, sp := range spans {
		vec := make([]byte, (sp.n+page-1)/page)
		if _, _, e := unix.Syscall(unix.SYS_MINCORE, sp.addr, sp.n, uintptr(unsafe.Pointer(&vec[0]))); e != 0 {
			t.Fatalf("mincore: %v", e)
		}
		for _, v := range vec {
			in += int(v & 1)
		}
		all += len(vec)
	}
	return in, all
}

// The load after Reserve allocates into memory advised for huge pages, and
// the reservation itself is handed back, not kept.
func TestReserveAdvisesTheHeapALoadGrowsInto(t *testing.T) {
	s := readSystem()
	if s.thp != "madvise" {
		t.Skipf("transparent huge pages are %q here, not madvise", s.thp)
	}
	s.env, s.godebug = "", ""
	const n = 256 << 20
	res, spans := reserve(n, s)
	if res.Reserved < n/2 || len(spans) == 0 {
		t.Fatalf("reserve(%d) = %+v", n, res)
	}
	// Handed back untouched: hardly a page of it is resident (what else
	// runs, the collector, the race detector, may have taken a little).
	if in, all := resident(t, spans); in > all/8 {
		t.Errorf("%d of the reservation's %d pages are resident", in, all)
	}
	// And returned to the kernel in the runtime's books, not kept free:
	// free heap counts against the memory limit a load runs under.
	if free := heapFree(); free > 32<<20 {
		t.Errorf("%d bytes of free heap kept after the reservation of %d", free, res.Reserved)
	}

	// A load: many small objects, as a graph's are.
	objs := make([]*[1024]byte, 0, 64<<10)
	for range cap(objs) {
		objs = append(objs, new([1024]byte))
	}
	maps := mappings(t)
	in := 0
	for _, o := range objs {
		if advised(maps, uintptr(unsafe.Pointer(o))) {
			in++
		}
	}
	// The heap's free pages from before the reservation come first.
	if in < len(objs)/2 {
		t.Errorf("%d of %d objects allocated after Reserve lie in memory advised for huge pages", in, len(objs))
	}

	// Settled, the ranges are advised against huge pages: khugepaged
	// leaves them be.
	settle(spans)
	maps = mappings(t)
	for _, sp := range spans {
		for _, addr := range []uintptr{sp.addr, sp.addr + sp.n - 1} {
			if m := smaps.At(maps, addr); m == nil || m.Has("hg") || !m.Has("nh") {
				t.Errorf("%#x after settle: %+v, want advised against huge pages", addr, m)
			}
		}
	}
	runtime.KeepAlive(objs)
}

// peakRSS is the most memory the process has had resident (VmHWM).
func peakRSS(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no status: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmHWM")
	return 0
}

// The reservation touches none of its memory, even where the heap's top
// was used and freed before: a block allocated there is zeroed by the
// runtime (mheap.allocNeedsZero), and one 5 GB block starting in 16 MB of
// used memory was zeroed whole: 5 GB resident, 19 s.
func TestReserveTouchesNothing(t *testing.T) {
	s := readSystem()
	if s.thp != "madvise" {
		t.Skipf("transparent huge pages are %q here, not madvise", s.thp)
	}
	s.env, s.godebug = "", ""
	for range 4 { // used and freed memory at the heap's top
		b := make([]byte, 16<<20)
		for i := 0; i < len(b); i += 4096 {
			b[i] = 1
		}
		runtime.KeepAlive(b)
	}
	runtime.GC()
	const n = 1 << 30
	before := peakRSS(t)
	res, _ := reserve(n, s)
	if res.Reserved == 0 {
		t.Fatalf("reserve: %+v", res)
	}
	// Half: the race detector writes shadow memory for each block (a
	// fifth of its size); zeroing makes all of it resident.
	if grew := peakRSS(t) - before; grew > res.Reserved/2 {
		t.Errorf("reserving %d bytes made %d resident", res.Reserved, grew)
	}
}

func TestContiguousJoinsAdjacentBlocks(t *testing.T) {
	b := make([]byte, 16<<10)
	got := contiguous([][]byte{b[12<<10:], b[4<<10 : 8<<10], b[:4<<10]})
	want := []span{{uintptr(unsafe.Pointer(&b[0])), 8 << 10}, {uintptr(unsafe.Pointer(&b[12<<10])), 4 << 10}}
	if !slices.Equal(got, want) {
		t.Errorf("contiguous = %v, want %v", got, want)
	}
	runtime.KeepAlive(b)
}

func TestAlignedRange(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		addr, n, page uintptr
		beg, end      uintptr
	}{
		{addr: 4 * mib, n: 8 * mib, page: 2 * mib, beg: 0, end: 8 * mib},
		{addr: 4*mib + 4096, n: 8 * mib, page: 2 * mib, beg: 2*mib - 4096, end: 8*mib - 4096},
		{addr: 4*mib + 4096, n: 3 * mib, page: 2 * mib, beg: 0, end: 0}, // no whole page inside
	} {
		beg, end := alignedRange(tc.addr, tc.n, tc.page)
		if beg != tc.beg || end != tc.end {
			t.Errorf("alignedRange(%#x, %d, %d) = [%d, %d), want [%d, %d)", tc.addr, tc.n, tc.page, beg, end, tc.beg, tc.end)
		}
	}
}
