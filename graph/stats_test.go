package graph

import (
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// TestCountsIsStatsWithoutFindings: the TUI's status line counts with
// Counts, which must not compute the findings (seconds on a large
// organization) and must agree with Stats on everything else.
func TestCountsIsStatsWithoutFindings(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := Build(s, errs)
	c, st := g.Counts(), g.Stats()
	if c.Findings != nil {
		t.Errorf("Counts has findings: %v", c.Findings)
	}
	if len(st.Findings) == 0 {
		t.Fatal("the demo has no findings: this test checks nothing")
	}
	st.Findings = nil
	if !reflect.DeepEqual(c, st) {
		t.Errorf("Counts = %+v\nStats  = %+v", c, st)
	}
	if c.Keys == 0 || c.Accounts == 0 {
		t.Errorf("Counts = %+v", c)
	}
}
