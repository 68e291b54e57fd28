package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/ui"
)

// loadGraph loads a snapshot file and builds its access graph. Load errors
// do not stop it: they become the graph's issues, counted on stderr.
// The name @demo stands for the built-in demo organization.
func loadGraph(path string, stderr io.Writer) (*graph.Graph, error) {
	g, err := readGraph(context.Background(), path, nil)
	if err != nil {
		return nil, err
	}
	if n := len(g.Issues); n > 0 {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %s (parts that could not be read or parsed, or that contradict each other); answers that depend on them say so\n", path, plural.Form(n, "snapshot issue", "snapshot issues"))
	}
	return g, nil
}

// readGraph loads a snapshot file and builds its access graph, telling
// progress (when not nil) what it is doing: reading the file (bytes of its
// size), decoding its accounts, building the graph. The TUI shows it while
// a large organization opens.
func readGraph(ctx context.Context, path string, progress func(ui.LoadProgress)) (*graph.Graph, error) {
	report := func(p ui.LoadProgress) {
		if progress != nil {
			progress(p)
		}
	}
	var r io.Reader
	switch path {
	case "":
		return nil, errors.New("--snapshot FILE is required (try --snapshot @demo, the built-in demo organization)")
	case demoName:
		r = bytes.NewReader(demo.Snapshot())
	default:
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("open snapshot: %w", err)
		}
		defer func() { _ = f.Close() }()
		r = f
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
			r = &readProgress{ctx: ctx, r: f, p: ui.LoadProgress{Stage: "reading " + filepath.Base(path), Total: fi.Size(), Unit: "bytes"}, report: report}
		}
	}
	s, loadErrs, err := snapshot.LoadReporting(r, func(done, total int) {
		report(ui.LoadProgress{Stage: "decoding accounts", Done: int64(done), Total: int64(total), Unit: "accounts"})
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	report(ui.LoadProgress{Stage: "building the access graph"})
	return graph.Build(s, loadErrs), nil
}

// readProgress counts the bytes read from a file for readGraph's progress,
// and stops reading once ctx is done (the user quit the loading TUI).
type readProgress struct {
	ctx    context.Context
	r      io.Reader
	p      ui.LoadProgress
	report func(ui.LoadProgress)
}

func (r *readProgress) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.r.Read(b)
	r.p.Done += int64(n)
	r.report(r.p)
	if errors.Is(err, io.EOF) {
		// Read whole: what comes before the first account is decoded
		// is parsing the document's JSON.
		r.report(ui.LoadProgress{Stage: "parsing the JSON"})
	}
	return n, err
}

// demoName is the --snapshot value for the built-in demo organization.
const demoName = "@demo"
