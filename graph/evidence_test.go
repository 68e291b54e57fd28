package graph

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func TestEvidenceText(t *testing.T) {
	for _, tc := range []struct {
		e    Evidence
		want string
	}{
		{Evidence{Statement: -1, Detail: "KeyRotationEnabled is false"}, "KeyRotationEnabled is false"},
		{Evidence{Policy: "key policy", Statement: 0, Detail: "open"}, "key policy statement 0: open"},
		{Evidence{Policy: "key policy", Statement: 2, Sid: "Ext"}, `key policy statement 2 "Ext"`},
		{Evidence{Statement: -1, Grant: "g-1"}, "grant g-1"},
		// A name, not the snapshot path.
		{Evidence{Statement: -1, Ref: `accounts["1"].regions["us-east-1"].s3.Buckets[1]`, Name: "s3:bucket b", Detail: "shared"}, "s3:bucket b: shared"},
		{Evidence{Statement: -1, Ref: "arn:aws:kms:us-east-1:1:key/k"}, "arn:aws:kms:us-east-1:1:key/k"},
	} {
		if got := tc.e.Text(); got != tc.want {
			t.Errorf("%+v: Text() = %q, want %q", tc.e, got, tc.want)
		}
	}
}

// Every finding of the demo names what its evidence points at, and says
// what to change.
func TestFindingsNameEvidenceAndRemedy(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	g := Build(s, nil)
	for _, f := range g.Findings() {
		if f.Remedy == "" {
			t.Errorf("%s on %s: no remedy", f.Rule, f.Resource)
		}
		for _, e := range f.Evidence {
			if strings.Contains(e.Text(), "accounts[") {
				t.Errorf("%s on %s: evidence by snapshot path: %q", f.Rule, f.Resource, e.Text())
			}
			if strings.HasPrefix(e.Ref, "accounts[") && (e.Resource == "" || e.Name == "") {
				t.Errorf("%s on %s: path %s without resource and name", f.Rule, f.Resource, e.Ref)
			}
		}
	}
}
