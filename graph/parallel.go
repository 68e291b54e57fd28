package graph

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// forEach calls do(i) for i below n, on every CPU (at most n goroutines):
// preparse's documents, the keys of a background build, the assumers of
// many roles, and the documents a walk that reads them all resolves first.
// A panic in do is the caller's: the other goroutines take no more, and
// forEach panics with the first once all have stopped.
func forEach(n int, do func(i int)) {
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		stop     atomic.Bool
		once     sync.Once
		panicked any
	)
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Go(func() {
			defer func() {
				if p := recover(); p != nil {
					once.Do(func() { panicked = p })
					stop.Store(true)
				}
			}()
			for i := int(next.Add(1)) - 1; i < n && !stop.Load(); i = int(next.Add(1)) - 1 {
				do(i)
			}
		})
	}
	wg.Wait()
	if stop.Load() {
		panic(panicked)
	}
}

// runBoth runs there on a goroutine of its own and here on this one, and
// returns once both are done. A panic in either is the caller's once both
// have stopped (here's first): nothing goes on writing after it.
func runBoth(there, here func()) {
	var wg sync.WaitGroup
	var panicked any
	wg.Go(func() {
		defer func() { panicked = recover() }()
		there()
	})
	func() {
		defer wg.Wait()
		here()
	}()
	if panicked != nil {
		panic(panicked)
	}
}
