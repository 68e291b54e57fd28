package scanner

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// A scan that dies after two accounts (its context cancelled, no snapshot
// written) leaves a journal with those accounts; resuming from the journal
// reads only the accounts it does not hold complete, and ends complete with
// the journaled accounts as they were.
func TestJournalCrashThenResume(t *testing.T) {
	log := &callLog{}
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 2, Buckets: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		log.record(call)
		return nil
	}}, 2)
	path := JournalPath(filepath.Join(t.TempDir(), "org.json.gz"))
	opts := Options{Org: true, Regions: []string{"us-east-1"}, Concurrency: 1}
	j, err := OpenJournal(path, NewJournalHeader(opts))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var finished atomic.Int32
	opts.OnAccount = func(id string, a *snapshot.Account) {
		if err := j.Add(id, a); err != nil {
			t.Error(err)
		}
		if finished.Add(1) == 2 {
			cancel() // the process dies here
		}
	}
	// Whether Scan returns an error (the organization's listing cut short)
	// or a partial snapshot, nothing is written: only the journal remains.
	_, _, _ = Scan(ctx, c, opts, nil)
	_ = j.Close()

	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("journal mode %v %v", st, err)
	}
	read, err := ReadJournal(path)
	if err != nil {
		t.Fatal(err)
	}
	if read.Header == nil || read.Header.Format != JournalFormat || !read.Header.Org || read.Torn {
		t.Fatalf("journal header %+v torn %v", read.Header, read.Torn)
	}
	var complete []string
	for id, a := range read.Snapshot.Accounts {
		if len(a.Errors) == 0 {
			complete = append(complete, id)
		}
	}
	slices.Sort(complete)
	if len(complete) != 2 {
		t.Fatalf("journal holds %d complete accounts (%v), want the 2 finished", len(complete), complete)
	}

	log.on.Store(true)
	opts.OnAccount = nil
	opts.Resume = read.Snapshot
	resumed, res, _ := collect(context.Background(), t, c, opts)
	if !res.Complete || res.Accounts != 4 || res.Kept != 2 {
		t.Fatalf("resumed: %+v", res)
	}
	for _, acct := range s.Accounts() {
		calls := log.of(acct)
		if slices.Contains(complete, acct) {
			if len(calls) != 0 {
				t.Errorf("%s was in the journal but was called: %v", acct, calls)
			}
			if accountJSON(t, resumed.Accounts[acct]) != accountJSON(t, read.Snapshot.Accounts[acct]) {
				t.Errorf("%s was not kept as journaled", acct)
			}
			continue
		}
		if !slices.ContainsFunc(calls, func(k string) bool { return strings.HasSuffix(k, " iam:GetAccountAuthorizationDetails") }) {
			t.Errorf("%s was not in the journal complete but was not read: %v", acct, calls)
		}
	}
}

// A line cut short by a crash is left out, and the journal goes on after
// the last whole line; a bad line in the middle names the file and line.
func TestJournalTornLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json.journal")
	h := NewJournalHeader(Options{Regions: []string{"us-east-1"}})
	j, err := OpenJournal(path, h)
	if err != nil {
		t.Fatal(err)
	}
	a := &snapshot.Account{IAM: &snapshot.IAM{}, Regions: map[string]*snapshot.Region{"us-east-1": {}}}
	for _, id := range []string{"111111111111", "222222222222"} {
		if err := j.Add(id, a); err != nil {
			t.Fatal(err)
		}
	}
	_ = j.Close()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(`{"account":"333333333333","data":{"iam":{"RoleDe`)
	_ = f.Close()

	read, err := ReadJournal(path)
	if err != nil || !read.Torn || read.Entries != 2 || len(read.Snapshot.Accounts) != 2 || !slices.Equal(read.Snapshot.Scope.Regions, []string{"us-east-1"}) {
		t.Fatalf("read %+v %v", read, err)
	}
	j, err = OpenJournal(path, h)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Add("333333333333", a); err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	read, err = ReadJournal(path)
	if err != nil || read.Torn || read.Entries != 3 || read.Snapshot.Accounts["333333333333"] == nil {
		t.Fatalf("after appending: %+v %v", read, err)
	}
	if err := j.Remove(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("Remove left %s: %v", path, err)
	}

	bad := filepath.Join(t.TempDir(), "bad.journal")
	content := `{"format":"` + JournalFormat + `"}` + "\n" + `{"account":"111111111111","data":{}}` + "\n" + `{"account":"x"` + "\n"
	if err := os.WriteFile(bad, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadJournal(bad); err == nil || !strings.Contains(err.Error(), bad+" line 3") {
		t.Errorf("bad line: %v", err)
	}
	if !IsJournal(bad) || IsJournal(path) {
		t.Errorf("IsJournal: %v for a journal, %v for a removed one", IsJournal(bad), IsJournal(path))
	}
}
