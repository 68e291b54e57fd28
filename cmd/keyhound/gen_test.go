package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// gen says on stderr what it wrote: the file, what the organization holds
// (the counts of the file itself) and its size, counts in good English.
func TestGenSaysWhatItWrote(t *testing.T) {
	out := filepath.Join(t.TempDir(), "org.json.gz")
	code, stdout, stderr := runCLI(t, "", "gen", "--accounts", "3", "--roles-per-account", "2", "--keys-per-region", "1", "--resources-per-key", "1", "-o", out)
	if code != 0 || stdout != "" {
		t.Fatalf("gen: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	st, err := os.Stat(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, _, err := snapshot.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("keyhound: wrote %s: %s (%d bytes)\n", out, genSummary(s), st.Size())
	if stderr != want {
		t.Errorf("stderr %q, want %q", stderr, want)
	}
	if want := fmt.Sprintf("%d accounts, ", len(s.Accounts)); !strings.Contains(stderr, want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
}

// One of each is said in the singular, two in the plural.
func TestGenSummaryGrammar(t *testing.T) {
	one := &snapshot.Snapshot{Accounts: map[string]*snapshot.Account{"111111111111": {
		IAM:     &snapshot.IAM{RoleDetailList: []snapshot.RoleDetail{{}}},
		Regions: map[string]*snapshot.Region{"us-east-1": {KMS: &snapshot.KMS{Keys: []snapshot.Key{{Grants: []snapshot.Grant{{}}}}}}},
	}}}
	if got, want := genSummary(one), "1 account, 1 role, 1 key, 1 grant"; got != want {
		t.Errorf("genSummary = %q, want %q", got, want)
	}
	a := one.Accounts["111111111111"]
	two := &snapshot.Snapshot{Accounts: map[string]*snapshot.Account{"111111111111": a, "222222222222": a}}
	if got, want := genSummary(two), "2 accounts, 2 roles, 2 keys, 2 grants"; got != want {
		t.Errorf("genSummary = %q, want %q", got, want)
	}
}

// --escalation-share gives a share of the roles escalation permissions (2%
// by default); 0 gives none, and a share outside 0..1 is bad input.
func TestGenEscalationShare(t *testing.T) {
	dir := t.TempDir()
	count := func(share string) int {
		t.Helper()
		out := filepath.Join(dir, "org-"+share+".json")
		args := []string{"gen", "--accounts", "4", "--roles-per-account", "50", "-o", out}
		if share != "" {
			args = append(args, "--escalation-share", share)
		}
		if code, _, errOut := runCLI(t, "", args...); code != 0 {
			t.Fatalf("gen %v: exit %d: %s", args, code, errOut)
		}
		f, err := os.Open(out)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = f.Close() }()
		s, _, err := snapshot.Load(f)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, c := range gen.EscalationCounts(s) {
			n += c
		}
		return n
	}
	if n := count("0"); n != 0 {
		t.Errorf("--escalation-share 0: %d roles", n)
	}
	if n := count(""); n == 0 || n > 20 {
		t.Errorf("default share: %d of 200 roles", n)
	}
	if n := count("0.5"); n < 60 {
		t.Errorf("--escalation-share 0.5: %d of 200 roles", n)
	}
	if code, _, _ := runCLI(t, "", "gen", "--escalation-share", "1.5", "-o", filepath.Join(dir, "x.json")); code != exitBadInput {
		t.Errorf("--escalation-share 1.5: exit %d", code)
	}
}
