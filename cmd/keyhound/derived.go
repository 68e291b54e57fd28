package main

import (
	"encoding/json"

	"github.com/keyhound/keyhound/graph"
)

// The graph cache keeps, beside a snapshot, the issues its graph's Build
// found (graphcache.Options.Derive): from a cache hit, Build takes them as
// they are instead of parsing every resource's policy to find them
// (graph.BuildOptions). Only the keyhound build that wrote a cache file
// reads it, so the encoding needs no version of its own; the file's
// checksums cover it.

// encodeIssues encodes a graph's issues for the cache.
func encodeIssues(issues []graph.Issue) ([]byte, error) {
	if issues == nil {
		issues = []graph.Issue{} // none, not "not known"
	}
	return json.Marshal(issues)
}

// decodeIssues decodes what encodeIssues wrote; ok is false when there is
// nothing, or nothing sound: the graph is then built whole.
func decodeIssues(b []byte) (issues []graph.Issue, ok bool) {
	if b == nil {
		return nil, false
	}
	if err := json.Unmarshal(b, &issues); err != nil || issues == nil {
		return nil, false
	}
	return issues, true
}
