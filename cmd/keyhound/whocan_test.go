package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// who-can's text is made while the data under the key is found: whatever
// the answer, nothing is written when finding the data fails, and the
// table comes before the data, as when the data was found first.
func TestWriteWhoWithDataWaitsForTheData(t *testing.T) {
	who := []graph.Who{{Principal: "arn:aws:iam::111111111111:role/a", Kind: "role", Decision: eval.Allow}}
	reader := []graph.ResourceAccess{{Resource: "arn:aws:s3:::b", Type: "s3:bucket", Action: "s3:GetObject", Principals: who}}
	failed := errors.New("no read path")
	for _, tc := range []struct {
		name      string
		who       []graph.Who
		esc       []string
		data      []graph.ResourceAccess
		err       error
		want      []string // in this order
		wantEmpty bool
	}{
		{name: "who and data", who: who, data: reader, want: []string{"ALLOW", "role/a", "the data under the key", "s3:GetObject on arn:aws:s3:::b"}},
		{name: "who, no data", who: who, want: []string{"role/a"}},
		{name: "nobody, data", data: reader, want: []string{"nobody can use the key itself", "s3:GetObject on arn:aws:s3:::b"}},
		{name: "nobody, no readers", data: []graph.ResourceAccess{{Resource: "arn:aws:s3:::b", Action: "s3:GetObject"}}, want: []string{"nobody\n", "  nobody"}},
		{name: "escalation only", esc: []string{"can gain access\tX"}, want: []string{"can gain access"}},
		{name: "who, data failed", who: who, err: failed, wantEmpty: true},
		{name: "nobody, data failed", err: failed, wantEmpty: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := writeWhoWithData(&out, tc.who, tc.esc, func() ([]graph.ResourceAccess, error) { return tc.data, tc.err })
			if !errors.Is(err, tc.err) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			got := out.String()
			if tc.wantEmpty {
				if got != "" {
					t.Fatalf("wrote %q though the data failed", got)
				}
				return
			}
			at := 0
			for _, w := range tc.want {
				i := strings.Index(got[at:], w)
				if i < 0 {
					t.Fatalf("%q not found (in order) in:\n%s", w, got)
				}
				at += i + len(w)
			}
		})
	}
}
