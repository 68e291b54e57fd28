package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// diff --snapshot BASE --change FILE compares the base with its changed
// self: the demo plan opens alias/reports to an outside account, and the
// new-external gate fails on it.
func TestDiffChange(t *testing.T) {
	code, out, errOut := runCLI(t, "", "diff", "--snapshot", "@demo", "--change", "@demo-plan")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "diff-demo-plan.txt", out)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	if err := os.WriteFile(bad, []byte("changes:\n  - kind: key-policy\n    target: alias/reports\n    op: rewrite\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"--snapshot", "@demo", "--change", "@demo-plan", "--fail-on", "new-external"}, exitDiffFails, "new-external"},
		{[]string{"--snapshot", "@demo", "--change", bad}, exitBadInput, "bad.yaml:2: changes[0].op: unknown op \"rewrite\""},
		{[]string{"--snapshot", "@demo", "--change", filepath.Join(dir, "missing.json")}, exitBadInput, "open change file"},
		{[]string{"--change", "@demo-plan"}, exitBadInput, "--snapshot BASE and --change FILE go together"},
		{[]string{"--snapshot", "@demo", "@demo", "@demo"}, exitBadInput, "go together"},
	} {
		code, _, errOut := runCLI(t, "", append([]string{"diff"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.err) {
			t.Errorf("diff %v: exit %d, want %d; stderr %q, want %q in it", tc.args, code, tc.code, errOut, tc.err)
		}
	}
}

// can and who-can answer in the proposed world with --change.
func TestCanWhoCanChange(t *testing.T) {
	args := []string{"can", "--snapshot", "@demo", demo.PartnerRoot, "kms:Decrypt", demo.ReportsKey}
	if code, _, _ := runCLI(t, "", args...); code != 1 {
		t.Errorf("can without the change: exit %d, want 1 (DENY)", code)
	}
	if code, out, errOut := runCLI(t, "", append(args, "--change", "@demo-plan")...); code != 0 {
		t.Errorf("can with the change: exit %d, want 0 (ALLOW): %s%s", code, out, errOut)
	}
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", "@demo", "--change", "@demo-plan", "kms:Decrypt", demo.ReportsKey)
	if code != 0 || !strings.Contains(out, demo.PartnerRoot) {
		t.Errorf("who-can with the change: exit %d, partner not listed:\n%s%s", code, out, errOut)
	}
}

// What a plan knows only after apply is said on stderr.
func TestChangeUnknownsOnStderr(t *testing.T) {
	plan := filepath.Join(t.TempDir(), "plan.json")
	body := `{"format_version":"1.2","resource_changes":[{"address":"aws_kms_key_policy.r","mode":"managed","type":"aws_kms_key_policy","name":"r",
	 "change":{"actions":["update"],"before":{"key_id":"1d6a2f4e-0000-4000-8000-00000000a001"},"after":{"key_id":"1d6a2f4e-0000-4000-8000-00000000a001"},"after_unknown":{"policy":true}}},
	 {"address":"aws_kms_grant.g","mode":"managed","type":"aws_kms_grant","name":"g","change":{"actions":["create"],"before":null,"after":{"grantee_principal":"x","operations":["Decrypt"]},"after_unknown":{"key_id":true}}}]}`
	if err := os.WriteFile(plan, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := runCLI(t, "", "can", "--snapshot", "@demo", "--change", plan, demo.Dilip, "kms:Decrypt", demo.ReportsKey)
	if code != 2 {
		t.Errorf("exit %d, want 2 (CONDITIONAL)", code)
	}
	for _, want := range []string{
		"plan.json (aws_kms_key_policy.r): document of " + demo.ReportsKeyID + " unknown until apply",
		"plan.json (aws_kms_grant.g): add grant aws_kms_grant.g (grant to x) not applied: its target is unknown until apply",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr lacks %q:\n%s", want, errOut)
		}
	}
}

// SARIF results of diff --change point at the change that causes them: the
// line of the change file's entry (the key-policy entry at line 3, the
// identity-policy entry at line 19 of changeset/testdata/changes.json).
func TestDiffChangeSARIFLocations(t *testing.T) {
	file := filepath.Join("..", "..", "changeset", "testdata", "changes.json")
	code, out, errOut := runCLI(t, "", "diff", "--snapshot", demoName, "--change", file, "--format", "sarif")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }    `json:"artifactLocation"`
						Region           struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &log); err != nil {
		t.Fatal(err)
	}
	lines := map[int]bool{}
	for _, r := range log.Runs[0].Results {
		loc := r.Locations[0].PhysicalLocation
		if loc.ArtifactLocation.URI == filepath.ToSlash(file) {
			lines[loc.Region.StartLine] = true
		}
	}
	if !lines[3] || !lines[19] {
		t.Errorf("results at lines %v of %s, want 3 (key policy) and 19 (identity policy):\n%s", lines, file, out)
	}
}

// baseline --from-diff takes diff's --snapshot BASE --change FILE form: the
// starter file it writes for the demo plan accepts everything that plan's
// diff reports, so the gates that fail without it pass with it.
func TestBaselineFromDiffWithChange(t *testing.T) {
	file := filepath.Join(t.TempDir(), "accept.yaml")
	if code, _, errOut := runCLIAt(t, testNow, "baseline", "--from-diff", "--snapshot", demoName, "--change", "@demo-plan", "-o", file); code != 0 {
		t.Fatalf("baseline: exit %d: %s", code, errOut)
	}
	gate := []string{"diff", "--snapshot", demoName, "--change", "@demo-plan", "--fail-on", "new-external,finding:high"}
	if code, _, _ := runCLIAt(t, testNow, gate...); code != exitDiffFails {
		t.Fatalf("without the baseline: exit %d, want %d", code, exitDiffFails)
	}
	if code, _, errOut := runCLIAt(t, testNow, append(gate, "--baseline", file)...); code != 0 {
		t.Errorf("with the starter baseline: exit %d, want 0: %s", code, errOut)
	}
	if code, _, errOut := runCLIAt(t, testNow, "baseline", "--from-diff", "--snapshot", demoName, "old.json", "-o", file+"2"); code != exitBadInput {
		t.Errorf("--snapshot without --change: exit %d, want %d: %s", code, exitBadInput, errOut)
	}
}
