package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
)

// loadGraph loads a snapshot file and builds its access graph. Load errors
// do not stop it: they become the graph's issues, counted on stderr.
// The name @demo stands for the built-in demo organization.
func loadGraph(path string, stderr io.Writer) (*graph.Graph, error) {
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
	}
	s, loadErrs, err := snapshot.Load(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g := graph.Build(s, loadErrs)
	if n := len(g.Issues); n > 0 {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %s (parts that could not be read or parsed, or that contradict each other); answers that depend on them say so\n", path, plural.Form(n, "snapshot issue", "snapshot issues"))
	}
	return g, nil
}

// demoName is the --snapshot value for the built-in demo organization.
const demoName = "@demo"
