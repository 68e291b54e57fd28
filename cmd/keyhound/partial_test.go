package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// keyhound scan ends with the calls that failed, grouped by account,
// service and error code; --json prints every one on stdout.
func TestScanCommandErrorSummary(t *testing.T) {
	denied, suspended := fakeMembers[1], "200000000099"
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers[:2], Suspended: []string{suspended}, Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		switch {
		case c.Op == "AssumeRole" && strings.Contains(c.Resource, "::"+denied+":"):
			return &fakeaws.Fault{Status: 403, Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}
		case c.Op == "ListPolicies" && c.Resource == snapshot.PolicyTypeSCP:
			return &fakeaws.Fault{Code: "AccessDeniedException", Message: "not authorized to perform organizations:ListPolicies"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "org.json")
	code, out, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--region", "us-east-1", "--endpoint-url", s.URL, "-o", path)
	if code != exitScanPartial || out != "" {
		t.Fatalf("exit %d, stdout %q\n%s", code, out, errOut)
	}
	_, summary, ok := strings.Cut(errOut, "keyhound: errors by account, service and code")
	if !ok {
		t.Fatalf("no error summary:\n%s", errOut)
	}
	lines := strings.Split(strings.TrimSpace(summary), "\n")[1:]
	want := [][]string{
		{"organization", "organizations", "AccessDeniedException", "1", "ListPolicies"},
		{denied, "sts", "AccessDenied", "1", "AssumeRole"},
		{suspended, "organizations", scanner.CodeAccountNotActive, "1", "scan"},
	}
	if len(lines) != len(want) {
		t.Fatalf("summary lines %q, want %v", lines, want)
	}
	for i, w := range want {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(w, " ") {
			t.Errorf("summary line %d: %q, want %q", i, got, w)
		}
	}

	code, out, errOut = runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quiet", "--json")
	if code != exitScanPartial || errOut != "" {
		t.Fatalf("--json: exit %d, stderr %q", code, errOut)
	}
	var res struct {
		File     string                  `json:"file"`
		Accounts int                     `json:"accounts"`
		Complete *bool                   `json:"complete"`
		Errors   []snapshot.AccountError `json:"errors"`
		Groups   []snapshot.ErrorGroup   `json:"groups"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	if res.File != path || res.Accounts != 3 || res.Complete == nil || *res.Complete || len(res.Errors) != 3 || len(res.Groups) != 3 {
		t.Errorf("--json: %+v", res)
	}
	if e := res.Errors[0]; !e.Organization || e.Operation != "ListPolicies" || e.Resource != snapshot.PolicyTypeSCP || !strings.Contains(e.Message, "organizations:ListPolicies") {
		t.Errorf("--json: first error %+v", e)
	}
}

// partialSnapshot writes graph/testdata/small.json with one more account in
// the organization, whose audit role could not be assumed, and only the
// key that does not trust it (the others' policies or grants are unknown).
func partialSnapshot(t *testing.T, account string) string {
	t.Helper()
	s := loadSnapshot(t, smallSnapshot)
	kms := s.Accounts["111111111111"].Regions["us-east-1"].KMS
	kms.Keys = slices.DeleteFunc(kms.Keys, func(k snapshot.Key) bool { return k.KeyMetadata.KeyID != "k-app" })
	s.Organization.Accounts = append(s.Organization.Accounts, snapshot.OrgAccount{ID: account, Status: "ACTIVE", ParentID: "ou-ab12-prod"})
	s.Accounts[account] = &snapshot.Account{Errors: []snapshot.CollectionError{{
		Service: "sts", Operation: "AssumeRole", Resource: account, Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole",
	}}}
	path := filepath.Join(t.TempDir(), "partial.json")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = out.Close() }()
	if err := snapshot.Write(out, s, false); err != nil {
		t.Fatal(err)
	}
	return path
}

// what-can on a principal whose account could not be scanned says so,
// rather than "no key"; stats counts the snapshot's collection errors.
func TestWhatCanUnscannedAccount(t *testing.T) {
	const account = "555555555555"
	path := partialSnapshot(t, account)
	gap := "account " + account + " could not be scanned (sts AssumeRole failed: AccessDenied: not authorized to perform: sts:AssumeRole)"
	code, out, errOut := runCLI(t, "", "what-can", "--snapshot", path, "arn:aws:iam::"+account+":role/Ops")
	if code != 0 || !strings.HasPrefix(out, "no key known\n") || !strings.Contains(out, "unknown: "+gap) {
		t.Errorf("what-can: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "", "what-can", "--snapshot", path, "--json", "arn:aws:iam::"+account+":role/Ops")
	var res struct {
		Keys     []json.RawMessage `json:"keys"`
		Unknowns []struct {
			Message string `json:"message"`
		} `json:"unknowns"`
	}
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil || len(res.Keys) != 0 || len(res.Unknowns) != 1 || !strings.HasPrefix(res.Unknowns[0].Message, gap) {
		t.Errorf("what-can --json: exit %d %v\n%s", code, err, out)
	}
	code, out, _ = runCLI(t, "", "stats", "--snapshot", path)
	if code != 0 || !strings.Contains(out, "collection errors  1 ") {
		t.Errorf("stats: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "stats", "--snapshot", path, "--json")
	if code != 0 || !strings.Contains(out, `"collection_errors": 1,`) {
		t.Errorf("stats --json: exit %d\n%s", code, out)
	}
}
