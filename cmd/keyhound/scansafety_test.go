//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// scanResult is keyhound scan --json's answer, as a consumer reads it.
type scanResult struct {
	File     string `json:"file"`
	Written  string `json:"written"`
	Accounts int    `json:"accounts"`
	Kept     *int   `json:"kept"`
	Complete bool   `json:"complete"`
}

func parseScanJSON(t *testing.T, out string) scanResult {
	t.Helper()
	var r scanResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("--json: %v\n%s", err, out)
	}
	return r
}

// -o is checked before anything is collected: a missing or read-only
// directory, a directory, a device, a named pipe, a journal left by an
// interrupted scan are refused (exit 3, naming the path), with no AWS call
// made.
func TestScanOutputCheckedFirst(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers[:1], Keys: 1})
	fakeaws.UseProfiles(t, map[string]string{"prod": fakeMembers[0]})
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	interrupted := filepath.Join(dir, "interrupted.json.gz")
	if err := os.WriteFile(scanner.JournalPath(interrupted), []byte(`{"format":"`+scanner.JournalFormat+`"}`+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, out, want string
		extra           []string
	}{
		{"missing directory", filepath.Join(dir, "nosuch", "org.json"), "does not exist", nil},
		{"directory", dir, "not a regular file (a directory)", nil},
		{"device", os.DevNull, "not a regular file (a device)", nil},
		{"named pipe", fifo, "not a regular file (a named pipe)", nil},
		{"with --profiles", dir, "not a regular file", []string{"--profiles", "prod"}},
		{"a journal", interrupted, "--resume " + scanner.JournalPath(interrupted), nil},
		{"--resume of nothing", filepath.Join(dir, "new.json"), "no such snapshot or journal", []string{"--resume", filepath.Join(dir, "none.json")}},
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		cases = append(cases, struct {
			name, out, want string
			extra           []string
		}{"read-only directory", filepath.Join(ro, "org.json"), "not writable", nil})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"scan", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", tc.out}
			if tc.extra == nil {
				args = append(args, "--org")
			}
			code, _, errOut := runCLI(t, "", append(args, tc.extra...)...)
			if code != exitBadInput || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q, want exit 3 and %q", code, errOut, tc.want)
			}
		})
	}
	if n := s.Total(); n != 0 {
		t.Errorf("%d AWS calls made before the output was checked", n)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Errorf("%s replaced: %v", os.DevNull, st)
	}
}

// A partial scan never replaces a snapshot: it is written beside it
// (NAME.partial.json.gz), said on stderr and in --json's written; --force
// replaces. A failed scan writes nothing over anything. A scan cut short
// (--timeout, as Ctrl-C) follows the same rule. Each file written is 0600,
// and no journal is left once a snapshot is written.
func TestScanPartialNeverReplaces(t *testing.T) {
	denied := fakeMembers[1]
	var deny, orgDown, hang atomic.Bool
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		switch {
		case deny.Load() && c.Op == "AssumeRole" && strings.Contains(c.Resource, "::"+denied+":"):
			return &fakeaws.Fault{Status: 403, Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}
		case orgDown.Load() && c.Op == "DescribeOrganization":
			return &fakeaws.Fault{Code: "AccessDeniedException", Message: "not authorized to perform organizations:DescribeOrganization"}
		case hang.Load() && c.Account == denied && c.Op == "ListKeys":
			return &fakeaws.Fault{Hang: true}
		}
		return nil
	}})
	mototest.UseEnv(t)
	dir := t.TempDir()
	path := filepath.Join(dir, "org.json.gz")
	partial := filepath.Join(dir, "org.partial.json.gz")
	scan := func(extra ...string) (int, string, string) {
		t.Helper()
		return runCLI(t, "", append([]string{"scan", "--org", "--regions", "us-east-1", "--endpoint-url", s.URL, "-o", path}, extra...)...)
	}
	read := func(p string) []byte {
		t.Helper()
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	noJournal := func() {
		t.Helper()
		if _, err := os.Stat(scanner.JournalPath(path)); !os.IsNotExist(err) {
			t.Errorf("journal left after the snapshot was written: %v", err)
		}
	}

	// A complete scan writes -o.
	if code, _, errOut := scan("--quiet"); code != 0 {
		t.Fatalf("complete scan: exit %d: %s", code, errOut)
	}
	complete := read(path)
	mode0600(t, path)
	noJournal()

	// A partial one does not replace it.
	deny.Store(true)
	code, _, errOut := scan()
	if code != exitScanPartial || !bytes.Equal(read(path), complete) {
		t.Fatalf("partial scan: exit %d, %s replaced:\n%s", code, path, errOut)
	}
	if !strings.Contains(errOut, path+" exists: not replaced (--force replaces it)") || !strings.Contains(errOut, "wrote "+partial+": 4 accounts, 1 error") {
		t.Errorf("stderr does not say where the partial scan went:\n%s", errOut)
	}
	if snap := loadSnapshot(t, partial); len(snap.Accounts[denied].Errors) != 1 {
		t.Errorf("%s: %+v", partial, snap.Accounts[denied])
	}
	mode0600(t, partial)
	noJournal()
	code, out, _ := scan("--quiet", "--json")
	if r := parseScanJSON(t, out); code != exitScanPartial || r.File != path || r.Written != partial || r.Complete {
		t.Errorf("--json: exit %d %+v", code, r)
	}

	// A scan cut short (as by Ctrl-C) is partial: beside it too.
	if err := os.Remove(partial); err != nil {
		t.Fatal(err)
	}
	deny.Store(false)
	hang.Store(true)
	code, out, _ = scan("--quiet", "--json", "--timeout", "2s")
	if r := parseScanJSON(t, out); code != exitScanPartial || r.Written != partial || !bytes.Equal(read(path), complete) {
		t.Errorf("cut short: exit %d %+v", code, r)
	}
	hang.Store(false)

	// A failed scan writes nothing.
	orgDown.Store(true)
	before, _ := os.ReadDir(dir)
	if code, _, errOut := scan("--quiet"); code != exitBadInput || !strings.Contains(errOut, "DescribeOrganization") {
		t.Errorf("failed scan: exit %d: %s", code, errOut)
	}
	after, _ := os.ReadDir(dir)
	if len(after) != len(before) || !bytes.Equal(read(path), complete) {
		t.Errorf("a failed scan wrote: %v → %v", before, after)
	}
	orgDown.Store(false)

	// --force: the partial scan replaces -o.
	deny.Store(true)
	code, out, _ = scan("--quiet", "--json", "--force")
	if r := parseScanJSON(t, out); code != exitScanPartial || r.Written != path {
		t.Errorf("--force: exit %d %+v", code, r)
	}
	if snap := loadSnapshot(t, path); len(snap.Accounts[denied].Errors) != 1 {
		t.Errorf("--force did not replace %s", path)
	}
	mode0600(t, path)
	noTemporaryFiles(t, dir)
}

func TestPartialPath(t *testing.T) {
	for in, want := range map[string]string{
		"org.json.gz":       "org.partial.json.gz",
		"dir/org.json":      "dir/org.partial.json",
		"org.gz":            "org.partial.gz",
		"org.snap":          "org.partial.snap",
		"org":               "org.partial",
		"a.b/org":           "a.b/org.partial",
		"/x/y.2026.json.gz": "/x/y.2026.partial.json.gz",
	} {
		if got := partialPath(in); got != want {
			t.Errorf("partialPath(%q) = %q, want %q", in, got, want)
		}
	}
}
