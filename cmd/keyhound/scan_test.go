package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// TestScanCommandAgainstMoto runs keyhound scan --org against moto, then
// who-can over the snapshot it wrote.
func TestScanCommandAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	s := mototest.Seed(context.Background(), t, endpoint)
	mototest.UseEnv(t)
	// moto answers GetEbsDefaultKmsKeyId with HTTP 500, which the standard
	// retryer retries; AWS_MAX_ATTEMPTS (as for the AWS CLI) keeps it short.
	t.Setenv("AWS_MAX_ATTEMPTS", "2")
	path := filepath.Join(t.TempDir(), "org.json.gz")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--region", "us-east-1", "--endpoint-url", endpoint, "-o", path, "--json-progress")
	// Exit 4 (partial) only for what moto does not implement.
	if code != 0 && code != exitScanPartial {
		t.Fatalf("scan: exit %d\n%s", code, errOut)
	}
	if code == exitScanPartial {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		snap, _, err := snapshot.Load(f)
		_ = f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if errs := mototest.UnexpectedIn(snap); len(errs) > 0 {
			t.Fatalf("scan: partial beyond moto's known gaps: %+v", errs)
		}
	}
	// --json-progress: one JSON event per line, the last account's "done"
	// with every account counted.
	var doneEvents int
	var last struct {
		Phase         string `json:"phase"`
		AccountsDone  int    `json:"accounts_done"`
		AccountsTotal int    `json:"accounts_total"`
		Calls         int    `json:"calls"`
	}
	for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
		var e struct {
			Phase         string `json:"phase"`
			AccountsDone  int    `json:"accounts_done"`
			AccountsTotal int    `json:"accounts_total"`
			Calls         int    `json:"calls"`
		}
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("progress line is not JSON: %q", line)
		}
		if e.Phase == "done" {
			doneEvents++
			last = e
		}
	}
	if doneEvents != 4 || last.AccountsDone != 4 || last.AccountsTotal != 4 || last.Calls == 0 {
		t.Errorf("%d done events, last %+v", doneEvents, last)
	}
	member := s.Members[0]
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", path, "--json", "decrypt", s.Keys[member])
	if code != 0 {
		t.Fatalf("who-can: exit %d: %s", code, errOut)
	}
	var got struct {
		Principals []struct {
			Principal string `json:"principal"`
			Decision  string `json:"decision"`
		} `json:"principals"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range got.Principals {
		if p.Principal == "arn:aws:iam::"+member+":role/Reader" && p.Decision == "ALLOW" {
			found = true
		}
	}
	if !found {
		t.Errorf("who-can decrypt %s lacks the account's Reader:\n%s", s.Keys[member], out)
	}
	if code, _, _ := runCLI(t, "", "scan", "--regions", "us-east-1", "--endpoint-url", endpoint); code != exitBadInput {
		t.Errorf("scan without -o: exit %d", code)
	}
}

// progressEvent is a --json-progress line, with every documented field.
type progressEvent struct {
	Phase          string `json:"phase"`
	Account        string `json:"account"`
	Region         string `json:"region"`
	Message        string `json:"message"`
	Error          string `json:"error"`
	AccountsDone   *int   `json:"accounts_done"`
	AccountsTotal  *int   `json:"accounts_total"`
	Errors         *int   `json:"errors"`
	AccountErrors  int    `json:"account_errors"`
	Calls          *int64 `json:"calls"`
	Throttles      *int64 `json:"throttles"`
	FailedAttempts *int64 `json:"failed_attempts"`
	ElapsedNS      *int64 `json:"elapsed_ns"`
}

func parseProgress(t *testing.T, stderr string) []progressEvent {
	t.Helper()
	var out []progressEvent
	for _, line := range strings.Split(strings.TrimSpace(stderr), "\n") {
		var e progressEvent
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("progress line is not JSON: %q", line)
		}
		if e.AccountsDone == nil || e.AccountsTotal == nil || e.Errors == nil || e.Calls == nil || e.Throttles == nil || e.FailedAttempts == nil || e.ElapsedNS == nil {
			t.Fatalf("progress line lacks a documented field: %q", line)
		}
		out = append(out, e)
	}
	return out
}

func loadSnapshot(t *testing.T, path string) *snapshot.Snapshot {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	snap, errs, err := snapshot.Load(f)
	if err != nil || len(errs) > 0 {
		t.Fatalf("%s does not load: %v %v", path, err, errs)
	}
	return snap
}

var fakeMembers = []string{"200000000001", "200000000002", "200000000003"}

// keyhound scan against fakeaws (no moto): a member whose role cannot be
// assumed makes the scan partial (exit 4), with an "error" event naming it
// in --json-progress; everything else is written.
func TestScanCommandFakeAWS(t *testing.T) {
	denied := fakeMembers[1]
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 2, Roles: 2, Buckets: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Op == "AssumeRole" && strings.Contains(c.Resource, "::"+denied+":") {
			return &fakeaws.Fault{Status: 403, Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "org.json")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--region", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--json-progress")
	if code != exitScanPartial {
		t.Fatalf("exit %d, want %d (partial)\n%s", code, exitScanPartial, errOut)
	}
	events := parseProgress(t, errOut)
	var errs, done []progressEvent
	for _, e := range events {
		switch e.Phase {
		case "error":
			errs = append(errs, e)
		case "done":
			done = append(done, e)
		}
	}
	if len(errs) != 1 || errs[0].Account != denied || !strings.HasPrefix(errs[0].Error, "AccessDenied: ") || !strings.Contains(errs[0].Message, "sts AssumeRole") {
		t.Errorf("error events %+v", errs)
	}
	if len(done) != 4 || *done[3].AccountsDone != 4 || *done[3].AccountsTotal != 4 || *done[3].Errors != 1 || *done[3].Calls == 0 {
		t.Errorf("done events %+v", done)
	}
	snap := loadSnapshot(t, path)
	if len(snap.Accounts) != 4 || len(snap.Accounts[denied].Errors) != 1 || len(snap.Accounts[fakeMembers[0]].Regions["us-east-1"].KMS.Keys) != 2 {
		t.Errorf("snapshot: %d accounts, denied %+v", len(snap.Accounts), snap.Accounts[denied])
	}
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("snapshot mode %v %v", st.Mode(), err)
	}
	// Plain progress (not a terminal): a line per account and the summary.
	path = filepath.Join(t.TempDir(), "org.json")
	code, _, errOut = runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path)
	if code != exitScanPartial || strings.Count(errOut, "keyhound: scanned ") != 4 || !strings.Contains(errOut, "1 error, first AccessDenied on sts AssumeRole") ||
		!strings.Contains(errOut, "wrote "+path+": 4 accounts, 1 error") {
		t.Errorf("plain progress, exit %d:\n%s", code, errOut)
	}
	// --quiet: nothing on stderr.
	if code, _, errOut = runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quiet", "--force"); code != exitScanPartial || errOut != "" {
		t.Errorf("--quiet: exit %d, stderr %q", code, errOut)
	}
}

// --timeout against a server that stops answering: the scan writes what it
// has, the interrupted calls recorded as Cancelled, and exits partial.
func TestScanCommandTimeout(t *testing.T) {
	slow := fakeMembers[0]
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Account == slow && c.Op == "DescribeKey" {
			return &fakeaws.Fault{Hang: true}
		}
		return nil
	}})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "partial.json.gz")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--timeout", "1s", "--quiet")
	if code != exitScanPartial {
		t.Fatalf("exit %d, want partial: %s", code, errOut)
	}
	snap := loadSnapshot(t, path)
	a := snap.Accounts[slow]
	if a == nil || !slices.ContainsFunc(a.Errors, func(e snapshot.CollectionError) bool { return e.Operation == "DescribeKey" && e.Code == "Cancelled" }) {
		t.Errorf("the hung account's interrupted call is not recorded: %+v", a)
	}
	if len(snap.Accounts) != 4 || len(snap.Accounts[fakeMembers[1]].Errors) != 0 {
		t.Errorf("the other accounts were not kept: %d accounts", len(snap.Accounts))
	}
}

// --profiles: one account per profile, with its own credentials; it does
// not go with --org.
func TestScanCommandProfiles(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1})
	fakeaws.UseProfiles(t, map[string]string{"prod": fakeMembers[0], "dev": fakeMembers[2]})
	path := filepath.Join(t.TempDir(), "accounts.json")
	code, _, errOut := runCLI(t, "", "scan", "--profiles", "prod,dev", "--regions", "us-east-1", "--region", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--quiet")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	snap := loadSnapshot(t, path)
	if snap.Organization != nil || len(snap.Accounts) != 2 || snap.Accounts[fakeMembers[0]] == nil || snap.Accounts[fakeMembers[2]] == nil {
		t.Errorf("accounts %v", snap.Accounts)
	}
	if n := s.Calls("", "sts:AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls with --profiles", n)
	}
	for _, args := range [][]string{
		{"scan", "--profiles", "prod", "--org", "-o", path},
		{"scan", "--profiles", "prod", "--accounts", fakeMembers[0], "-o", path},
		{"scan", "--profiles", "prod,nosuch", "--endpoint-url", s.URL, "-o", path},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != exitBadInput || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// The progress renderings: a redrawn line on a terminal, lines otherwise,
// JSON, or nothing.
func TestProgressRendering(t *testing.T) {
	events := []scanner.Event{
		{Phase: "organization", Account: "100000000000"},
		{Phase: "account", Account: "111111111111", AccountsTotal: 2},
		{Phase: "error", Account: "111111111111", Region: "us-east-1", Message: "kms GetKeyPolicy arn:aws:kms:us-east-1:111111111111:key/k", Err: "AccessDeniedException: no", AccountsTotal: 2, Errors: 1},
		{
			Phase: "done", Account: "111111111111", Message: "1 errors, first AccessDeniedException on kms GetKeyPolicy; 1 Regions", AccountsDone: 1, AccountsTotal: 2, Errors: 1, AccountErrors: 1,
			Counts: scanner.Counts{Calls: 40, Throttles: 3}, Elapsed: 10 * time.Second,
		},
		{Phase: "progress", AccountsDone: 1, AccountsTotal: 2, Errors: 1, Counts: scanner.Counts{Calls: 50, Throttles: 3}, Elapsed: 12 * time.Second},
		{Phase: "done", Account: "222222222222", Message: "1 Regions", AccountsDone: 2, AccountsTotal: 2, Errors: 1, Counts: scanner.Counts{Calls: 60, Throttles: 3}, Elapsed: 20 * time.Second},
	}
	render := func(p *progress) string {
		var b strings.Builder
		p.w = &b
		for _, e := range events {
			p.event(e)
		}
		p.end()
		return b.String()
	}
	live := render(&progress{live: true})
	if !strings.HasPrefix(live, "\r\033[K") || !strings.HasSuffix(live, "\n") ||
		!strings.Contains(live, "keyhound: 1/2 accounts · 40 calls · 3 throttled · 1 error · about 10s left") ||
		!strings.Contains(live, "keyhound: 2/2 accounts · 60 calls · 3 throttled · 1 error · took 20s") {
		t.Errorf("live:\n%q", live)
	}
	plain := render(&progress{})
	want := "keyhound: scanned 111111111111 (1/2): 1 errors, first AccessDeniedException on kms GetKeyPolicy; 1 Regions\nkeyhound: scanned 222222222222 (2/2): 1 Regions\n"
	if plain != want {
		t.Errorf("plain:\n%s\nwant:\n%s", plain, want)
	}
	js := render(&progress{json: true})
	lines := strings.Split(strings.TrimSpace(js), "\n")
	if len(lines) != len(events) || !strings.Contains(lines[2], `"phase":"error"`) || !strings.Contains(lines[2], `"error":"AccessDeniedException: no"`) ||
		!strings.Contains(lines[2], `"region":"us-east-1"`) || strings.Contains(lines[3], `"error"`) {
		t.Errorf("json:\n%s", js)
	}
	if q := render(&progress{quiet: true, live: true}); q != "" {
		t.Errorf("quiet: %q", q)
	}
}
