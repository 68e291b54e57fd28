package graph_test

import (
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// WhoCanPrincipals answers as WhoCan does, each answer with its principal
// of the snapshot: the one its ARN names, nil for others.
func TestWhoCanPrincipals(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g := graph.Build(s, errs)
	var some, none int
	for _, k := range g.Keys() {
		want, err := g.WhoCan("kms:Decrypt", k.ARN, "", 3)
		if err != nil {
			t.Fatal(err)
		}
		who, ps, err := g.WhoCanPrincipals("kms:Decrypt", k.ARN, "", 3)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(who, want) || len(ps) != len(who) {
			t.Fatalf("%s: WhoCanPrincipals %d answers (%d principals), WhoCan %d", k.ARN, len(who), len(ps), len(want))
		}
		for i, w := range who {
			if p := g.Principal(w.Principal); ps[i] != p {
				t.Errorf("%s: answer %s: principal %v, want %v", k.ARN, w.Principal, ps[i], p)
			} else if p != nil {
				some++
			} else {
				none++
			}
		}
	}
	if some == 0 || none == 0 {
		t.Errorf("%d answers of the snapshot's principals, %d others: the demo should have both", some, none)
	}
}
