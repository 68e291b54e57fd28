package ui

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The status line counts the snapshot's collection errors: a partial scan
// never reads as a complete one.
func TestStatusLineCountsCollectionErrors(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	if got := sourceSummary(New(graph.Build(s, errs), s, "demo").c); strings.Contains(got, "collection error") {
		t.Errorf("a complete snapshot: %q", got)
	}
	s.Organization.Errors = append(s.Organization.Errors, snapshot.CollectionError{Service: "organizations", Operation: "ListPolicies", Resource: snapshot.PolicyTypeSCP, Code: "AccessDeniedException"})
	for _, a := range s.Accounts {
		a.Errors = append(a.Errors, snapshot.CollectionError{Service: "kms", Region: "us-east-1", Operation: "ListGrants", Code: "AccessDeniedException"})
		break
	}
	m := New(graph.Build(s, errs), s, "partial.json")
	if got := sourceSummary(m.c); !strings.Contains(got, "? 2 collection errors") {
		t.Errorf("status line %q lacks the count", got)
	}
}
