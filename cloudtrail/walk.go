package cloudtrail

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/keyhound/keyhound/graph/usage"
)

// Files lists the files ReadPath reads under path, in its order.
func Files(ctx context.Context, path string) ([]string, error) {
	if path == Demo {
		return []string{Demo}, nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read CloudTrail events: %w", err)
	}
	if !info.IsDir() {
		return []string{path}, nil
	}
	var files []string
	err = filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if p != path && strings.HasPrefix(name, ".") || d.IsDir() && name == "CloudTrail-Digest" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.Type().IsRegular() {
			files = append(files, p)
		}
		return ctx.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("read CloudTrail events: %w", err)
	}
	return files, nil
}

// ReadConcurrent reads the files under path on workers goroutines (one
// file at a time each; GOMAXPROCS when workers <= 0): fn(w, e) is called
// for worker w's events on that worker's goroutine, so each worker can
// keep its own state (a usage.Joiner) and merge at the end. Of several bad
// files, the error is the first's in ReadPath's order.
func ReadConcurrent(ctx context.Context, path string, opts Options, workers int, fn func(worker int, e *usage.Event) error) (Stats, error) {
	files, err := Files(ctx, path)
	if err != nil {
		return Stats{}, err
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	return readEach(ctx, min(workers, len(files)), func(_ context.Context, send func(input) bool) error {
		for _, name := range files {
			if !send(input{name: name, open: func(context.Context) (io.ReadCloser, error) { return openFile(name) }}) {
				break
			}
		}
		return nil
	}, opts, fn)
}

// openFile opens a local input (or the demo events).
func openFile(name string) (io.ReadCloser, error) {
	if name == Demo {
		return io.NopCloser(demoReader()), nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read CloudTrail events: %w", err)
	}
	return f, nil
}

// input is one file or object for readEach: its name in errors, and how
// to open it.
type input struct {
	seq  int
	name string
	open func(context.Context) (io.ReadCloser, error)
}

// readEach reads the inputs feed sends, in turn, on workers goroutines
// (at least one) as ReadConcurrent says, while feed goes on finding them:
// the pool of the local and the S3 readers. send returns false once the
// read has failed or ctx is done. Of several failures, the error is the
// first input's in feed's order (a failure cancels the others), then
// feed's own.
func readEach(ctx context.Context, workers int, feed func(context.Context, func(input) bool) error, opts Options, fn func(worker int, e *usage.Event) error) (Stats, error) {
	workers = max(1, workers)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan input)
	var (
		mu       sync.Mutex
		firstErr error
		firstSeq int
	)
	fail := func(seq int, err error) {
		mu.Lock()
		defer mu.Unlock()
		canceled, firstCanceled := errors.Is(err, context.Canceled), errors.Is(firstErr, context.Canceled)
		if firstErr == nil || firstCanceled && !canceled || canceled == firstCanceled && seq < firstSeq {
			firstErr, firstSeq = err, seq
		}
		cancel()
	}
	stats := make([]Stats, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			reuse := new(state)
			for in := range next {
				st, err := reuse.readOpened(ctx, in.name, func() (io.ReadCloser, error) { return in.open(ctx) }, opts, func(e *usage.Event) error { return fn(w, e) })
				stats[w].add(st)
				if err != nil {
					fail(in.seq, err)
				}
			}
		})
	}
	seq := 0
	feedErr := feed(ctx, func(in input) bool {
		in.seq = seq
		seq++
		select {
		case next <- in:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(next)
	wg.Wait()
	var total Stats
	for _, st := range stats {
		total.add(st)
	}
	switch {
	case firstErr != nil && (feedErr == nil || !errors.Is(firstErr, context.Canceled)):
		return total, firstErr
	case feedErr != nil:
		return total, feedErr
	}
	return total, ctx.Err()
}

// ReadPath reads a file, or every file under a directory in lexical order
// (a trail's AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ tree as "aws s3
// sync" leaves it, or any tree of inputs). Hidden files and the
// CloudTrail-Digest trees are skipped; every other file must be one of the
// forms Read takes.
func ReadPath(ctx context.Context, path string, opts Options, fn func(*usage.Event) error) (Stats, error) {
	files, err := Files(ctx, path)
	if err != nil {
		return Stats{}, err
	}
	var total Stats
	reuse := new(state)
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return total, err
		}
		st, err := reuse.readFile(ctx, f, opts, fn)
		total.add(st)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (st *state) readFile(ctx context.Context, path string, opts Options, fn func(*usage.Event) error) (Stats, error) {
	if path == Demo {
		return st.read(ctx, Demo, demoReader(), opts, fn)
	}
	f, err := os.Open(path)
	if err != nil {
		return Stats{}, fmt.Errorf("read CloudTrail events: %w", err)
	}
	defer func() { _ = f.Close() }()
	return st.read(ctx, path, f, opts, fn)
}

// readOpened reads the input open returns, named name, and closes it.
func (st *state) readOpened(ctx context.Context, name string, open func() (io.ReadCloser, error), opts Options, fn func(*usage.Event) error) (Stats, error) {
	r, err := open()
	if err != nil {
		return Stats{}, err
	}
	defer func() { _ = r.Close() }()
	return st.read(ctx, name, r, opts, fn)
}
