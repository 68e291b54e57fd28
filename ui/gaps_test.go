package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

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

// A resource whose policy the scan could not read says so in its screen.
func TestResourceScreenNamesItsGap(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "graph", "testdata", "gaps.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, errs, err := snapshot.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	m := New(graph.Build(s, errs), s, "gaps.json")
	var res *graph.Resource
	for _, r := range m.c.Graph.Resources() {
		if r.ARN == "arn:aws:s3:::policy-unreadable" {
			res = r
		}
	}
	if res == nil {
		t.Fatal("bucket not in the graph")
	}
	sc := newResourceScreen(m.c, res)
	sc.SetSize(200, 20)
	if v := ansi.Strip(sc.View()); !strings.Contains(v, "? the resource policy of arn:aws:s3:::policy-unreadable was not collected (s3 GetBucketPolicy failed: AccessDenied") {
		t.Errorf("resource screen does not name the gap:\n%s", v)
	}
}
