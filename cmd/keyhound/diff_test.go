package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// writeDemoPair writes the demo organization and a copy whose alias/secrets
// key policy has one more statement.
func writeDemoPair(t *testing.T) (old, cur string) {
	t.Helper()
	dir := t.TempDir()
	old, cur = filepath.Join(dir, "old.json"), filepath.Join(dir, "new.json")
	if err := os.WriteFile(old, demo.Snapshot(), 0o600); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(demo.Snapshot(), &doc); err != nil {
		t.Fatal(err)
	}
	keys := doc["accounts"].(map[string]any)["111111111111"].(map[string]any)["regions"].(map[string]any)["us-east-1"].(map[string]any)["kms"].(map[string]any)["Keys"].([]any)
	for _, k := range keys {
		km := k.(map[string]any)
		if km["KeyMetadata"].(map[string]any)["Arn"] != "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004" {
			continue
		}
		var pol map[string]any
		if err := json.Unmarshal([]byte(km["Policy"].(string)), &pol); err != nil {
			t.Fatal(err)
		}
		pol["Statement"] = append(pol["Statement"].([]any), map[string]any{
			"Sid": "CopierDecrypts", "Effect": "Allow", "Principal": map[string]any{"AWS": "arn:aws:iam::222222222222:role/SnapshotCopier"},
			"Action": "kms:Decrypt", "Resource": "*",
		})
		b, _ := json.Marshal(pol)
		km["Policy"] = string(b)
	}
	b, _ := json.Marshal(doc)
	if err := os.WriteFile(cur, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return old, cur
}

func TestDiffGoldenAndGates(t *testing.T) {
	old, cur := writeDemoPair(t)
	code, out, errOut := runCLI(t, "", "diff", old, cur)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "diff-one-statement.txt", out)
	code, out, _ = runCLI(t, "", "diff", "--json", old, cur)
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	golden(t, "diff-one-statement.json", out)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"--fail-on", "new-access", old, cur}, exitDiffFails},
		{[]string{"--fail-on", "new-external", old, cur}, 0},
		{[]string{"--fail-on", "any", old, cur}, exitDiffFails},
		{[]string{"--fail-on", "any", old, old}, 0},
		{[]string{"--fail-on", "new-access", cur, old}, 0}, // access removed: narrower
		{[]string{"--fail-on", "sometimes", old, cur}, exitBadInput},
		{[]string{old}, exitBadInput},
	} {
		if code, _, errOut := runCLI(t, "", append([]string{"diff"}, tc.args...)...); code != tc.code {
			t.Errorf("diff %v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
	}
}
