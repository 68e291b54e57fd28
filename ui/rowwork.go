package ui

import (
	"runtime"
	"sync"
)

// rowsOnEveryCPU returns n rows, row i made by a maker's func, on every
// CPU: an organization's lists are hundreds of thousands of rows (600,000
// resources at 5,000 accounts). Each part of the rows gets a maker of its
// own, so what one remembers (the names of accounts met) is not shared.
func rowsOnEveryCPU(n int, maker func() func(i int) row) []row {
	rows := make([]row, n)
	onEveryCPU(n, func(lo, hi int) {
		mk := maker()
		for i := lo; i < hi; i++ {
			rows[i] = mk(i)
		}
	})
	return rows
}

// onEveryCPU calls do with the parts [lo, hi) of 0..n, one part per CPU,
// and returns when all are done.
func onEveryCPU(n int, do func(lo, hi int)) {
	parts := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() { do(p*n/parts, (p+1)*n/parts) })
	}
	wg.Wait()
}
