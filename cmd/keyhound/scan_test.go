package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
)

// TestScanCommandAgainstMoto runs keyhound scan --org against moto, then
// who-can over the snapshot it wrote.
func TestScanCommandAgainstMoto(t *testing.T) {
	endpoint := mototest.Start(t)
	s := mototest.Seed(context.Background(), t, endpoint)
	mototest.UseEnv(t)
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
