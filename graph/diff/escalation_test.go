package diff

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
)

const reportsReader = "arn:aws:iam::111111111111:role/ReportsReader"

// putKeyPolicy lets ReportsReader, which cannot decrypt the secrets key,
// replace its policy: a new escalation path.
const putKeyPolicy = `{"Sid":"ReaderAdmin","Effect":"Allow","Principal":{"AWS":"` + reportsReader + `"},"Action":"kms:PutKeyPolicy","Resource":"*"}`

func escalations(t *testing.T, old, cur *graph.Graph) *Report {
	t.Helper()
	r, err := Compare(context.Background(), old, cur, Options{Escalation: true})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func dump(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// A key-policy statement that lets a principal rewrite the policy is a new
// escalation path, with its steps and who-can's wording; the other way
// round it is removed. The demo's own paths (Deployer's) are in both and
// not reported.
func TestNewEscalationPathAndItsRemoval(t *testing.T) {
	old := graph.Build(load(t), nil)
	s := load(t)
	addKeyStatement(t, s, secretsKey, putKeyPolicy)
	cur := graph.Build(s, nil)

	r := escalations(t, old, cur)
	if len(r.Escalations) != 1 {
		t.Fatalf("%d escalation changes, want 1:\n%s", len(r.Escalations), dump(r.Escalations))
	}
	c := r.Escalations[0]
	if c.Change != NewEscalation || c.Principal != reportsReader || c.Key != secretsKey || c.KeyAccount != "111111111111" ||
		c.Action != "kms:Decrypt" || c.New != "ALLOW" || c.Old != "" || c.External || !c.Wider() {
		t.Fatalf("change %s", dump(c))
	}
	if len(c.Steps) != 2 || c.Steps[0].Action != "kms:PutKeyPolicy" || c.Steps[0].Principal != reportsReader || c.Steps[0].Target != secretsKey ||
		c.Steps[1].Action != "kms:Decrypt" || len(c.Steps[0].Reasons) == 0 {
		t.Fatalf("steps %s", dump(c.Steps))
	}
	if c.Text != "PutKeyPolicy on the key, then Decrypt" {
		t.Errorf("text %q", c.Text)
	}
	if s := r.Summary.Escalation; s == nil || *s != (EscalationSummary{New: 1, Wider: 1}) {
		t.Errorf("summary %+v", s)
	}
	// Rewriting a key policy is not access: no access change.
	if len(r.Changes) != 0 {
		t.Errorf("access changes %s", dump(r.Changes))
	}

	back := escalations(t, cur, old)
	if len(back.Escalations) != 1 || back.Escalations[0].Change != RemovedEscalation || back.Escalations[0].Old != "ALLOW" ||
		back.Escalations[0].New != "" || len(back.Escalations[0].Steps) != 2 || back.Escalations[0].Wider() {
		t.Fatalf("reverse: %s", dump(back.Escalations))
	}
	if s := back.Summary.Escalation; *s != (EscalationSummary{Removed: 1}) {
		t.Errorf("reverse summary %+v", s)
	}
}

// A principal that loses its access but may still give it back to itself
// is access-to-escalation, not a new path; the other way round,
// escalation-to-access. Neither is wider: the access changes say what
// changed.
func TestAccessBecomingEscalation(t *testing.T) {
	a := load(t)
	addKeyStatement(t, a, secretsKey, `{"Sid":"ReaderDecrypts","Effect":"Allow","Principal":{"AWS":"`+reportsReader+`"},"Action":"kms:Decrypt","Resource":"*"}`)
	addKeyStatement(t, a, secretsKey, putKeyPolicy)
	b := load(t)
	addKeyStatement(t, b, secretsKey, putKeyPolicy)
	ga, gb := graph.Build(a, nil), graph.Build(b, nil)

	r := escalations(t, ga, gb)
	if len(r.Escalations) != 1 || r.Escalations[0].Change != AccessToEscalation || r.Escalations[0].Old != "ALLOW" || r.Escalations[0].New != "ALLOW" || r.Escalations[0].Wider() {
		t.Fatalf("escalations %s", dump(r.Escalations))
	}
	if r.Summary.Escalation.New != 0 || r.Summary.Escalation.AccessToEscalation != 1 || r.Summary.RemovedAccess != 1 {
		t.Errorf("summary %+v %+v", r.Summary, r.Summary.Escalation)
	}
	back := escalations(t, gb, ga)
	if len(back.Escalations) != 1 || back.Escalations[0].Change != EscalationToAccess || back.Escalations[0].Steps[0].Action != "kms:PutKeyPolicy" {
		t.Fatalf("reverse %s", dump(back.Escalations))
	}
	if back.Summary.Escalation.Wider != 0 || back.Summary.Escalation.Removed != 0 || back.Summary.NewAccess != 1 {
		t.Errorf("reverse summary %+v %+v", back.Summary, back.Summary.Escalation)
	}
}

// Without Options.Escalation the report has no escalation fields at all
// (the JSON of earlier versions); with it, empty ones when nothing changed.
func TestEscalationFieldsOnlyWhenAsked(t *testing.T) {
	g := graph.Build(load(t), nil)
	r, err := Compare(context.Background(), g, g, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := json.Marshal(r); strings.Contains(string(b), "escalation") {
		t.Errorf("escalation fields without Options.Escalation: %s", b)
	}
	r = escalations(t, g, graph.Build(load(t), nil))
	if !r.Empty() || r.Escalations == nil || r.Summary.Escalation == nil {
		t.Fatalf("same snapshot: %s", dump(r))
	}
	if b, _ := json.Marshal(r); !strings.Contains(string(b), `"escalations":[]`) {
		t.Errorf("no empty escalations: %s", b)
	}
}

// A key removed in NEW takes its paths with it: the key's removal is
// reported, not each path.
func TestRemovedKeyRemovesNoPath(t *testing.T) {
	a := load(t)
	addKeyStatement(t, a, secretsKey, putKeyPolicy)
	b := load(t)
	reg := b.Accounts["111111111111"].Regions["us-east-1"]
	for i := range reg.KMS.Keys {
		if reg.KMS.Keys[i].KeyMetadata.Arn == secretsKey {
			reg.KMS.Keys = append(reg.KMS.Keys[:i], reg.KMS.Keys[i+1:]...)
			break
		}
	}
	r := escalations(t, graph.Build(a, nil), graph.Build(b, nil))
	if len(r.Keys) != 1 || r.Keys[0].Change != "removed" || r.Keys[0].Key != secretsKey {
		t.Fatalf("keys %+v", r.Keys)
	}
	for _, c := range r.Escalations {
		if c.Key == secretsKey {
			t.Errorf("a removed key's path: %s", dump(c))
		}
	}
	// The other way round, the new key's path is new.
	back := escalations(t, graph.Build(b, nil), graph.Build(a, nil))
	found := false
	for _, c := range back.Escalations {
		found = found || c.Key == secretsKey && c.Principal == reportsReader && c.Change == NewEscalation
	}
	if !found {
		t.Errorf("no new path on the added key: %s", dump(back.Escalations))
	}
}
