package graph_test

import (
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A Decider reuses its storage from one query to the next: its decisions
// must be Can's (no role chains) all the same, asked in turn on every
// principal of the demo for each key and each role.
func TestDeciderMatchesCan(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := graph.Build(s, errs)
	d := g.Decider()
	var queries []graph.Query
	for _, p := range g.Principals() {
		for _, k := range g.Keys() {
			queries = append(queries, graph.Query{Principal: p.ARN, Action: "kms:Decrypt", Resource: k.ARN})
		}
		for _, r := range g.Principals() {
			queries = append(queries, graph.Query{Principal: p.ARN, Action: "sts:AssumeRole", Resource: r.ARN}, graph.Query{Principal: p.ARN, Action: "iam:PutRolePolicy", Resource: r.ARN})
		}
	}
	differ := 0
	seen := map[eval.Verdict]int{}
	for _, q := range queries {
		q.ChainDepth = -1
		want, wantErr := g.Can(q)
		got, gotErr := d.Decide(q)
		if (wantErr != nil) != (gotErr != nil) {
			t.Fatalf("%+v: Can's error %v, Decide's %v", q, wantErr, gotErr)
		}
		if wantErr != nil {
			continue
		}
		seen[got.Verdict]++
		if got.Verdict != want.Decision || !sameReasons(got.Reasons, want.Reasons) || !reflect.DeepEqual(nilIfEmpty(got.Conditions), nilIfEmpty(want.Conditions)) {
			differ++
			if differ < 5 {
				t.Errorf("%s %s %s: Decide %s %+v, Can %s %+v", q.Principal, q.Action, q.Resource, got.Verdict, got.Reasons, want.Decision, want.Reasons)
			}
		}
	}
	if seen[eval.Allow] == 0 || seen[eval.Deny] == 0 {
		t.Errorf("verdicts %v: the demo should give both ALLOW and DENY", seen)
	}
}

func sameReasons(a, b []eval.Reason) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if len(x.Conditions) == 0 && len(y.Conditions) == 0 {
			x.Conditions, y.Conditions = nil, nil
		}
		if !reflect.DeepEqual(x, y) {
			return false
		}
	}
	return true
}

func nilIfEmpty(rs []eval.Residual) []eval.Residual {
	if len(rs) == 0 {
		return nil
	}
	return rs
}
