package eval

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// scenario is a fixture of testdata/scenarios: one request from keyhound's
// authorization scenario corpus with the verdict AWS's documentation gives.
type scenario struct {
	ID               string          `json:"id"`
	Title            string          `json:"title"`
	Source           string          `json:"source"`
	Uncertain        bool            `json:"uncertain"`
	Note             string          `json:"note"`
	Expected         string          `json:"expected"`
	ExpectedReason   string          `json:"expected_reason"`
	ExpectedDeniedBy []string        `json:"expected_denied_by"`
	ConditionalOn    []string        `json:"conditional_on"`
	Request          json.RawMessage `json:"request"`
}

func loadScenarios(t testing.TB) []scenario {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "scenarios", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var out []scenario
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var s scenario
		if err := json.Unmarshal(data, &s); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, s)
	}
	return out
}

// TestScenarios runs every single-request scenario: the verdict must match,
// a DENY must name the scenario's deciding layer among its denying layers,
// and a CONDITIONAL must name the condition keys it depends on.
func TestScenarios(t *testing.T) {
	scenarios := loadScenarios(t)
	if len(scenarios) < 30 {
		t.Fatalf("%d scenario fixtures in testdata/scenarios, want the 30-odd single-request ones", len(scenarios))
	}
	for _, s := range scenarios {
		t.Run(s.ID, func(t *testing.T) {
			req, err := ParseRequest(s.Request)
			if err != nil {
				t.Fatalf("parse request: %v", err)
			}
			d, err := Evaluate(req)
			if err != nil {
				t.Fatal(err)
			}
			var text strings.Builder
			_ = WriteText(&text, req, d)
			if d.Verdict.String() != s.Expected {
				t.Fatalf("%s: verdict %s, want %s (%s)\n%s", s.Title, d.Verdict, s.Expected, s.ExpectedReason, text.String())
			}
			for _, l := range s.ExpectedDeniedBy {
				layer, ok := ParseLayer(l)
				if !ok {
					t.Fatalf("fixture names unknown layer %q", l)
				}
				if !d.DeniedByLayer(layer) {
					t.Errorf("%s: denied_by lacks %s\n%s", s.Title, l, text.String())
				}
			}
			if d.Verdict == Allow && len(d.DeniedBy) != 0 {
				t.Errorf("ALLOW with denied_by %v", d.DeniedBy)
			}
			for _, k := range s.ConditionalOn {
				found := slices.ContainsFunc(d.Conditions, func(r Residual) bool { return strings.EqualFold(r.Key, k) })
				if !found {
					t.Errorf("conditions lack %s: %+v", k, d.Conditions)
				}
			}
		})
	}
}
