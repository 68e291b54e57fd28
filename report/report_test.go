package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/keyhound/keyhound/baseline"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

const (
	copier  = "arn:aws:iam::222222222222:role/SnapshotCopier"
	auditor = "arn:aws:iam::999999999999:role/Auditor"
	keyA    = "arn:aws:kms:us-east-1:111111111111:key/aaaa"
	bucket  = "arn:aws:s3:::reports"
)

var now = time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)

func sample(t *testing.T) (*diff.Report, *baseline.Outcome) {
	t.Helper()
	cause := []diff.Cause{{Where: "key policy of " + keyA, Change: "statement added", Statement: `{"Effect":"Allow"}`}}
	r := &diff.Report{
		Summary: diff.Summary{NewAccess: 2, RemovedAccess: 1, DecisionChanged: 2, Wider: 3, NewExternal: 2, NewPublic: 1, KeysChanged: 1, NewFindings: 1},
		Changes: []diff.Change{
			{Change: diff.NewAccess, Edge: "can-use-key", Principal: copier, Target: keyA, TargetAccount: "111111111111", Action: "kms:Decrypt", New: "ALLOW", Causes: cause},
			{Change: diff.NewAccess, Edge: "can-read", Principal: auditor, Target: bucket, TargetAccount: "111111111111", Action: "s3:GetObject", New: "ALLOW", External: true, Causes: []diff.Cause{{Where: "resource policy of " + bucket, Change: "statement added"}}},
			{Change: diff.DecisionChanged, Edge: "can-use-key", Principal: "*", Target: keyA, Action: "kms:Decrypt", Old: "DENY", New: "ALLOW", External: true, Public: true, Causes: cause},
			{Change: diff.DecisionChanged, Edge: "can-use-key", Principal: copier, Target: keyA, Action: "kms:Encrypt", Old: "ALLOW", New: "CONDITIONAL"},
			{Change: diff.RemovedAccess, Edge: "can-assume", Principal: copier, Target: "arn:aws:iam::111111111111:role/Ops|x", Action: "sts:AssumeRole", Old: "ALLOW"},
		},
		Keys:             []diff.KeyChange{{Key: keyA, Change: "state", Old: "Enabled", New: "PendingDeletion"}},
		NewFindings:      []graph.Finding{{Rule: "key-policy-public", Severity: graph.Critical, Title: "Key policy open to everyone", Resource: keyA, Remedy: "Remove the statement."}},
		ResolvedFindings: []graph.Finding{{Rule: "role-trust-external", Severity: graph.High, Title: "Role trusted outside", Resource: "arn:aws:iam::111111111111:role/Ops"}},
	}
	f, err := baseline.Parse(".keyhound-baseline.yaml", []byte(`version: 1
accepted:
  - match: {change: new-access, principal: "arn:aws:iam::222222222222:*"}
    reason: DR copies snapshots.
    owner: platform@example.com
    expires: 2027-03-01
  - match: {change: new-external, principal: "arn:aws:iam::999999999999:*"}
    reason: Quarterly audit.
    owner: security@example.com
    expires: 2026-11-30
  - match: {finding: key-policy-public}
    reason: Public by design (test key).
    owner: security@example.com
    expires: 2027-01-01
  - match: {principal: "arn:aws:iam::333333333333:role/Gone"}
    reason: Old.
    owner: ops@example.com
    expires: 2027-01-01
`))
	if err != nil {
		t.Fatal(err)
	}
	gate := func(it baseline.Item) bool {
		return it.Kind == baseline.NewExternal || it.Kind == baseline.NewAccess || it.Kind == baseline.Finding
	}
	return r, baseline.Judge(baseline.Items(r), f, now, gate)
}

