package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/demo"
)

// testNow is the clock of the baseline tests: none depends on the real one.
var testNow = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

// runCLIAt runs the CLI with now as the time.
func runCLIAt(t *testing.T, now time.Time, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx := context.WithValue(context.Background(), clockKey{}, now)
	code = run(ctx, args, strings.NewReader(""), &out, &errOut)
	return code, out.String(), errOut.String()
}

// writeDemoExternal writes the demo organization without its data
// perimeter (an RCP that denies every caller outside the organization),
// and a copy whose alias/secrets key policy lets an account outside the
// organization decrypt.
func writeDemoExternal(t *testing.T) (old, cur string) {
	t.Helper()
	dir := t.TempDir()
	old, cur = filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	var doc map[string]any
	if err := json.Unmarshal(demo.Snapshot(), &doc); err != nil {
		t.Fatal(err)
	}
	org := doc["organization"].(map[string]any)
	var policies []any
	for _, p := range org["Policies"].([]any) {
		if p.(map[string]any)["PolicySummary"].(map[string]any)["Name"] != "DataPerimeter" {
			policies = append(policies, p)
		}
	}
	org["Policies"] = policies
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(old, b, 0o600); err != nil {
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
		pol["Statement"] = append(pol["Statement"].([]any), map[string]any{
			"Sid": "AuditorDecrypts", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::555555555555:role/Auditor"},
			"Action": "kms:Decrypt", "Resource": "*",
		})
		b, _ := json.Marshal(pol)
		km["Policy"] = string(b)
	}
	b, _ = json.Marshal(doc)
	if err := os.WriteFile(cur, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return old, cur
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

const auditorEntry = `version: 1
accepted:
  - match:
      change: new-external
      principal: arn:aws:iam::555555555555:role/Auditor
      key: arn:aws:kms:us-east-1:111111111111:key/*
    reason: Quarterly audit by Example Audit LLP.
    owner: security@example.com
    expires: EXPIRES
`

func TestDiffBaselineGate(t *testing.T) {
	old, cur := writeDemoExternal(t)
	accepting := writeFile(t, "accept.yaml", strings.Replace(auditorEntry, "EXPIRES", "2027-03-01", 1))
	expired := writeFile(t, "expired.yaml", strings.Replace(auditorEntry, "EXPIRES", "2026-12-06", 1)) // expired at the start of today
	unmatched := writeFile(t, "unmatched.yaml", strings.Replace(strings.Replace(auditorEntry, "EXPIRES", "2027-03-01", 1), "role/Auditor", "role/Gone", 1))
	bad := writeFile(t, "bad.yaml", strings.Replace(auditorEntry, "EXPIRES", "next year", 1))
	for _, tc := range []struct {
		name    string
		args    []string
		code    int
		stderr  string
		notErr  string
		outHave string
	}{
		{name: "no baseline", args: []string{"--fail-on", "new-external"}, code: exitDiffFails, stderr: "--fail-on new-external: 1 new external or public access\n"},
		{name: "accepted", args: []string{"--fail-on", "new-external", "--baseline", accepting}, code: 0, notErr: "warning", outHave: "✓ accepted  arn:aws:iam::555555555555:role/Auditor (external) can kms:Decrypt"},
		{name: "accepted new-access", args: []string{"--fail-on", "new-access", "--baseline", accepting}, code: 0},
		{name: "any fails on what is not accepted", args: []string{"--fail-on", "any", "--baseline", accepting}, code: exitDiffFails},
		{name: "expired", args: []string{"--fail-on", "new-external", "--baseline", expired}, code: exitDiffFails, stderr: "entry 1 (line 3) until 2026-12-06, expired", outHave: "✗ expired"},
		{name: "unmatched warns", args: []string{"--fail-on", "new-external", "--baseline", unmatched}, code: exitDiffFails, outHave: "! unmatched entry 1 (line 3)"},
		{name: "unmatched warns on stderr", args: []string{"--baseline", unmatched, "--format", "json"}, code: 0, stderr: "warning: baseline " + unmatched + " entry 1 (line 3) matches nothing"},
		{name: "baseline without gate", args: []string{"--baseline", expired}, code: 0},
		{name: "bad baseline", args: []string{"--fail-on", "new-external", "--baseline", bad}, code: exitBadInput, stderr: "baseline " + bad + ":9: accepted[0].expires: \"next year\" is not a date"},
		{name: "missing baseline", args: []string{"--baseline", bad + ".gone"}, code: exitBadInput, stderr: "no such file"},
		{name: "bad format", args: []string{"--format", "html"}, code: exitBadInput, stderr: "--format \"html\": want text, json, sarif, markdown"},
		{name: "json and sarif", args: []string{"--json", "--format", "sarif"}, code: exitBadInput, stderr: "--json and --format sarif disagree"},
		{name: "sarif fails the gate too", args: []string{"--fail-on", "new-external", "--format", "sarif"}, code: exitDiffFails},
		{name: "markdown with accepted", args: []string{"--fail-on", "new-external", "--format", "markdown", "--baseline", accepting}, code: 0, outHave: "✅ **Gate passed**"},
	} {
		code, out, errOut := runCLIAt(t, testNow, append(append([]string{"diff"}, tc.args...), old, cur)...)
		if code != tc.code || !strings.Contains(errOut, tc.stderr) || !strings.Contains(out, tc.outHave) || (tc.notErr != "" && strings.Contains(errOut, tc.notErr)) {
			t.Errorf("%s: exit %d (want %d)\nstderr %q (want %q)\nstdout:\n%s\n(want %q)", tc.name, code, tc.code, errOut, tc.stderr, out, tc.outHave)
		}
	}
}

func TestDiffFormatsGolden(t *testing.T) {
	old, cur := writeDemoExternal(t)
	base := writeFile(t, "accept.yaml", strings.Replace(auditorEntry, "EXPIRES", "2026-12-01", 1))
	// Paths in the outputs: the temporary directories' names vary.
	clean := func(s string) string {
		return strings.NewReplacer(filepath.ToSlash(cur), "new.json", filepath.ToSlash(base), ".keyhound-baseline.yaml").Replace(s)
	}
	for _, f := range []struct{ format, golden string }{
		{"sarif", "diff-external.sarif"}, {"markdown", "diff-external.md"}, {"text", "diff-external.txt"}, {"json", "diff-external.json"},
	} {
		code, out, errOut := runCLIAt(t, testNow, "diff", "--fail-on", "new-access", "--baseline", base, "--format", f.format, old, cur)
		if code != exitDiffFails {
			t.Fatalf("%s: exit %d: %s", f.format, code, errOut)
		}
		golden(t, f.golden, clean(out))
	}
	// --json is --format json.
	_, a, _ := runCLIAt(t, testNow, "diff", "--json", old, cur)
	_, b, _ := runCLIAt(t, testNow, "diff", "--format", "json", old, cur)
	if a != b || strings.Contains(a, `"gate"`) {
		t.Errorf("--json and --format json differ, or hold a gate without --fail-on:\n%s\n%s", a, b)
	}
}

// A baseline written from a diff accepts everything in it: the strictest
// gate passes with it, and fails again once it expires.
func TestBaselineFromDiffRoundTrip(t *testing.T) {
	old, cur := writeDemoExternal(t)
	path := filepath.Join(t.TempDir(), ".keyhound-baseline.yaml")
	code, out, errOut := runCLIAt(t, testNow, "baseline", "--from-diff", old, cur, "-o", path)
	if code != 0 || out != "" || !strings.Contains(errOut, "wrote 2 entries to "+path+", expiring 2027-03-06; fill in each owner and reason") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("baseline file: %v %v", err, st)
	}
	data, _ := os.ReadFile(path)
	golden(t, "baseline-from-diff.yaml", string(data))

	for _, gate := range []string{"new-external", "new-access", "any"} {
		code, _, errOut := runCLIAt(t, testNow, "diff", "--fail-on", gate, "--baseline", path, old, cur)
		if code != 0 || !strings.Contains(errOut, "warning: baseline "+path+": 2 entries are still TODO (owner or reason), starting with entry 1 (line 8)") {
			t.Errorf("--fail-on %s with the starter baseline: exit %d: %s", gate, code, errOut)
		}
	}
	if code, _, errOut := runCLIAt(t, testNow.AddDate(0, 0, 91), "diff", "--fail-on", "any", "--baseline", path, old, cur); code != exitDiffFails || !strings.Contains(errOut, "expired") {
		t.Errorf("91 days later: exit %d: %s", code, errOut)
	}

	// An existing file is kept unless --force; standard output otherwise.
	if code, _, errOut := runCLIAt(t, testNow, "baseline", "--from-diff", old, cur, "-o", path); code != exitBadInput || !strings.Contains(errOut, "exists") {
		t.Errorf("existing file: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLIAt(t, testNow, "baseline", "--from-diff", "--force", old, cur, "-o", path); code != 0 {
		t.Errorf("--force: exit %d: %s", code, errOut)
	}
	if code, out, _ := runCLIAt(t, testNow, "baseline", "--from-diff", old, cur); code != 0 || out != string(data) {
		t.Errorf("stdout: exit %d:\n%s", code, out)
	}
	if code, _, errOut := runCLIAt(t, testNow, "baseline", old, cur); code != exitBadInput || !strings.Contains(errOut, "--from-diff") {
		t.Errorf("without --from-diff: exit %d: %s", code, errOut)
	}
}
