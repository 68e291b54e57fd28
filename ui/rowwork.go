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
	parts := min(runtime.GOMAXPROCS(0), max(n/1024, 1))
	var wg sync.WaitGroup
	for p := range parts {
		wg.Go(func() {
			mk := maker()
			for i := p * n / parts; i < (p+1)*n/parts; i++ {
				rows[i] = mk(i)
			}
		})
	}
	wg.Wait()
	return rows
}
