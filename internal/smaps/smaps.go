// Package smaps reads this process's memory mappings from
// /proc/self/smaps (Linux), for the tests that check what the kernel made
// of keyhound's advice: huge pages for a load's heap (internal/hugeheap),
// a mapped cache file's pages given back (internal/graphcache).
package smaps

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Mapping is one mapping: its addresses, what of it is resident, and its
// VmFlags ("hg": madvise(MADV_HUGEPAGE), "nh": MADV_NOHUGEPAGE, …).
type Mapping struct {
	Start, End uintptr
	RSS        int64 // bytes
	Flags      []string
}

// Has reports whether the mapping has flag among its VmFlags.
func (m *Mapping) Has(flag string) bool { return slices.Contains(m.Flags, flag) }

// Read returns the process's mappings, in address order.
func Read() ([]Mapping, error) {
	f, err := os.Open("/proc/self/smaps")
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var out []Mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if len(out) > 0 {
			last := &out[len(out)-1]
			if flags, ok := strings.CutPrefix(line, "VmFlags:"); ok {
				last.Flags = strings.Fields(flags)
				continue
			}
			if rss, ok := strings.CutPrefix(line, "Rss:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rss), " kB"), 10, 64)
				if err != nil {
					return nil, fmt.Errorf("smaps: %q: %w", line, err)
				}
				last.RSS = kb << 10
				continue
			}
		}
		span, _, _ := strings.Cut(line, " ")
		lo, hi, ok := strings.Cut(span, "-")
		if !ok {
			continue
		}
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		if err1 == nil && err2 == nil {
			out = append(out, Mapping{Start: uintptr(start), End: uintptr(end)})
		}
	}
	return out, sc.Err()
}

// At returns the mapping of ms holding addr, or nil.
func At(ms []Mapping, addr uintptr) *Mapping {
	for i := range ms {
		if ms[i].Start <= addr && addr < ms[i].End {
			return &ms[i]
		}
	}
	return nil
}
