package main

import (
	"bytes"
	"errors"
	"io"
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

// whoRows writes each answer as answerNotes describes it, with the text of
// a list of conditions shared among answers made once: every demo key's
// who-can (external principals, role chains, conditions, unknowns), and
// one list shared by two answers.
func TestWhoRowsAreAnswerNotes(t *testing.T) {
	g, err := loadGraph(demoName, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	reference := func(x graph.Who, indent string) string {
		var notes []string
		if x.External {
			notes = append(notes, "external")
		}
		notes = append(notes, answerNotes(x.Paths, x.Conditions, x.Unknowns)...)
		return indent + x.Decision.String() + "\t" + x.Kind + "\t" + x.Principal + "\t" + strings.Join(notes, "; ")
	}
	var all []graph.Who
	for _, k := range g.Keys() {
		who, err := g.WhoCan("kms:Decrypt", k.ARN, "", 5)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, who...)
	}
	// The demo's decrypters have no unknown layer: one with two.
	unknown := all[0]
	unknown.Unknowns = []graph.Issue{{Message: "a"}, {Message: "b"}}
	all = append(all, unknown)
	var shared []graph.Who
	kinds := map[string]bool{}
	for _, x := range all {
		if len(x.Conditions) > 0 && len(shared) < 2 {
			shared = append(shared, x)
		}
		if x.External {
			kinds["external"] = true
		}
		if len(x.Paths) > 0 && len(x.Paths[0].Via) > 1 {
			kinds["via"] = true
		}
		if len(x.Conditions) > 0 {
			kinds["conditions"] = true
		}
		if len(x.Unknowns) > 0 {
			kinds["unknowns"] = true
		}
	}
	if len(kinds) != 4 || len(shared) != 2 {
		t.Fatalf("the demo's answers lack a kind of note: %v, %d with conditions", kinds, len(shared))
	}
	shared[1].Conditions = shared[0].Conditions // one list, two answers
	all = append(all, shared...)
	rows := whoRows(all, "  ")
	for i, x := range all {
		if want := reference(x, "  "); rows[i] != want {
			t.Errorf("row %d:\n got %q\nwant %q", i, rows[i], want)
		}
	}
}
