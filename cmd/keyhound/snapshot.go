package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// loadGraph loads a snapshot file and builds its access graph. Load errors
// do not stop it: they become the graph's issues, counted on stderr.
func loadGraph(path string, stderr io.Writer) (*graph.Graph, error) {
	if path == "" {
		return nil, errors.New("--snapshot FILE is required")
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open snapshot: %w", err)
	}
	defer f.Close()
	s, loadErrs, err := snapshot.Load(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	g := graph.Build(s, loadErrs)
	if n := len(g.Issues); n > 0 {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %d parts of the snapshot could not be read or parsed; answers that depend on them say so\n", path, n)
	}
	return g, nil
}
