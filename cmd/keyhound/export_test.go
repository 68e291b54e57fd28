package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Every format from the command line, on the demo organization; the
// formats' contents are checked by real consumers in graph/export.
func TestExportFormats(t *testing.T) {
	for _, tc := range []struct {
		format string
		args   []string
		want   string
	}{
		{"json", nil, `"format":"keyhound.graph/v1"`},
		{"graphml", nil, "<graphml"},
		{"dot", []string{"--key", "alias/reports"}, "digraph keyhound"},
		{"cypher", nil, "MERGE (n:Node"},
		{"mermaid", []string{"--principal", "arn:aws:iam::222222222222:user/dilip"}, "graph LR"},
		{"sarif", []string{"--severity", "high"}, `"version": "2.1.0"`},
		{"findings-csv", nil, "severity,rule,title"},
		{"who-csv", []string{"--account", "222222222222"}, "principal,principal_account,action"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			args := append([]string{"export", "--snapshot", "@demo", "--format", tc.format}, tc.args...)
			code, out, errOut := runCLI(t, "", args...)
			if code != 0 || !strings.Contains(out, tc.want) {
				t.Fatalf("exit %d, stderr %s, output lacks %q:\n%.400s", code, errOut, tc.want, out)
			}
			if tc.format == "sarif" {
				var log struct {
					Runs []struct {
						Results []struct {
							Level string `json:"level"`
						} `json:"results"`
					} `json:"runs"`
				}
				if err := json.Unmarshal([]byte(out), &log); err != nil {
					t.Fatal(err)
				}
				for _, r := range log.Runs[0].Results {
					if r.Level != "error" {
						t.Errorf("--severity high gave a %s result", r.Level)
					}
				}
			}
		})
	}
}

func TestExportNeo4jCSVAndErrors(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "neo4j-csv", "-o", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, f := range []string{"nodes.csv", "relationships.csv"} {
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil || len(data) < 100 {
			t.Fatalf("%s: %v (%d bytes)", f, err, len(data))
		}
	}
	for _, args := range [][]string{
		{"--format", "neo4j-csv"},
		{"--format", "mermaid"},
		{"--format", "pdf"},
		{"--format", "json", "--decision", "DENY"},
		{"--format", "json", "--key", "alias/nope"},
	} {
		code, _, errOut := runCLI(t, "", append([]string{"export", "--snapshot", "@demo"}, args...)...)
		if code != exitBadInput || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

// --escalation adds can-escalate-to edges with their steps; without it
// there are none.
func TestExportEscalation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org.json")
	if code, _, errOut := runCLI(t, "", "gen", "--accounts", "4", "--roles-per-account", "20", "--escalation-share", "0.2", "-o", path); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "export", "--snapshot", path, "--format", "json", "--escalation")
	if code != 0 || !strings.Contains(out, `"kind":"can-escalate-to"`) || !strings.Contains(out, `"steps":[{"principal":`) {
		t.Fatalf("--escalation: exit %d, stderr %s, no escalation edge with steps:\n%.400s", code, errOut, out)
	}
	code, out, errOut = runCLI(t, "", "export", "--snapshot", path, "--format", "dot", "--escalation", "--escalation-depth", "1")
	if code != 0 || !strings.Contains(out, `kind="can-escalate-to"`) || !strings.Contains(out, "can gain Decrypt: ") {
		t.Fatalf("--escalation-depth 1 (dot): exit %d, stderr %s:\n%.400s", code, errOut, out)
	}
	if code, out, _ := runCLI(t, "", "export", "--snapshot", path, "--format", "json"); code != 0 || strings.Contains(out, "can-escalate-to") {
		t.Errorf("without --escalation: exit %d, escalation edges present", code)
	}
}

// An interrupt (main's context, done on SIGINT) stops an export: it fails,
// says why, and leaves no file where -o pointed, nor a good one replaced.
func TestExportStopsWhenInterrupted(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "graph.json")
	if err := os.WriteFile(out, []byte("good"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"export", "--snapshot", "@demo", "--format", "json", "-o", out}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted || !strings.Contains(stderr.String(), "export stopped") {
		t.Errorf("interrupted export: exit %d, stderr %q", code, stderr.String())
	}
	if b, err := os.ReadFile(out); err != nil || string(b) != "good" {
		t.Errorf("the file -o named: %q, %v; want it as it was", b, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("the directory holds %d files, want the one there before", len(entries))
	}
}

// So does a diff: it exits as interrupted, not as bad input, and says why.
func TestDiffStopsWhenInterrupted(t *testing.T) {
	old, cur := writeDemoExternal(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"diff", old, cur}, strings.NewReader(""), &stdout, &stderr)
	if code != exitInterrupted || !strings.Contains(stderr.String(), "comparison stopped") {
		t.Errorf("interrupted diff: exit %d, stderr %q", code, stderr.String())
	}
}

// An export says on stderr which keys or resources it wrote no access
// edges for, and why (an RDS DB instance: keyhound does not answer
// through it); the export itself succeeds.
func TestExportNamesWhatItCannotAnswer(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 2, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 4})
	var db string
	for region, r := range s.Accounts["100000000001"].Regions {
		k := r.KMS.Keys[0].KeyMetadata
		db = "arn:aws:rds:" + region + ":" + k.AWSAccountID + ":db:orders"
		r.RDS = &snapshot.RDS{DBInstances: []snapshot.DBInstance{{DBInstanceIdentifier: "orders", DBInstanceArn: db, StorageEncrypted: true, KmsKeyID: k.Arn}}}
	}
	path := writeSnapshotFile(t, s)
	code, out, errOut := runCLI(t, "", "export", "--snapshot", path, "--format", "who-csv", "--no-cache")
	if code != 0 || out == "" {
		t.Fatalf("export: exit %d, %d bytes", code, len(out))
	}
	if !strings.Contains(errOut, "no access edges for 1 key or resource keyhound cannot answer through") || !strings.Contains(errOut, db) {
		t.Errorf("stderr %q does not name %s", errOut, db)
	}
}

// writeSnapshotFile writes s as a snapshot file in a new directory and
// returns its path.
func writeSnapshotFile(t *testing.T, s *snapshot.Snapshot) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "org.json")
	var buf bytes.Buffer
	if err := snapshot.Write(&buf, s, false); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
