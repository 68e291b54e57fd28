package snapshot

import (
	"encoding/json"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

// decodeAccounts decodes the accounts ids names, in parallel (one worker a
// CPU), and hands each to done in the order of ids, from the caller's
// goroutine: the snapshot, its load errors and the progress told are the
// same as one account after the other.
func decodeAccounts(ids []string, accounts map[string]json.RawMessage, in *interner, done func(i int, a *Account, errs []LoadError)) {
	type result struct {
		a     *Account
		errs  []LoadError
		panic any
		ready chan struct{}
	}
	results := make([]result, len(ids))
	for i := range results {
		results[i].ready = make(chan struct{})
	}
	go parallel(len(ids), func(i int) {
		r := &results[i]
		defer close(r.ready)
		defer func() { r.panic = recover() }()
		d := &decoder{account: ids[i], ix: newIndex(accounts[ids[i]])}
		r.a = d.decodeAccount(accounts[ids[i]], "accounts["+strconv.Quote(ids[i])+"]")
		r.errs = d.errs
		in.account(r.a)
	})
	for i := range results {
		r := &results[i]
		<-r.ready
		if r.panic != nil {
			panic(r.panic)
		}
		done(i, r.a, r.errs)
		*r = result{}
	}
}

// parallel calls fn(0) … fn(n-1), as many at once as there are CPUs, and
// returns when all have returned.
func parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				fn(i)
			}
		})
	}
	wg.Wait()
}
