package graph

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// graphScenario is a single-request scenario of the shared corpus turned into
// a snapshot (AWS API shapes) and a query: the same verdicts must come out of
// the access graph as out of the evaluator fed by hand.
type graphScenario struct {
	ID               string          `json:"id"`
	Title            string          `json:"title"`
	Expected         string          `json:"expected"`
	ExpectedDeniedBy []string        `json:"expected_denied_by"`
	ConditionalOn    []string        `json:"conditional_on"`
	ExpectedPath     []string        `json:"expected_path"`
	Snapshot         json.RawMessage `json:"snapshot"`
	Query            struct {
		Principal         string              `json:"principal"`
		Action            string              `json:"action"`
		Resource          string              `json:"resource"`
		Context           map[string][]string `json:"context"`
		EncryptionContext map[string]string   `json:"encryption_context"`
	} `json:"query"`
}

func TestScenariosThroughSnapshots(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 30 {
		t.Fatalf("%d scenario snapshots, want the 30-odd single-request ones", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s graphScenario
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		t.Run(s.ID, func(t *testing.T) {
			snap, loadErrs, err := snapshot.Decode(s.Snapshot)
			if err != nil || len(loadErrs) > 0 {
				t.Fatalf("load: %v %v", err, loadErrs)
			}
			g := Build(snap, loadErrs)
			if len(g.Issues) > 0 {
				t.Fatalf("issues: %v", g.Issues)
			}
			a, err := g.Can(Query{
				Principal: s.Query.Principal, Action: s.Query.Action, Resource: s.Query.Resource,
				Context: s.Query.Context, EncryptionContext: s.Query.EncryptionContext,
			})
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			d := &eval.Decision{Verdict: a.Decision, DeniedBy: a.DeniedBy, Reasons: a.Reasons, Conditions: a.Conditions}
			_ = eval.WriteText(&text, a.Request, d)
			if a.Decision.String() != s.Expected {
				t.Fatalf("%s: %s, want %s\n%s", s.Title, a.Decision, s.Expected, text.String())
			}
			for _, l := range s.ExpectedDeniedBy {
				layer, _ := eval.ParseLayer(l)
				if !d.DeniedByLayer(layer) {
					t.Errorf("denied_by lacks %s\n%s", l, text.String())
				}
			}
			if s.ExpectedPath != nil {
				if a.DirectDecision != eval.Deny {
					t.Errorf("direct decision %s: the scenario's access is only through its role chain", a.DirectDecision)
				}
				if !slices.ContainsFunc(a.Paths, func(p Path) bool { return slices.Equal(p.Via, s.ExpectedPath) }) {
					t.Errorf("paths %+v lack the chain %v", a.Paths, s.ExpectedPath)
				}
			}
			for _, k := range s.ConditionalOn {
				if !slices.ContainsFunc(a.Conditions, func(r eval.Residual) bool { return strings.EqualFold(r.Key, k) }) {
					t.Errorf("conditions lack %s", k)
				}
			}
		})
	}
}
