package ui

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
)

// rowsOnEveryCPU makes row i at index i, each once, whatever the number of
// rows and parts; each part has a maker of its own.
func TestRowsOnEveryCPU(t *testing.T) {
	procs := runtime.GOMAXPROCS(4) // four parts, whatever the machine
	t.Cleanup(func() { runtime.GOMAXPROCS(procs) })
	for _, n := range []int{0, 1, 1023, 1024, 4097, 65537} {
		var makers atomic.Int32
		rows := rowsOnEveryCPU(n, func() func(int) row {
			makers.Add(1)
			made := map[int]bool{} // the part's own: a shared one would race
			return func(i int) row {
				if made[i] {
					t.Errorf("row %d made twice", i)
				}
				made[i] = true
				return row{id: strconv.Itoa(i)}
			}
		})
		if len(rows) != n {
			t.Fatalf("%d rows, want %d", len(rows), n)
		}
		for i, r := range rows {
			if r.id != strconv.Itoa(i) {
				t.Fatalf("n %d: row %d is %q", n, i, r.id)
			}
		}
		if want := min(4, max(n/1024, 1)); int(makers.Load()) != want {
			t.Errorf("n %d: %d makers, want %d (one a part)", n, makers.Load(), want)
		}
	}
}
