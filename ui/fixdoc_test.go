package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/policy"
)

// policyAfterCommand returns the JSON printed under the "$ aws iam
// put-user-policy" line of a rendered fix: the indented lines up to the
// first line that does not belong to the document.
func policyAfterCommand(t *testing.T, text string) string {
	t.Helper()
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "$ aws iam put-user-policy") {
			continue
		}
		if i+1 == len(lines) {
			break
		}
		indent := len(lines[i+1]) - len(strings.TrimLeft(lines[i+1], " "))
		var doc []string
		for _, d := range lines[i+1:] {
			if len(d) < indent {
				break
			}
			doc = append(doc, d[indent:])
			if d[indent:] == "}" {
				break
			}
		}
		return strings.Join(doc, "\n")
	}
	t.Fatalf("no put-user-policy command in:\n%s", text)
	return ""
}

// The identity-policy fix's command (put-user-policy --policy-document
// file://policy.json) takes a whole policy document, not one statement:
// https://docs.aws.amazon.com/cli/latest/reference/iam/put-user-policy.html.
// The TUI shows the whole document, it parses as a policy, and it is the one
// the CLI prints (cmd/keyhound's golden, which TestDeniedGolden checks).
func TestDeniedFixShowsWholeIdentityPolicy(t *testing.T) {
	d := newDriver(t, 160, 80)
	d.keys("5")
	d.send(tea.PasteMsg{Content: "User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 because no identity-based policy allows the kms:Decrypt action"})
	d.keys("enter")
	tui := policyAfterCommand(t, d.screen())
	p, err := policy.ParseString(tui)
	if err != nil {
		t.Fatalf("the TUI's policy does not parse: %v\n%s", err, tui)
	}
	if p.Version != policy.Version2012 || len(p.Statements) != 1 {
		t.Errorf("want a 2012-10-17 document with one statement, got version %q, %d statements:\n%s", p.Version, len(p.Statements), tui)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal([]byte(tui), &doc); err != nil || doc["Statement"] == nil || doc["Version"] == nil {
		t.Errorf("not a whole document (Version and Statement): %v\n%s", err, tui)
	}
	cliText, err := os.ReadFile(filepath.Join("..", "cmd", "keyhound", "testdata", "golden", "denied-identity.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if cli := policyAfterCommand(t, string(cliText)); cli != tui {
		t.Errorf("the TUI's document differs from the CLI's:\nTUI:\n%s\nCLI:\n%s", tui, cli)
	}
}
