package export

import (
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestUsageOnAccessEdges: with Options.Usage, every can-use-key and
// can-read edge says how often it was used and when last (can-read: the
// resource's key, any action); other edges say nothing; the export stays
// valid against the schema. Without it, no edge has uses.
func TestUsageOnAccessEdges(t *testing.T) {
	g := graphs(t)["demo"]
	const (
		dilip   = "arn:aws:iam::222222222222:user/dilip"
		reports = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
		bucket  = "arn:aws:s3:::kh-demo-reports"
	)
	last := time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)
	o := Options{Usage: map[UseKey]EdgeUse{
		{Principal: dilip, Key: reports, Action: "kms:Decrypt"}: {Count: 2, Last: last},
		{Principal: dilip, Key: reports}:                        {Count: 3, Last: last},
	}}
	schema := compile(t, filepath.Join("..", "..", "docs", "graph.schema.json"))
	for _, workers := range []int{1, 3} {
		o.Workers = workers
		data := export(t, g, o, NewJSON)
		validate(t, schema, data)
		var doc struct {
			Edges []Edge `json:"edges"`
		}
		if err := json.Unmarshal(data, &doc); err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, e := range doc.Edges {
			access := e.Kind == EdgeCanUseKey || e.Kind == EdgeCanRead
			if access != (e.Uses != nil) {
				t.Errorf("%s %s → %s: uses %v", e.Kind, e.From, e.To, e.Uses)
				continue
			}
			if !access {
				continue
			}
			want, wantLast := 0, ""
			switch {
			case e.From == dilip && e.To == reports && e.Kind == EdgeCanUseKey:
				want, wantLast = 2, "2026-11-20T09:30:00Z"
			case e.From == dilip && e.To == bucket:
				want, wantLast = 3, "2026-11-20T09:30:00Z"
			}
			if want > 0 {
				seen[e.Kind] = true
			}
			if *e.Uses != want || e.LastUsed != wantLast {
				t.Errorf("%s %s → %s: uses %d last %q, want %d %q", e.Kind, e.From, e.To, *e.Uses, e.LastUsed, want, wantLast)
			}
		}
		if !seen[EdgeCanUseKey] || !seen[EdgeCanRead] {
			t.Errorf("dilip's edges not found: %v", seen)
		}
	}

	data := export(t, g, Options{}, NewJSON)
	var doc struct {
		Edges []Edge `json:"edges"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	for _, e := range doc.Edges {
		if e.Uses != nil || e.LastUsed != "" {
			t.Fatalf("usage without Options.Usage: %+v", e)
		}
	}
}

// TestUsageInEveryFormat: GraphML, Cypher, neo4j CSV and DOT carry an
// access edge's uses and last use as JSON does (export --cloudtrail), and
// none of them has either without usage.
func TestUsageInEveryFormat(t *testing.T) {
	g := graphs(t)["demo"]
	const (
		dilip   = "arn:aws:iam::222222222222:user/dilip"
		reports = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
	)
	o := Options{Usage: map[UseKey]EdgeUse{
		{Principal: dilip, Key: reports, Action: "kms:Decrypt"}: {Count: 7, Last: time.Date(2026, 11, 20, 9, 30, 0, 0, time.UTC)},
	}}
	for name, tc := range map[string]struct {
		newW func(io.Writer) Writer
		want []string
	}{
		"graphml":   {NewGraphML, []string{`<key id="uses" for="edge" attr.name="uses" attr.type="int"/>`, `<data key="uses">7</data><data key="last_used">2026-11-20T09:30:00Z</data>`}},
		"cypher":    {NewCypher, []string{`r.uses = toInteger(row.uses)`, `uses: "7", last_used: "2026-11-20T09:30:00Z"`}},
		"neo4j-csv": {func(w io.Writer) Writer { return NewNeo4jCSV(io.Discard, w) }, []string{`uses:int,last_used`, `,7,2026-11-20T09:30:00Z`}},
		"dot":       {NewDOT, []string{`uses=7, last_used="2026-11-20T09:30:00Z"`}},
	} {
		with := string(export(t, g, o, tc.newW))
		for _, w := range tc.want {
			if !strings.Contains(with, w) {
				t.Errorf("%s lacks %q", name, w)
			}
		}
		without := string(export(t, g, Options{}, tc.newW))
		if strings.Contains(without, "2026-11-20T09:30:00Z") || strings.Contains(without, "uses=") || strings.Contains(without, `<data key="uses">`) {
			t.Errorf("%s has usage without Options.Usage", name)
		}
	}
}