func TestSARIF(t *testing.T) {
	_, o := sample(t)
	loc := LocatorFunc(func(it baseline.Item) (Source, bool) {
		switch {
		case it.Resource == bucket:
			return Source{File: "changes.yaml", Line: 42}, true
		case it.Principal == "*":
			return Source{File: "plan.json", Address: "aws_kms_key.secrets"}, true
		}
		return Source{}, false
	})
	var b bytes.Buffer
	if err := WriteSARIF(&b, o, SARIFOptions{ToolVersion: "1.2.3", Artifact: "committed.json.gz", Locator: loc, Baseline: ".keyhound-baseline.yaml"}); err != nil {
		t.Fatal(err)
	}
	golden(t, "diff.sarif", b.String())
	validate(t, "testdata/sarif-2.1.0-subset.schema.json", b.Bytes())

	// The shape SARIF 2.1.0 requires and code scanning reads.
	var log struct {
		Schema  string `json:"$schema"`
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Name  string `json:"name"`
					Rules []struct {
						ID               string            `json:"id"`
						ShortDescription map[string]string `json:"shortDescription"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string            `json:"ruleId"`
				RuleIndex int               `json:"ruleIndex"`
				Level     string            `json:"level"`
				Message   map[string]string `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
				Suppressions []struct {
					Kind, Status, Justification string
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(b.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if log.Version != "2.1.0" || !strings.Contains(log.Schema, "sarif-2.1.0") || len(log.Runs) != 1 || log.Runs[0].Tool.Driver.Name != "keyhound" {
		t.Fatalf("log header: %+v", log)
	}
	run := log.Runs[0]
	var got []string
	for _, res := range run.Results {
		if res.RuleIndex < 0 || res.RuleIndex >= len(run.Tool.Driver.Rules) || run.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("result %s: ruleIndex %d", res.RuleID, res.RuleIndex)
		}
		if res.Message["text"] == "" || len(res.Locations) != 1 || res.Locations[0].PhysicalLocation.Region.StartLine < 1 {
			t.Errorf("result %s lacks a message or location", res.RuleID)
		}
		switch res.Level {
		case "error", "warning", "note", "none":
		default:
			t.Errorf("level %q", res.Level)
		}
		l := res.Locations[0].PhysicalLocation
		s := res.RuleID + " " + res.Level + " " + l.ArtifactLocation.URI + ":" + strconv.Itoa(l.Region.StartLine)
		for _, sp := range res.Suppressions {
			s += " suppressed:" + sp.Kind + "/" + sp.Status
		}
		got = append(got, s)
	}
	want := []string{
		"new-access warning committed.json.gz:1 suppressed:external/accepted", // entry 1
		"new-external-access error changes.yaml:42",                           // entry 2 expired; line 42 from the locator
		"new-external-access error plan.json:1",                               // the public: not accepted; a plan gives addresses, not lines
		"key-policy-public error committed.json.gz:1 suppressed:external/accepted",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("results:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, r := range run.Tool.Driver.Rules {
		if r.ID == "" || r.ShortDescription["text"] == "" {
			t.Errorf("rule %+v", r)
		}
	}
}

func TestMarkdown(t *testing.T) {
	r, o := sample(t)
	label := func(id string) string {
		if id == keyA {
			return id + " (alias/secrets)"
		}
		return id
	}
	var b bytes.Buffer
	if err := WriteMarkdown(&b, r, o, MarkdownOptions{FailOn: "new-access", Baseline: ".keyhound-baseline.yaml", Label: label}); err != nil {
		t.Fatal(err)
	}
	golden(t, "diff.md", b.String())

	// With a locator, wider access says which change makes it.
	b.Reset()
	loc := Targets{keyA: {File: "plan.json", Address: "aws_kms_key.secrets"}, bucket: {File: "changes.yaml", Line: 12}}
	if err := WriteMarkdown(&b, r, o, MarkdownOptions{FailOn: "new-access", Label: label, Locator: loc}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"statement added — from `aws_kms_key.secrets` in `plan.json` |",
		"statement added — from `changes.yaml:12` |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("located summary lacks %q:\n%s", want, b.String())
		}
	}
	if strings.Count(b.String(), "— from") != 3 { // the two key accesses and the bucket's; not the narrower ones
		t.Errorf("%d located rows:\n%s", strings.Count(b.String(), "— from"), b.String())
	}

	// Tables are capped; no gate, no baseline: no gate column or verdict.
	b.Reset()
	if err := WriteMarkdown(&b, r, baseline.Judge(baseline.Items(r), nil, now, nil), MarkdownOptions{MaxRows: 1}); err != nil {
		t.Fatal(err)
	}
	golden(t, "diff-capped.md", b.String())
	if strings.Contains(b.String(), "Gate") || !strings.Contains(b.String(), "…and 2 more.") {
		t.Errorf("capped summary:\n%s", b.String())
	}

	b.Reset()
	if err := WriteMarkdown(&b, &diff.Report{}, baseline.Judge(nil, nil, now, nil), MarkdownOptions{FailOn: "new-external"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "✅ **Gate passed** (`--fail-on new-external`): no such change.") || !strings.Contains(b.String(), "No change in effective access.") {
		t.Errorf("empty diff:\n%s", b.String())
	}
}

// validate checks doc against a JSON Schema: here the parts of the SARIF
// 2.1.0 schema the log uses (graph/export's subset, with suppressions).
func validate(t *testing.T, schemaPath string, doc []byte) {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	schemaDoc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", schemaDoc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Validate(v); err != nil {
		t.Errorf("SARIF log invalid: %v", err)
	}
}

func TestTargetsLocate(t *testing.T) {
	r, _ := sample(t)
	items := baseline.Items(r)
	loc := Targets{
		keyA:                                   {File: "plan.json", Line: 120}, // the key policy the plan changes
		"p-dataperimeter":                      {File: "changes.yaml", Line: 7},
		"arn:aws:iam::111111111111:role/Other": {File: "plan.json", Line: 9},
	}
	for _, tc := range []struct {
		it   baseline.Item
		file string
		line int
	}{
		{items[0], "plan.json", 120}, // cause: key policy of keyA
		{items[1], "", 0},            // the bucket's policy is not in the plan
		{items[6], "plan.json", 120}, // a finding about keyA
	} {
		src, ok := loc.Locate(tc.it)
		if src.File != tc.file || src.Line != tc.line || ok != (tc.file != "") {
			t.Errorf("%s: %s:%d %v, want %s:%d", tc.it.Text, src.File, src.Line, ok, tc.file, tc.line)
		}
	}
	// An SCP's cause is located by the policy's ID.
	scp := baseline.AccessItem(&diff.Change{Change: diff.NewAccess, Principal: copier, Target: bucket, Causes: []diff.Cause{{Where: "SCP p-dataperimeter (DataPerimeter)", Change: "statement removed"}}})
	if src, _ := loc.Locate(scp); src.File != "changes.yaml" || src.Line != 7 {
		t.Errorf("SCP cause: %+v", src)
	}
	for where, want := range map[string]string{
		"identity policy Read of arn:aws:iam::1:role/R": "arn:aws:iam::1:role/R",
		"grants of " + keyA:                             keyA,
		"RCP p-1 (Perimeter)":                           "p-1",
		"something else":                                "",
	} {
		if got := causeTarget(where); got != want {
			t.Errorf("causeTarget(%q) = %q, want %q", where, got, want)
		}
	}
}
