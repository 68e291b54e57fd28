package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// writeDemoWith writes the demo organization with statements added to the
// alias/secrets key's policy, as name in dir.
func writeDemoWith(t *testing.T, dir, name string, stmts ...map[string]any) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(demo.Snapshot(), &doc); err != nil {
		t.Fatal(err)
	}
	keys := doc["accounts"].(map[string]any)["111111111111"].(map[string]any)["regions"].(map[string]any)["us-east-1"].(map[string]any)["kms"].(map[string]any)["Keys"].([]any)
	for _, k := range keys {
		km := k.(map[string]any)
		if km["KeyMetadata"].(map[string]any)["Arn"] != "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004" {
			continue
		}
		var pol map[string]any
		if err := json.Unmarshal([]byte(km["Policy"].(string)), &pol); err != nil {
			t.Fatal(err)
		}
		for _, st := range stmts {
			pol["Statement"] = append(pol["Statement"].([]any), st)
		}
		b, _ := json.Marshal(pol)
		km["Policy"] = string(b)
	}
	b, _ := json.Marshal(doc)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// readerPutKeyPolicy lets ReportsReader rewrite the secrets key's policy:
// a new escalation path ("PutKeyPolicy on the key, then Decrypt"), and no
// new access.
var readerPutKeyPolicy = map[string]any{
	"Sid": "ReaderAdmin", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/ReportsReader"},
	"Action": "kms:PutKeyPolicy", "Resource": "*",
}

// readerDecrypts lets ReportsReader decrypt with the secrets key.
var readerDecrypts = map[string]any{
	"Sid": "ReaderDecrypts", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::111111111111:role/ReportsReader"},
	"Action": "kms:Decrypt", "Resource": "*",
}

// partnerDecrypts names an account outside the organization for
// kms:Decrypt: a new high finding (external-access), though the demo's RCP
// keeps it from being access.
var partnerDecrypts = map[string]any{
	"Sid": "Partner", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::777777777777:root"},
	"Action": "kms:Decrypt", "Resource": "*",
}

// copierDecrypts is new access inside the organization.
var copierDecrypts = map[string]any{
	"Sid": "CopierDecrypts", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/SnapshotCopier"},
	"Action": "kms:Decrypt", "Resource": "*",
}

func TestDiffEscalationReport(t *testing.T) {
	dir := t.TempDir()
	old, esc := writeDemoWith(t, dir, "old.json"), writeDemoWith(t, dir, "esc.json", readerPutKeyPolicy)
	code, out, errOut := runCLI(t, "", "diff", "--escalation", old, esc)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "diff-escalation.txt", out)
	code, out, _ = runCLI(t, "", "diff", "--escalation", "--json", esc, old)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	var r struct {
		Summary struct {
			Escalation struct{ New, Removed int }
		}
		Escalations []struct {
			Change, Principal, Text string
			Steps                   []struct{ Action string }
		}
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	if r.Summary.Escalation.Removed != 1 || len(r.Escalations) != 1 || r.Escalations[0].Change != "removed-escalation" ||
		r.Escalations[0].Text != "PutKeyPolicy on the key, then Decrypt" || len(r.Escalations[0].Steps) != 2 || r.Escalations[0].Steps[0].Action != "kms:PutKeyPolicy" {
		t.Errorf("reverse JSON: %s", out)
	}
	// ReportsReader loses its access but may give it back to itself.
	both := writeDemoWith(t, dir, "both.json", readerDecrypts, readerPutKeyPolicy)
	code, out, errOut = runCLI(t, "", "diff", "--escalation", "--fail-on", "new-escalation", both, esc)
	if code != 0 {
		t.Fatalf("access to escalation: exit %d: %s", code, errOut)
	}
	golden(t, "diff-access-to-escalation.txt", out)
	// Without --escalation, no escalation fields.
	if _, out, _ := runCLI(t, "", "diff", "--json", old, esc); strings.Contains(out, "escalation") {
		t.Errorf("escalation fields without --escalation: %s", out)
	}
}

