//go:build unix

package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// accountCalls counts the fake's calls by the account they are about (an
// AssumeRole counts for the account whose role it assumes), leaving out
// the organization's and the caller's identity, once on is set.
type accountCalls struct {
	on sync.Mutex
	n  map[string]int
}

func (a *accountCalls) record(c fakeaws.Call) {
	if c.Service == "organizations" || c.Op == "GetCallerIdentity" {
		return
	}
	acct := c.Account
	if c.Op == "AssumeRole" {
		acct = strings.Split(c.Resource, ":")[4]
	}
	a.on.Lock()
	defer a.on.Unlock()
	if a.n != nil {
		a.n[acct]++
	}
}

func (a *accountCalls) start() {
	a.on.Lock()
	defer a.on.Unlock()
	a.n = map[string]int{}
}

func (a *accountCalls) of(acct string) int {
	a.on.Lock()
	defer a.on.Unlock()
	return a.n[acct]
}

// keyhound scan --resume FILE -o FILE: the accounts complete in FILE are
// kept with no call, the account whose role failed is read again, and the
// complete result replaces FILE.
func TestScanCommandResume(t *testing.T) {
	denied := fakeMembers[1]
	var deny atomic.Bool
	deny.Store(true)
	calls := &accountCalls{}
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		calls.record(c)
		if deny.Load() && c.Op == "AssumeRole" && strings.Contains(c.Resource, "::"+denied+":") {
			return &fakeaws.Fault{Status: 403, Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "org.json")
	args := []string{"scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path}
	if code, _, errOut := runCLI(t, "", append(args, "--quiet")...); code != exitScanPartial {
		t.Fatalf("first scan: exit %d: %s", code, errOut)
	}
	first := loadSnapshot(t, path)

	deny.Store(false)
	calls.start()
	code, _, errOut := runCLI(t, "", append(args, "--resume", path)...)
	if code != 0 {
		t.Fatalf("resumed: exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "resuming from "+path+": 4 accounts") || !strings.Contains(errOut, "wrote "+path+": 4 accounts (3 kept from --resume), 0 errors") {
		t.Errorf("stderr:\n%s", errOut)
	}
	resumed := loadSnapshot(t, path)
	for _, acct := range s.Accounts() {
		if acct == denied {
			if calls.of(acct) == 0 || resumed.Accounts[acct].IAM == nil || len(resumed.Accounts[acct].Errors) != 0 {
				t.Errorf("%s not read again: %d calls", acct, calls.of(acct))
			}
			continue
		}
		if n := calls.of(acct); n != 0 {
			t.Errorf("%s was complete, but %d calls were made", acct, n)
		}
		a, _ := json.Marshal(first.Accounts[acct])
		b, _ := json.Marshal(resumed.Accounts[acct])
		if string(a) != string(b) {
			t.Errorf("%s not kept as it was", acct)
		}
	}
	// A snapshot and the journal beside -o (left by a resume that was
	// killed): the journal's accounts are newer and win. Here it holds the
	// denied account complete, so nothing at all is read.
	other := filepath.Join(t.TempDir(), "other.json")
	if code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", other, "--quiet"); code != 0 {
		t.Fatalf("complete scan: exit %d: %s", code, errOut)
	}
	deny.Store(true)
	if code, _, errOut := runCLI(t, "", append(args, "--quiet", "--force")...); code != exitScanPartial {
		t.Fatalf("partial scan: exit %d: %s", code, errOut)
	}
	j, err := scanner.OpenJournal(scanner.JournalPath(path), scanner.NewJournalHeader(scanner.Options{Org: true, Regions: []string{"us-east-1"}}))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Add(denied, loadSnapshot(t, other).Accounts[denied]); err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	calls.start()
	code, _, errOut = runCLI(t, "", append(args, "--resume", path)...)
	if code != 0 || !strings.Contains(errOut, "resuming from "+scanner.JournalPath(path)+": 1 account") || !strings.Contains(errOut, "(4 kept from --resume)") {
		t.Errorf("snapshot and journal: exit %d:\n%s", code, errOut)
	}
	for _, acct := range s.Accounts() {
		if n := calls.of(acct); n != 0 {
			t.Errorf("%s: %d calls, want none", acct, n)
		}
	}
	// Another scope is refused before any call, a journal's as a snapshot's.
	calls.start()
	before := s.Total()
	if code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "eu-west-1", "--endpoint-url", s.URL, "-o", path, "--resume", other); code != exitBadInput || !strings.Contains(errOut, "give the same --regions") {
		t.Errorf("other Regions: exit %d: %s", code, errOut)
	}
	j, err = scanner.OpenJournal(scanner.JournalPath(other), scanner.NewJournalHeader(scanner.Options{Org: true, Regions: []string{"us-east-1"}}))
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	if code, _, errOut := runCLI(t, "", "scan", "--accounts", denied, "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--resume", j.Path()); code != exitBadInput || !strings.Contains(errOut, "is of another scan (--org --regions us-east-1)") {
		t.Errorf("a journal of another scan: exit %d: %s", code, errOut)
	}
	if s.Total() != before {
		t.Errorf("%d calls made before refusing", s.Total()-before)
	}
}

// TestScanChildProcess is keyhound scan run as a process of its own, for
// TestScanKilledResumesFromJournal to kill; it does nothing otherwise.
func TestScanChildProcess(t *testing.T) {
	raw := os.Getenv("KEYHOUND_TEST_CHILD_ARGS")
	if raw == "" {
		t.Skip("run by TestScanKilledResumesFromJournal")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	os.Exit(run(context.Background(), args, os.Stdin, os.Stdout, os.Stderr))
}

// keyhound scan killed (SIGKILL) midway leaves, and no snapshot, a journal
// of the accounts it finished; --resume finishes the scan reading only the
// accounts not in the journal, and the journal goes once the snapshot is
// written.
func TestScanKilledResumesFromJournal(t *testing.T) {
	hungOn := fakeMembers[1]
	var hang atomic.Bool
	hang.Store(true)
	reached := make(chan struct{}, 1)
	calls := &accountCalls{}
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		calls.record(c)
		if hang.Load() && c.Op == "AssumeRole" && strings.Contains(c.Resource, "::"+hungOn+":") {
			select {
			case reached <- struct{}{}:
			default:
			}
			return &fakeaws.Fault{Hang: true}
		}
		return nil
	}})
	mototest.UseEnv(t)
	path := filepath.Join(t.TempDir(), "org.json.gz")
	journal := scanner.JournalPath(path)
	// One account at a time: when the hung account's role is asked for,
	// the accounts before it are finished and journaled.
	args := []string{"scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--concurrency", "1", "--quiet"}
	b, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestScanChildProcess$")
	cmd.Env = append(os.Environ(), "KEYHOUND_TEST_CHILD_ARGS="+string(b))
	var childErr strings.Builder
	cmd.Stderr = &childErr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-reached:
	case <-time.After(2 * time.Minute): // "does not hang", not a timing assertion
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("the child never reached %s: %s", hungOn, childErr.String())
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("a killed scan wrote %s: %v", path, err)
	}
	mode0600(t, journal)
	read, err := scanner.ReadJournal(journal)
	if err != nil {
		t.Fatal(err)
	}
	var journaled []string
	for id, a := range read.Snapshot.Accounts {
		if len(a.Errors) == 0 {
			journaled = append(journaled, id)
		}
	}
	t.Logf("journaled before the kill: %v", journaled)
	if len(journaled) == 0 || slices.Contains(journaled, hungOn) {
		t.Fatalf("journal: %v complete accounts, want those before %s", journaled, hungOn)
	}
	for id := range read.Snapshot.Accounts {
		if strings.Contains(string(mustJSON(t, read.Snapshot.Accounts[id])), "ASIAFAKE") {
			t.Errorf("journal entry of %s holds an access key", id)
		}
	}

	// Without --resume the journal is not scanned over.
	if code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path); code != exitBadInput || !strings.Contains(errOut, "--resume "+journal) {
		t.Errorf("scan over a journal: exit %d: %s", code, errOut)
	}
	hang.Store(false)
	calls.start()
	code, out, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--resume", path, "--json", "--quiet")
	if code != 0 {
		t.Fatalf("resume: exit %d: %s", code, errOut)
	}
	r := parseScanJSON(t, out)
	if !r.Complete || r.Written != path || r.Accounts != 4 || r.Kept == nil || *r.Kept != len(journaled) {
		t.Errorf("resume: %+v, want %d kept", r, len(journaled))
	}
	for _, acct := range s.Accounts() {
		n := calls.of(acct)
		switch {
		case slices.Contains(journaled, acct) && n != 0:
			t.Errorf("%s was in the journal, but %d calls were made", acct, n)
		case !slices.Contains(journaled, acct) && n == 0:
			t.Errorf("%s was not in the journal, but was not read", acct)
		}
	}
	snap := loadSnapshot(t, path)
	for _, acct := range journaled {
		if string(mustJSON(t, snap.Accounts[acct])) != string(mustJSON(t, read.Snapshot.Accounts[acct])) {
			t.Errorf("%s not kept as journaled", acct)
		}
	}
	if _, err := os.Stat(journal); !os.IsNotExist(err) {
		t.Errorf("the journal was not removed once the snapshot was written: %v", err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
