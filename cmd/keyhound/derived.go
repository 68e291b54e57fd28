package main

import (
	"encoding/json"

	"github.com/keyhound/keyhound/graph"
)

// The graph cache keeps, beside a snapshot, what its graph's Build found
// (graphcache.Options.Derive): the issues, which a cache hit's Build takes
// as they are instead of parsing every resource's policy to find them, and
// the resource index, which tells a question about one key the Regions of
// the resources under it (graph.BuildOptions). Only the keyhound build that
// wrote a cache file reads it, so the encoding needs no version of its
// own; the file's checksums cover it.

// derived is what the cache keeps of a graph.
type derived struct {
	Issues []graph.Issue `json:"issues"`
	// ResourceIndex is graph.ResourceIndex's (base64 in JSON); nil when
	// the graph has none.
	ResourceIndex []byte `json:"resource_index,omitempty"`
}

// encodeDerived encodes what the cache keeps of a graph built whole.
func encodeDerived(g *graph.Graph) ([]byte, error) {
	d := derived{Issues: g.Issues, ResourceIndex: g.ResourceIndex()}
	if d.Issues == nil {
		d.Issues = []graph.Issue{} // none, not "not known"
	}
	return json.Marshal(d)
}

// decodeDerived decodes what encodeDerived wrote; ok is false when there
// is nothing, or nothing sound: the graph is then built whole.
func decodeDerived(b []byte) (d derived, ok bool) {
	if b == nil {
		return derived{}, false
	}
	if err := json.Unmarshal(b, &d); err != nil || d.Issues == nil {
		return derived{}, false
	}
	return d, true
}
