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
	return readEach(ctx, files, func(_ context.Context, i int) (io.ReadCloser, error) {
		if files[i] == Demo {
			return io.NopCloser(demoReader()), nil
		}
		f, err := os.Open(files[i])
		if err != nil {
			return nil, fmt.Errorf("read CloudTrail events: %w", err)
		}
		return f, nil
	}, opts, workers, fn)
}

// readEach reads inputs names[i], opened by open(ctx, i), on workers
// goroutines as ReadConcurrent says: the pool of the local and the S3
// readers.
func readEach(ctx context.Context, names []string, open func(context.Context, int) (io.ReadCloser, error), opts Options, workers int, fn func(worker int, e *usage.Event) error) (Stats, error) {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, len(names)))
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make([]error, len(names))
	stats := make([]Stats, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			reuse := new(state)
			for i := range next {
				st, err := reuse.readOpened(ctx, names[i], func() (io.ReadCloser, error) { return open(ctx, i) }, opts, func(e *usage.Event) error { return fn(w, e) })
				stats[w].add(st)
				if err != nil {
					errs[i] = err
					cancel()
				}
			}
		})
	}
feed:
	for i := range names {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	var total Stats
	for _, st := range stats {
		total.add(st)
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return total, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return total, err
		}
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
