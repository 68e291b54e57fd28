package ui

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/escalation"
)

// countRule counts the model's findings of a rule.
func countRule(m *Model, rule string) int {
	n := 0
	if m.findings == nil {
		return -1
	}
	for _, f := range m.findings.all {
		if f.Rule == rule {
			n++
		}
	}
	return n
}

// With WithEscalation (tui --escalation) the findings arrive twice:
// without, then with the escalation findings; a late answer without them,
// or one about another graph, does not replace them.
func TestFindingsWithEscalation(t *testing.T) {
	d := newDriver(t, 120, 40, WithEscalation())
	if got := countRule(d.m, escalation.RuleWritableDecrypter); got != 3 {
		t.Fatalf("escalation findings on the demo: %d, want 3", got)
	}
	if !d.m.findings.escalation {
		t.Fatal("the findings shown are not the ones with escalation")
	}
	base := findingsOf(d.m.c.Graph, d.m.c.Graph.Findings, false)()
	d.send(base)
	if got := countRule(d.m, escalation.RuleWritableDecrypter); got != 3 {
		t.Errorf("a late answer without escalation replaced the findings: %d escalation findings", got)
	}
	other := demoGraph(t)
	d.send(findingsOf(other, other.Findings, false)())
	if d.m.findings.g != d.m.c.Graph {
		t.Error("findings of another graph were taken")
	}
	// The Findings list shows them.
	d.keys("4")
	if v := d.screen(); !strings.Contains(v, "Role that can decrypt is writable") || !strings.Contains(v, "role/DataEngineer") {
		t.Errorf("the Findings list lacks the escalation findings:\n%s", v)
	}
}

// Without WithEscalation the escalation findings are not computed: a search
// per key is minutes of CPU on a 1,000-account organization, too much to
// spend behind every TUI opened.
func TestFindingsWithoutEscalationByDefault(t *testing.T) {
	d := newDriver(t, 120, 40)
	if d.m.findings == nil || d.m.findings.escalation {
		t.Fatalf("findings = %+v, want them without escalation", d.m.findings)
	}
	if got := countRule(d.m, escalation.RuleWritableDecrypter); got != 0 {
		t.Errorf("%d escalation findings without WithEscalation", got)
	}
}
