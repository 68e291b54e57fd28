package export

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
)

// With Escalation, the export adds a can-escalate-to edge per escalation
// path escalation.Paths finds for each key (its steps, in JSON and in a
// line, labelled in DOT and Mermaid), valid against the schema; without
// it, none.
func TestEscalationEdges(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 6, Regions: 1, RolesPerAccount: 20, KeysPerRegion: 4, ResourcesPerKey: 1, Seed: 2, EscalationShare: 0.2}), nil)
	schema := compile(t, filepath.Join("..", "..", "docs", "graph.schema.json"))
	data := export(t, g, Options{Escalation: true}, NewJSON)
	validate(t, schema, data)
	// Steps' reasons are for reading (eval.Reason is encoded only): the
	// edges are decoded without them.
	var doc struct {
		Nodes []Node    `json:"nodes"`
		Edges []escEdge `json:"edges"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	ids := map[string]bool{}
	for _, n := range doc.Nodes {
		ids[n.ID] = true
	}
	got := map[string][]escEdge{}
	for _, e := range doc.Edges {
		if e.Kind == EdgeCanEscalate {
			got[e.To] = append(got[e.To], e)
			if !ids[e.From] || !ids[e.To] {
				t.Errorf("escalation edge %s → %s: an end is not a node", e.From, e.To)
			}
		}
	}
	n := 0
	for _, k := range g.Keys() {
		paths, err := escalation.Paths(g, k.ARN, escalation.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got[k.ARN]) != len(paths) {
			t.Errorf("%s: %d escalation edges, %d paths", k.ARN, len(got[k.ARN]), len(paths))
			continue
		}
		for i, p := range paths {
			e := got[k.ARN][i]
			if e.From != p.Principal || e.Decision != p.Decision || e.Action != "kms:Decrypt" || len(e.Steps) != len(p.Steps) || e.Attrs["steps"] != stepsText(p.Steps) {
				t.Errorf("%s edge %d: %+v, path %+v", k.ARN, i, e, p)
			}
			for j := range p.Steps {
				if e.Steps[j].Principal != p.Steps[j].Principal || e.Steps[j].Target != p.Steps[j].Target || e.Steps[j].Action != p.Steps[j].Action || e.Steps[j].Kind != p.Steps[j].Kind {
					t.Errorf("%s edge %d step %d: %+v, want %+v", k.ARN, i, j, e.Steps[j], p.Steps[j])
				}
			}
			if !strings.HasSuffix(e.Attrs["steps"], "→ Decrypt") {
				t.Errorf("steps line %q does not end with the decrypt", e.Attrs["steps"])
			}
		}
		n += len(paths)
	}
	if n == 0 {
		t.Fatal("no escalation paths in the organization: the test proves nothing")
	}
	if plain := export(t, g, Options{}, NewJSON); bytes.Contains(plain, []byte(EdgeCanEscalate)) {
		t.Error("an export without Escalation has escalation edges")
	}
	dot := string(export(t, g, Options{Escalation: true}, NewDOT))
	mermaid := string(export(t, g, Options{Escalation: true}, NewMermaid))
	for name, out := range map[string]string{"DOT": dot, "Mermaid": mermaid} {
		if !strings.Contains(out, "can gain Decrypt: ") {
			t.Errorf("%s: no escalation edge labelled \"can gain Decrypt: …\"", name)
		}
	}
	if cy := string(export(t, g, Options{Escalation: true}, NewCypher)); !strings.Contains(cy, "CAN_ESCALATE_TO") {
		t.Error("Cypher: no CAN_ESCALATE_TO relationship")
	}
}

type escEdge struct {
	From     string       `json:"from"`
	To       string       `json:"to"`
	Kind     string       `json:"kind"`
	Action   string       `json:"action"`
	Decision eval.Verdict `json:"decision"`
	Steps    []struct {
		Principal, Action, Kind, Target string
	} `json:"steps"`
	Attrs map[string]string `json:"attrs"`
}
