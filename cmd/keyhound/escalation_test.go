package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// The demo's escalation path: analytics' Deployer may put a policy on
// itself, and the key policy of alias/reports trusts analytics.
func TestEscalationGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"who-can-escalation.txt", []string{"who-can", "--snapshot", "@demo", "decrypt", demo.ReportsKey, "--escalation"}},
		{"who-can-escalation.json", []string{"who-can", "--snapshot", "@demo", "--json", "decrypt", demo.ReportsKey, "--escalation"}},
		{"what-can-escalation.txt", []string{"what-can", "--snapshot", "@demo", demo.Deployer, "--escalation"}},
		{"what-can-escalation.json", []string{"what-can", "--snapshot", "@demo", "--json", demo.Deployer, "--escalation"}},
		{"findings-demo-escalation.txt", []string{"findings", "--snapshot", "@demo", "--escalation", "--severity", "critical"}},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		golden(t, tc.name, out)
	}
}

func TestWhoCanEscalationJSON(t *testing.T) {
	args := []string{"who-can", "--snapshot", "@demo", "--json", "decrypt", demo.ReportsKey, "--escalation"}
	_, out, _ := runCLI(t, "", args...)
	if _, again, _ := runCLI(t, "", args...); again != out {
		t.Error("who-can --escalation --json is not deterministic")
	}
	var got struct {
		Principals []struct {
			Principal  string `json:"principal"`
			Escalation bool   `json:"escalation"`
			Steps      []struct {
				Principal, Action, Target, Decision string
				Reasons                             []json.RawMessage
			} `json:"steps"`
		} `json:"principals"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	n := len(got.Principals)
	if n == 0 {
		t.Fatal("no principals")
	}
	last := got.Principals[n-1]
	if last.Principal != demo.Deployer || !last.Escalation || len(last.Steps) != 2 {
		t.Fatalf("last answer: %+v", last)
	}
	if s := last.Steps[0]; s.Action != "iam:PutRolePolicy" || s.Target != demo.Deployer || s.Decision != "ALLOW" || len(s.Reasons) == 0 {
		t.Errorf("first step: %+v", s)
	}
	if s := last.Steps[1]; s.Action != "kms:Decrypt" || s.Principal != demo.Deployer {
		t.Errorf("last step: %+v", s)
	}
	for _, p := range got.Principals[:n-1] {
		if p.Escalation || p.Principal == demo.Deployer {
			t.Errorf("an answer before the escalations is one: %+v", p)
		}
	}
	// Without --escalation, no such answer.
	_, plain, _ := runCLI(t, "", "who-can", "--snapshot", "@demo", "--json", "decrypt", demo.ReportsKey)
	if strings.Contains(plain, "escalation") || strings.Contains(plain, "Deployer") {
		t.Errorf("who-can without --escalation lists escalations:\n%s", plain)
	}
}

// On a resource: escalation to its key, kept for who may read it as it
// is. On the demo's reports bucket nobody may (Deployer has no S3 access):
// the answer is who-can's.
func TestWhoCanEscalationResource(t *testing.T) {
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", "@demo", "decrypt", "arn:aws:s3:::kh-demo-reports", "--escalation")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	_, plain, _ := runCLI(t, "", "who-can", "--snapshot", "@demo", "decrypt", "arn:aws:s3:::kh-demo-reports")
	if out != plain {
		t.Errorf("escalation on the bucket:\n%s\nwant who-can's:\n%s", out, plain)
	}
}

func TestEscalationDepthFlag(t *testing.T) {
	for _, args := range [][]string{
		{"who-can", "--snapshot", "@demo", "decrypt", demo.ReportsKey, "--escalation", "--escalation-depth", "0"},
		{"what-can", "--snapshot", "@demo", demo.Deployer, "--escalation", "--escalation-depth", "-1"},
		{"findings", "--snapshot", "@demo", "--escalation", "--escalation-depth", "0"},
	} {
		if code, _, _ := runCLI(t, "", args...); code != exitBadInput {
			t.Errorf("%v: exit %d, want %d", args, code, exitBadInput)
		}
	}
	// Depth 1 still finds the one-step path.
	_, out, _ := runCLI(t, "", "who-can", "--snapshot", "@demo", "decrypt", demo.ReportsKey, "--escalation", "--escalation-depth", "1")
	if !strings.Contains(out, "can gain access: PutRolePolicy on "+demo.Deployer+", then Decrypt") {
		t.Errorf("depth 1:\n%s", out)
	}
}

// With S3 access for Deployer, the reports bucket's answer gains it: the
// path to the bucket's key, then the read.
func TestWhoCanEscalationResourcePath(t *testing.T) {
	var snap map[string]any
	if err := json.Unmarshal(demo.Snapshot(), &snap); err != nil {
		t.Fatal(err)
	}
	iam := snap["accounts"].(map[string]any)["222222222222"].(map[string]any)["iam"].(map[string]any)
	found := false
	for _, r := range iam["RoleDetailList"].([]any) {
		r := r.(map[string]any)
		if r["Arn"] == demo.Deployer {
			r["RolePolicyList"] = append(r["RolePolicyList"].([]any), map[string]any{
				"PolicyName":     "read-reports",
				"PolicyDocument": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::kh-demo-reports/*"}]}`,
			})
			found = true
		}
	}
	if !found {
		t.Fatal("no Deployer in the demo")
	}
	b, err := json.Marshal(snap)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "demo.json")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", path, "decrypt", "arn:aws:s3:::kh-demo-reports", "--escalation")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "can gain access: PutRolePolicy on " + demo.Deployer + ", then Decrypt, then GetObject on arn:aws:s3:::kh-demo-reports/*"
	if !strings.Contains(out, want) {
		t.Errorf("who-can on the bucket lacks %q:\n%s", want, out)
	}
	_, js, _ := runCLI(t, "", "who-can", "--snapshot", path, "--json", "decrypt", "arn:aws:s3:::kh-demo-reports", "--escalation")
	if !strings.Contains(js, `"escalation": true`) || !strings.Contains(js, `"action": "s3:GetObject"`) {
		t.Errorf("JSON lacks the escalation:\n%s", js)
	}
}
