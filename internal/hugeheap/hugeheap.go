// Package hugeheap asks Linux to back the heap a large load is about to
// fill with transparent huge pages.
//
// A 5,000-account organization's graph is a gigabyte and a half of heap,
// which Go's runtime takes from the kernel 4 KiB at a time: 400,000 page
// faults, each a trip through the kernel and, in a virtual machine, often
// through the hypervisor too. On the machine keyhound's goals are
// measured on, a paravirtualized guest, a fault costs about 10 µs:
// touching 1.5 GB took 4–5 s in 4 KiB pages and 0.1–2.5 s in 2 MiB ones,
// and a cached who-can at 5,000 accounts went from 4.1 to 1.7–2.0 s.
//
// Since Go 1.21.1 the runtime advises huge pages only for its own GC
// metadata, not for the heap (runtime/mem_linux.go: sysMapOS maps heap
// memory fresh with mmap, and sysHugePageOS is called on metadata only),
// and under the kernel's common setting, "madvise", memory gets huge
// pages only where advised. Reserve advises them for the heap's next n
// bytes of growth: it allocates n bytes, which the runtime maps fresh
// without touching a page, advises huge pages over that range, and frees
// it at once (debug.FreeOSMemory), returning the still untouched pages.
// The mapping keeps the advice (madvise sets it on the mapping, and the
// runtime neither unmaps nor remaps heap it has mapped), and the runtime
// allocates from the lowest free addresses first, so the load's objects
// fill the range, each 2 MiB taken with one fault. The JVM's
// -XX:+UseTransparentHugePages advises its heap the same way.
//
// It is advice: where the kernel has no huge page to give, it gives small
// ones, and where the runtime allocates elsewhere the load runs as it
// would have. Reserve does nothing where the kernel gives huge pages to
// everything already ("always") or to nothing ("never"), where a large
// mapping could be refused (strict overcommit, an address-space limit),
// under GODEBUG=disablethp=1, and when KEYHOUND_HUGEPAGES is "off".
package hugeheap

import (
	"strings"
	"sync"
)

// EnvVar turns Reserve off when set to "off" (or "0", "false", "no").
const EnvVar = "KEYHOUND_HUGEPAGES"

// MinReserve is the smallest growth worth a reservation: below it the
// faults saved are a few milliseconds, less than the collection Reserve
// runs.
const MinReserve = 64 << 20

// Result is what Reserve did: the bytes of heap advised, or why none.
type Result struct {
	// Reserved is the size of the range advised (whole huge pages).
	Reserved int64
	// Skipped says why nothing was advised, when Reserved is 0.
	Skipped string
}

// reserved says the process has had its one reservation, and holds the
// ranges advised until Settle.
var reserved struct {
	sync.Mutex
	done  bool
	spans []span
}

// span is a range of memory: n bytes at addr.
type span struct{ addr, n uintptr }

// Reserve advises transparent huge pages for the next n bytes the heap
// grows by, once per process (a later call reports "already reserved"):
// call it before a load that will allocate about n bytes, while the heap
// is still small, since it runs a full collection.
func Reserve(n int64) Result {
	reserved.Lock()
	defer reserved.Unlock()
	if reserved.done {
		return Result{Skipped: "already reserved"}
	}
	reserved.done = true
	res, spans := reserve(n, readSystem())
	reserved.spans = spans
	return res
}

// Settle ends the advice once the load is done: the heap's later growth
// gets the kernel's small pages, and khugepaged leaves the ranges alone.
// Pages already huge stay so. Under the kernel's default max_ptes_none
// (511), khugepaged refills a huge page the runtime has partly returned
// (a collection frees memory, the scavenger hands it back), so a heap
// that collects and returns memory for long — the TUI browsing, an
// export — would grow back what it returned. Safe to call when nothing
// was reserved, and more than once.
func Settle() {
	reserved.Lock()
	defer reserved.Unlock()
	if len(reserved.spans) > 0 {
		settle(reserved.spans)
		reserved.spans = nil
	}
}

// system is what decides whether and how much to reserve.
type system struct {
	// thp is the kernel's transparent_hugepage/enabled mode: "always",
	// "madvise", "never", or "" when unknown (no THP support).
	thp string
	// hugePage is the huge page's size (hpage_pmd_size), 0 when unknown.
	hugePage int64
	// overcommit is vm.overcommit_memory: 0 heuristic, 1 always, 2 strict;
	// -1 when unknown.
	overcommit int
	// ram is the machine's memory, 0 when unknown.
	ram int64
	// addressLimited says RLIMIT_AS is set: a large mapping may be refused.
	addressLimited bool
	// env is KEYHOUND_HUGEPAGES; godebug is GODEBUG.
	env, godebug string
}

// plan returns how many bytes to reserve for n bytes of growth on s, or 0
// and why not. A refused mapping would stop the process (the runtime
// throws "out of memory"), so the reservation is at most half of the
// machine's memory, which a heuristic kernel always maps, and none where
// the kernel might refuse it.
func plan(n int64, s system) (int64, string) {
	switch strings.ToLower(strings.TrimSpace(s.env)) {
	case "off", "0", "false", "no":
		return 0, EnvVar + " is " + s.env
	}
	if godebugSet(s.godebug, "disablethp", "1") {
		return 0, "GODEBUG=disablethp=1"
	}
	switch s.thp {
	case "madvise":
	case "always":
		return 0, "the kernel gives every mapping huge pages (always)"
	case "never":
		return 0, "the kernel's transparent huge pages are off (never)"
	default:
		return 0, "no transparent huge pages"
	}
	switch {
	case s.hugePage <= 0:
		return 0, "huge page size unknown"
	case s.overcommit != 0 && s.overcommit != 1:
		return 0, "strict or unknown overcommit: a large mapping may be refused"
	case s.addressLimited:
		return 0, "an address-space limit (RLIMIT_AS) is set"
	case s.ram <= 0:
		return 0, "the machine's memory is unknown"
	}
	n = min(n, s.ram/2)
	n -= n % s.hugePage
	if n < MinReserve || n < 2*s.hugePage {
		return 0, "too little to reserve"
	}
	return n, ""
}

// godebugSet reports whether the GODEBUG list sets key to value (the last
// setting wins, as in the runtime).
func godebugSet(godebug, key, value string) bool {
	set := false
	for _, kv := range strings.Split(godebug, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if ok && k == key {
			set = v == value
		}
	}
	return set
}
