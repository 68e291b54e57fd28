package changeset

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

// describe lists changes one a line, with their sources.
func describe(changes []Change) string {
	var b strings.Builder
	for _, c := range changes {
		b.WriteString(c.Source.String() + ": " + c.String() + "\n")
	}
	return b.String()
}

func readFile(t *testing.T, name string) ([]Change, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	return Read(f, name)
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -run %s -update):\n--- got\n%s--- want\n%s", name, t.Name(), got, want)
	}
}

// Each file of testdata reads to the changes its golden file lists.
func TestReadGolden(t *testing.T) {
	for _, name := range []string{"plan-all.json", "changes.json", "changes.yaml"} {
		t.Run(name, func(t *testing.T) {
			changes, err := readFile(t, name)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, strings.TrimSuffix(name, filepath.Ext(name))+"."+strings.TrimPrefix(filepath.Ext(name), ".")+".golden", describe(changes))
		})
	}
}

// YAML documents become the JSON they spell: an unquoted date stays a
// string (a policy's Version), true a boolean, a block scalar its text.
func TestReadYAMLDocument(t *testing.T) {
	changes, err := readFile(t, "changes.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"Version":"2012-10-17"`, `"Bool":{"aws:SecureTransport":true}`, `"Action":["kms:Decrypt","kms:DescribeKey"]`} {
		if !strings.Contains(changes[0].Document, want) {
			t.Errorf("document %s lacks %s", changes[0].Document, want)
		}
	}
	if !strings.HasPrefix(changes[1].Document, `{"Version": "2012-10-17",`) {
		t.Errorf("block scalar document: %s", changes[1].Document)
	}
}

// A key created without a policy in its configuration gets the default key
// policy; with a policy the plan does not know yet, the policy is unknown.
func TestReadKeyDefaultPolicy(t *testing.T) {
	plan := func(expressions string) string {
		return `{"format_version":"1.2","resource_changes":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k",
		 "change":{"actions":["create"],"before":null,"after":{"description":"k"},"after_unknown":{"arn":true,"key_id":true,"policy":true}}}],
		 "configuration":{"root_module":{"resources":[{"address":"aws_kms_key.k","mode":"managed","type":"aws_kms_key","name":"k","expressions":` + expressions + `}]}}}`
	}
	for expr, want := range map[string]bool{
		`{"description":{"constant_value":"k"}}`: false,
		`{"policy":{"references":["data.aws_iam_policy_document.p.json","data.aws_iam_policy_document.p"]}}`: true,
	} {
		changes, err := Read(strings.NewReader(plan(expr)), "p.json")
		if err != nil {
			t.Fatal(err)
		}
		if len(changes) != 1 || changes[0].IsUnknown("document") != want || changes[0].Document != "" {
			t.Errorf("%s: %s, want document unknown %v", expr, describe(changes), want)
		}
	}
}
