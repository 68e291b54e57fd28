package graphcache

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// decodeFile decodes a cache file written for want, and returns a copy of
// its "derived" section (nil when it has none). Any error means the file
// is not to be trusted: a *StaleError or a *CorruptError (or ctx's).
// progress, when not nil, is told after each account, from the caller's
// goroutine. keep says b never changes and may be kept (a read-only
// mapping): the snapshot's strings are then b's own bytes, not a copy.
func decodeFile(ctx context.Context, b []byte, keep bool, want identity, progress func(done, total int)) (*snapshot.Snapshot, []snapshot.LoadError, []byte, error) {
	rc, err := rootCodecs()
	if err != nil {
		return nil, nil, nil, err
	}
	got, secs, data, err := parseHeader(b)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkIdentity(got, want); err != nil {
		return nil, nil, nil, err
	}
	sb, err := sectionBytes(data, secs, sectionStrings)
	if err != nil {
		return nil, nil, nil, err
	}
	strs, err := decodeStrings(sb, keep)
	if err != nil {
		return nil, nil, nil, &CorruptError{Section: sectionStrings, Err: err}
	}
	var m meta
	if err := decodeSection(data, secs, sectionMeta, strs, rc.meta, &m); err != nil {
		return nil, nil, nil, err
	}
	if !slices.IsSorted(m.Accounts) || len(slices.Compact(slices.Clone(m.Accounts))) != len(m.Accounts) {
		return nil, nil, nil, corrupt(sectionMeta, "account IDs not sorted or repeated")
	}
	s := &snapshot.Snapshot{Format: m.Format, CollectedAt: m.CollectedAt, Partition: m.Partition, Tool: m.Tool, Scope: m.Scope}
	if err := decodeSection(data, secs, sectionOrganization, strs, rc.org, &s.Organization); err != nil {
		return nil, nil, nil, err
	}
	var les []loadError
	if err := decodeSection(data, secs, sectionLoadErrors, strs, rc.loadErrs, &les); err != nil {
		return nil, nil, nil, err
	}
	var errs []snapshot.LoadError
	if les != nil {
		errs = make([]snapshot.LoadError, len(les))
	}
	for i, le := range les {
		errs[i] = snapshot.LoadError{Account: le.Account, Region: le.Region, Item: le.Item, Path: le.Path, Message: le.Message}
		if le.HasErr {
			errs[i].Err = errors.New(le.ErrText)
		}
	}
	// Checked like every section, and copied: the caller keeps it, and
	// must not keep the whole file alive with it.
	var derived []byte
	if _, ok := secs[sectionDerived]; ok {
		db, err := sectionBytes(data, secs, sectionDerived)
		if err != nil {
			return nil, nil, nil, err
		}
		derived = bytes.Clone(db)
	}
	accounts, err := decodeAccounts(ctx, data, secs, strs, rc.account, m.Accounts, progress)
	if err != nil {
		return nil, nil, nil, err
	}
	if m.Accounts != nil {
		s.Accounts = make(map[string]*snapshot.Account, len(m.Accounts))
		for i, id := range m.Accounts {
			s.Accounts[id] = accounts[i]
		}
	}
	if keep {
		// The snapshot uses the mapping's strings alone from now on.
		str := secs[sectionStrings]
		at := len(b) - len(data) + int(str.Off) //nolint:gosec // G115: within b (sectionBytes checked it)
		releasePages(b, at, at+int(str.Len))    //nolint:gosec // G115: as above
	}
	return s, errs, derived, nil
}

// decodeAccounts decodes the sections of the accounts ids, as many at once
// as there are CPUs. The first error stops the others.
func decodeAccounts(ctx context.Context, data []byte, secs map[string]section, strs []string, c *codec, ids []string, progress func(done, total int)) ([]*snapshot.Account, error) {
	out := make([]*snapshot.Account, len(ids))
	var (
		next    atomic.Int64
		failed  atomic.Bool
		errOnce sync.Once
		first   error
		wg      sync.WaitGroup
	)
	done := make(chan struct{}, len(ids))
	fail := func(err error) {
		errOnce.Do(func() { first = err })
		failed.Store(true)
	}
	for range min(runtime.GOMAXPROCS(0), len(ids)) {
		wg.Go(func() {
			for !failed.Load() {
				i := int(next.Add(1)) - 1
				if i >= len(ids) {
					return
				}
				if err := ctx.Err(); err != nil {
					fail(err)
					return
				}
				if err := decodeSection(data, secs, accountPrefix+ids[i], strs, c, &out[i]); err != nil {
					fail(err)
					return
				}
				done <- struct{}{}
			}
		})
	}
	finished := make(chan struct{})
	go func() { wg.Wait(); close(finished) }()
	n := 0
	for {
		select {
		case <-done:
			n++
			if progress != nil {
				progress(n, len(ids))
			}
			continue
		case <-finished:
		}
		break
	}
	// Workers may have finished after their last send was read: drain.
	for len(done) > 0 {
		<-done
		n++
		if progress != nil {
			progress(n, len(ids))
		}
	}
	if first != nil {
		return nil, first
	}
	return out, nil
}