// --fail-on gates: each value alone, several (repeated or comma-separated),
// and bad values or combinations (exit 3).
func TestDiffGates(t *testing.T) {
	dir := t.TempDir()
	old := writeDemoWith(t, dir, "old.json")
	esc := writeDemoWith(t, dir, "esc.json", readerPutKeyPolicy)
	ext := writeDemoWith(t, dir, "ext.json", partnerDecrypts)
	cp := writeDemoWith(t, dir, "copier.json", copierDecrypts)
	for _, tc := range []struct {
		args   []string
		code   int
		stderr string
	}{
		{[]string{"--fail-on", "new-escalation", old, old}, 0, ""},
		{[]string{"--fail-on", "new-escalation", old, esc}, exitDiffFails, "--fail-on new-escalation: 1 new escalation path"},
		{[]string{"--escalation", "--fail-on", "new-escalation", old, esc}, exitDiffFails, "1 new escalation path"},
		{[]string{"--fail-on", "new-escalation", esc, old}, 0, ""}, // a path removed
		{[]string{"--fail-on", "new-access", old, esc}, 0, ""},     // a path is not access
		{[]string{"--escalation=false", "--fail-on", "new-escalation", old, esc}, exitBadInput, "needs the escalation search"},
		{[]string{"--fail-on", "new-escalation", "--escalation-depth", "0", old, esc}, exitBadInput, "--escalation-depth 0"},
		{[]string{"--fail-on", "finding:high", old, ext}, exitDiffFails, "--fail-on finding:high: 1 new finding of high or worse"},
		{[]string{"--fail-on", "finding:LOW", old, ext}, exitDiffFails, "finding:LOW: 1 new finding of low or worse"},
		{[]string{"--fail-on", "finding:critical", old, ext}, 0, ""},
		{[]string{"--fail-on", "finding:high", ext, old}, 0, ""}, // resolved, not new
		{[]string{"--fail-on", "finding:urgent", old, ext}, exitBadInput, `--fail-on "finding:urgent": want finding:critical`},
		{[]string{"--fail-on", "new-escalation,finding:critical", old, ext}, 0, ""},
		{[]string{"--fail-on", "new-escalation,finding:high", old, ext}, exitDiffFails, "finding:high: 1 new finding"},
		{[]string{"--fail-on", "finding:critical", "--fail-on", "new-escalation", old, esc}, exitDiffFails, "new-escalation: 1 new escalation path"},
		{[]string{"--fail-on", "new-external,new-access", old, cp}, exitDiffFails, "keyhound: --fail-on new-access: 1 wider access\n"},
		{[]string{"--fail-on", "new-access", "--fail-on", "any", old, cp}, exitDiffFails, "--fail-on new-access: 1 wider access; any: the diff has changes"},
		{[]string{"--fail-on", "any", old, esc}, 0, ""}, // without --escalation, paths are not compared
		{[]string{"--fail-on", "any", "--escalation", old, esc}, exitDiffFails, "any: the diff has changes"},
		{[]string{"--fail-on", "new-access,sometimes", old, ext}, exitBadInput, `--fail-on "sometimes": want new-access, new-external, new-escalation, finding:SEVERITY`},
	} {
		code, _, errOut := runCLI(t, "", append([]string{"diff"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("diff %v: exit %d (%q), want %d (%q)", tc.args, code, errOut, tc.code, tc.stderr)
		}
	}
}

// A baseline accepts a new escalation path as it accepts new access: the
// new-escalation gate passes with it, and fails again once it expired.
func TestDiffBaselineAcceptsEscalation(t *testing.T) {
	dir := t.TempDir()
	old := writeDemoWith(t, dir, "old.json")
	esc := writeDemoWith(t, dir, "esc.json", readerPutKeyPolicy)
	entry := `version: 1
accepted:
  - match:
      change: new-escalation
      principal: arn:aws:iam::111111111111:role/ReportsReader
    reason: Break-glass rotation job.
    owner: security@example.com
    expires: EXPIRES
`
	accept := writeFile(t, "accept.yaml", strings.Replace(entry, "EXPIRES", "2027-03-01", 1))
	expired := writeFile(t, "expired.yaml", strings.Replace(entry, "EXPIRES", "2026-12-01", 1))
	other := writeFile(t, "other.yaml", strings.Replace(strings.Replace(entry, "EXPIRES", "2027-03-01", 1), "new-escalation", "new-access", 1))
	for _, tc := range []struct {
		baseline string
		code     int
		stderr   string
	}{
		{accept, 0, ""},
		{expired, exitDiffFails, "until 2026-12-01, expired"},
		{other, exitDiffFails, "new-escalation: 1 new escalation path"},
	} {
		code, _, errOut := runCLIAt(t, testNow, "diff", "--fail-on", "new-escalation", "--baseline", tc.baseline, old, esc)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) {
			t.Errorf("baseline %s: exit %d (%q), want %d (%q)", tc.baseline, code, errOut, tc.code, tc.stderr)
		}
	}
}

// diff --escalation's CI formats carry the new path: a Markdown table row
// with its steps, and a SARIF new-escalation result with the steps as
// properties.
func TestDiffEscalationCIFormats(t *testing.T) {
	dir := t.TempDir()
	old := writeDemoWith(t, dir, "old.json")
	esc := writeDemoWith(t, dir, "esc.json", readerPutKeyPolicy)
	code, out, errOut := runCLI(t, "", "diff", "--fail-on", "new-escalation", "--format", "markdown", old, esc)
	if code != exitDiffFails {
		t.Fatalf("markdown: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"#### Escalation paths (1)", "| new-escalation | `arn:aws:iam::111111111111:role/ReportsReader`", "PutKeyPolicy on the key, then Decrypt", "❌ fails gate"} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	_, out, _ = runCLI(t, "", "diff", "--escalation", "--format", "sarif", old, esc)
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID     string `json:"ruleId"`
				Properties struct {
					Steps []struct{ Action string } `json:"steps"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range log.Runs[0].Results {
		if r.RuleID == "new-escalation" && len(r.Properties.Steps) == 2 && r.Properties.Steps[0].Action == "kms:PutKeyPolicy" {
			found = true
		}
	}
	if !found {
		t.Errorf("no new-escalation result with its two steps:\n%s", out)
	}
}
