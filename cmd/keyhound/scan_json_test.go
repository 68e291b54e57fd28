package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// captureStderr points os.Stderr at a file for the rest of the test (the
// SDK's default logger writes there) and returns what was written.
func captureStderr(t *testing.T) func() string {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = f
	t.Cleanup(func() { os.Stderr = saved; _ = f.Close() })
	return func() string {
		b, err := os.ReadFile(f.Name())
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
}

// --json-progress writes JSON lines and nothing else, in a scan where the
// SDK warns about every answer (a Date header it cannot parse) and
// retries throttled calls: the SDK's warnings reach neither the command's
// standard error nor the process's. Plain progress shows them.
func TestScanJSONProgressIsOnlyJSON(t *testing.T) {
	var throttled atomic.Int64
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 2, Roles: 2, Buckets: 1, Queues: 3, BadDate: true, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Op == "ListKeys" && throttled.Add(1) <= 3 {
			return &fakeaws.Fault{Code: "ThrottlingException", Message: "Rate exceeded"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "5")
	processStderr := captureStderr(t)
	path := filepath.Join(t.TempDir(), "org.json")
	code, _, errOut := runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--region", "us-east-1", "--endpoint-url", s.URL, "-o", path, "--json-progress", "--max-requests", "4")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	events := parseProgress(t, errOut) // fails on any line that is not JSON
	if last := events[len(events)-1]; *last.Throttles != 3 || *last.AccountsDone != 4 {
		t.Errorf("last event %+v: want the 3 throttled attempts and 4 accounts", last)
	}
	if out := processStderr(); out != "" {
		t.Errorf("the SDK wrote on the process's standard error:\n%.300s", out)
	}
	if s.PeakInFlight() > 4 {
		t.Errorf("--max-requests 4: %d requests in flight at once", s.PeakInFlight())
	}
	// Plain progress: the SDK's warning is shown, on the command's stderr.
	code, _, errOut = runCLI(t, "", "scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path)
	if code != 0 || !strings.Contains(errOut, "failed to parse response Date header") {
		t.Errorf("plain progress, exit %d: the SDK's warning is not shown:\n%.500s", code, errOut)
	}
}

// A scan that cannot run ends, with --json-progress, with one JSON line
// of phase "failed" naming why, and exit 3.
func TestScanJSONProgressFailure(t *testing.T) {
	code, _, errOut := runCLI(t, "", "scan", "--org", "--json-progress")
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	var e struct {
		Phase string `json:"phase"`
		Error string `json:"error"`
	}
	if code != exitBadInput || len(lines) != 1 || json.Unmarshal([]byte(lines[0]), &e) != nil || e.Phase != "failed" || !strings.Contains(e.Error, "-o FILE") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "scan", "--org"); code != exitBadInput || !strings.HasPrefix(errOut, "keyhound: -o FILE is required") {
		t.Errorf("without --json-progress: exit %d, stderr %q", code, errOut)
	}
}

// On a terminal, an SDK log line clears the redrawn progress line first,
// and the next event draws it again below.
func TestSDKLogBetweenProgressLines(t *testing.T) {
	var b strings.Builder
	p := &progress{w: &b, live: true}
	p.event(scanner.Event{Phase: "progress", AccountsTotal: 2})
	_, _ = sdkLog{p}.Write([]byte("SDK 2026/01/01 WARN failed to parse response Date header value\n"))
	p.event(scanner.Event{Phase: "done", AccountsDone: 1, AccountsTotal: 2})
	p.end()
	want := "\r\033[Kkeyhound: 0/2 accounts · 0 calls · 0 throttled · 0 errors · elapsed 0s" +
		"\r\033[KSDK 2026/01/01 WARN failed to parse response Date header value\n" +
		"\r\033[Kkeyhound: 1/2 accounts · 0 calls · 0 throttled · 0 errors · about 0s left\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
}
