package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
)

const (
	ann          = "arn:aws:iam::111111111111:user/ann"
	reportsAlias = "arn:aws:kms:us-east-1:111111111111:alias/reports"
	deniedTypo   = "User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrpyt on resource: " +
		"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 because no identity-based policy allows the kms:Decrpyt action"
)

// An action keyhound does not know, or a wildcard, is bad input (exit 3) in
// every command that takes one: answered, kms:Decrpyt matched the statements
// that allow kms:* and nothing else, and frob matched nothing ("nobody").
func TestUnknownActionsAreRefused(t *testing.T) {
	cases := []struct {
		name string
		args []string
		says string
	}{
		{"who-can typo", []string{"who-can", "--snapshot", "@demo", "kms:Decrpyt", "alias/open"}, "action kms:Decrpyt is not one keyhound answers: did you mean kms:Decrypt?"},
		{"who-can unknown", []string{"who-can", "--snapshot", "@demo", "frob", "alias/open"}, "action frob is not one keyhound answers (it answers KMS actions"},
		{"who-can wildcard", []string{"who-can", "--snapshot", "@demo", "kms:*", "alias/open"}, "action kms:* has a wildcard: an answer is about one action"},
		{"who-can names the actions", []string{"who-can", "--snapshot", "@demo", "kms:ReEncrypt*", "alias/open"}, "kms:ReEncrypt* stands for kms:ReEncryptFrom and kms:ReEncryptTo"},
		{"who-can sts", []string{"who-can", "--snapshot", "@demo", "sts:AssumeRole", "alias/open"}, "ask can PRINCIPAL sts:AssumeRole ROLE_ARN"},
		{"what-can unknown", []string{"what-can", "--snapshot", "@demo", ann, "--action", "frob"}, "--action: action frob is not one keyhound answers"},
		{"what-can typo", []string{"what-can", "--snapshot", "@demo", ann, "--action", "kms:Decrpyt"}, "did you mean kms:Decrypt?"},
		{"what-can not KMS", []string{"what-can", "--snapshot", "@demo", ann, "--action", "s3:GetObject"}, "what-can answers about keys"},
		{"can typo", []string{"can", "--snapshot", "@demo", ann, "kms:Decrpyt", "alias/reports", "--region", "us-east-1"}, "did you mean kms:Decrypt?"},
		{"can wildcard", []string{"can", "--snapshot", "@demo", ann, "kms:Decrypt*", "alias/reports", "--region", "us-east-1"}, "kms:Decrypt* stands for kms:Decrypt"},
		{"export", []string{"export", "--snapshot", "@demo", "--format", "who-csv", "--action", "kms:Decrpyt"}, "did you mean kms:Decrypt?"},
		{"denied", []string{"denied", "--snapshot", "@demo", deniedTypo}, "the message's action: action kms:Decrpyt is not one keyhound answers: did you mean kms:Decrypt?"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", tc.args...)
			if code != exitBadInput || out != "" || !strings.Contains(errOut, tc.says) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 3 saying %q", code, out, errOut, tc.says)
			}
		})
	}
}

// IAM action names are case-insensitive (IAM UG, "IAM JSON policy elements:
// Action"): KMS:decrypt is kms:Decrypt, answered and printed as such.
func TestActionsAnyCaseAnswerAsCanonical_IAMActionElement(t *testing.T) {
	same := [][2][]string{
		{{"who-can", "--snapshot", "@demo", "--json", "KMS:decrypt", "alias/open"}, {"who-can", "--snapshot", "@demo", "--json", "kms:Decrypt", "alias/open"}},
		{{"what-can", "--snapshot", "@demo", "--json", ann, "--action", "KMS:DECRYPT"}, {"what-can", "--snapshot", "@demo", "--json", ann}},
		{{"what-can", "--snapshot", "@demo", "--json", ann, "--action", "decrypt"}, {"what-can", "--snapshot", "@demo", "--json", ann}},
		{{"can", "--snapshot", "@demo", "--json", ann, "kms:decrypt", reportsAlias}, {"can", "--snapshot", "@demo", "--json", ann, "kms:Decrypt", reportsAlias}},
	}
	for _, pair := range same {
		code1, out1, err1 := runCLI(t, "", pair[0]...)
		code2, out2, _ := runCLI(t, "", pair[1]...)
		if code1 != code2 || out1 != out2 || code1 == exitBadInput {
			t.Errorf("%v: exit %d, %q\n%v: exit %d\noutputs differ:\n%s\n---\n%s", pair[0], code1, err1, pair[1], code2, out1, out2)
		}
		var got struct {
			Action string `json:"action"`
		}
		if err := json.Unmarshal([]byte(out1), &got); err != nil || got.Action != "kms:Decrypt" {
			t.Errorf("%v: action %q (%v), want kms:Decrypt", pair[0], got.Action, err)
		}
	}
}

// docs/cli.md names every action keyhound answers other than KMS's (whose
// list is the Service Authorization Reference's): a resource action added to
// graph/servicepaths.go must be documented.
func TestDocsNameTheKnownActions(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "cli.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range graph.KnownActions().Names() {
		if !strings.HasPrefix(a, "kms:") && !strings.Contains(string(doc), "`"+a+"`") {
			t.Errorf("docs/cli.md does not name %s", a)
		}
	}
}
