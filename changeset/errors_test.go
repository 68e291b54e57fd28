package changeset

import (
	"errors"
	"strings"
	"testing"
)

// Bad input is an *Error naming the file, the JSON path and, for change
// files, the line.
func TestReadErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file, in, want string
	}{
		{"empty", "e.json", "  \n", "e.json: empty file"},
		{"neither", "n.json", `{"foo": 1}`, "n.json: neither a Terraform plan"},
		{"bad json", "b.json", "{\n\"changes\": [\n}", "b.json:3: invalid character"},
		{"bad yaml", "b.yaml", "changes: [\n  - kind: x\n  : :", "b.yaml: not JSON, and not YAML"},
		{"yaml not a list", "l.yaml", "changes:\n  kind: scp\n", "l.yaml:2: changes: want a list of changes"},
		{"unknown kind", "k.json", "{\"changes\": [\n  {\"kind\": \"key-polcy\", \"target\": \"k\"}]}", "k.json:2: changes[0].kind: unknown kind \"key-polcy\""},
		{"unknown op", "o.yaml", "changes:\n  - kind: scp\n    target: p-1\n    op: delete\n", "o.yaml:2: changes[0].op: unknown op \"delete\""},
		{"unknown field", "f.yaml", "changes:\n  - kind: scp\n    targets: p-1\n", "f.yaml:2: changes[0]: json: unknown field \"targets\""},
		{"wrong type", "w.json", `{"changes": [{"kind": "scp", "target": 7}]}`, "w.json:1: changes[0].target: got a JSON number, want string"},
		{"no target", "t.json", `{"changes": [{"kind": "scp", "document": {}}]}`, "t.json:1: changes[0].target: missing"},
		{"no document", "d.yaml", "changes:\n  - {kind: bucket-policy, target: b, op: remove}\n  - {kind: trust-policy, target: r}\n", "d.yaml:3: changes[1].document: missing: replace trust-policy needs a policy document"},
		{"document not json", "j.yaml", "changes:\n  - kind: bucket-policy\n    target: b\n    document: 'not {json'\n", "j.yaml:2: changes[0].document: not JSON"},
		{"document a list", "l.json", `{"changes": [{"kind": "scp", "target": "p", "document": [1]}]}`, "changes[0].document: want an object"},
		{"bad grant", "g.yaml", "changes:\n  - kind: grant\n    op: add\n    target: k\n    document: {Operations: [Decrypt]}\n", "g.yaml:2: changes[0].document: a grant needs GranteePrincipal and Operations"},
		{"plan changes not a list", "p.json", `{"format_version": "1.2", "resource_changes": {}}`, "p.json: resource_changes: got a JSON object, want []json.RawMessage"},
		{"plan bad item", "p.json", `{"format_version": "1.2", "resource_changes": [{"type": "aws_kms_key", "change": {"actions": "update"}}]}`, "p.json: resource_changes[0].change.actions: got a JSON string"},
		{"plan no actions", "p.json", `{"format_version": "1.2", "resource_changes": [{"type": "aws_kms_key", "change": {}}]}`, "p.json: resource_changes[0].change.actions: missing"},
		{"plan no after", "p.json", `{"format_version": "1.2", "resource_changes": [{"type": "aws_kms_key", "change": {"actions": ["create"]}}]}`, "p.json: resource_changes[0].change.after: missing for create"},
		{"plan bad after_unknown", "p.json", `{"format_version": "1.2", "resource_changes": [{"type": "aws_kms_key", "change": {"actions": ["create"], "after": {}, "after_unknown": 3}}]}`, "p.json: resource_changes[0].change.after_unknown: want an object or a boolean"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tc.in), tc.file)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want an *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %q, want it to contain %q", err.Error(), tc.want)
			}
		})
	}
}

// A plan's resources that keyhound does not model, data sources, no-ops,
// updates of what decides no access (tags; a policy only reformatted)
// and organization policies that are not SCPs or RCPs give no change;
// an empty plan gives none at all.
func TestReadPlanIgnores(t *testing.T) {
	changes, err := Read(strings.NewReader(`{"format_version":"1.2","terraform_version":"1.9.8"}`), "empty.json")
	if err != nil || len(changes) != 0 {
		t.Fatalf("empty plan: %v %v", changes, err)
	}
	all, err := readFile(t, "plan-all.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range all {
		for _, skipped := range []string{"aws_kms_key.unchanged", "aws_kms_key.tagsonly", "data.aws_kms_key.lookup", "aws_instance.web", "aws_organizations_policy.tags"} {
			if c.Source.Address == skipped {
				t.Errorf("%s read as %s", skipped, c.String())
			}
		}
	}
}

// Every resource type the reader supports appears in plan-all.json.
func TestPlanCoversSupportedTypes(t *testing.T) {
	all, err := readFile(t, "plan-all.json")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, c := range all {
		seen[strings.SplitN(c.Source.Address, ".", 2)[0]] = true
	}
	for _, typ := range SupportedTypes() {
		if !seen[typ] {
			t.Errorf("no change of %s in plan-all.json", typ)
		}
	}
}
