package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
)

// AWS resolves an alias name in the caller's account and Region (KMS DG,
// "Aliases in AWS KMS"): from account 222222222222, alias/reports is not
// the prod-data key, and the refusal says why and which ARN to pass.
func TestCanAliasOfAnotherAccount_KMSAliases(t *testing.T) {
	code, out, errOut := runCLI(t, "", "can", "--snapshot", "@demo", "arn:aws:iam::222222222222:user/dilip", "kms:Decrypt", "alias/reports")
	want := "keyhound: alias alias/reports is not in account 222222222222 (an alias name is resolved in the caller's account and Region); " +
		"the snapshot has arn:aws:kms:us-east-1:111111111111:alias/reports — pass that ARN\n"
	if code != exitBadInput || out != "" || errOut != want {
		t.Errorf("exit %d, stdout %q\nstderr %q\nwant   %q", code, out, errOut, want)
	}
	if code, _, errOut := runCLI(t, "", "can", "--snapshot", "@demo", "arn:aws:iam::222222222222:user/dilip", "kms:Decrypt", reportsAlias); code == exitBadInput {
		t.Errorf("the alias ARN it names is refused too: %s", errOut)
	}
}

// writeDemoWithARN writes the demo organization with the reports key's
// KeyMetadata.Arn replaced, and returns the file's path.
func writeDemoWithARN(t *testing.T, keyARN string) string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(demo.Snapshot(), &doc); err != nil {
		t.Fatal(err)
	}
	meta := doc["accounts"].(map[string]any)["111111111111"].(map[string]any)["regions"].(map[string]any)["us-east-1"].(map[string]any)["kms"].(map[string]any)["Keys"].([]any)[0].(map[string]any)["KeyMetadata"].(map[string]any)
	if meta["Arn"] != "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001" {
		t.Fatalf("the demo's first key is %v", meta["Arn"])
	}
	meta["Arn"] = keyARN
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "snapshot.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// A key whose KeyMetadata.Arn is malformed is a snapshot issue the load line
// counts, and who-can and can agree about it: rebuilt from its KeyId when
// nothing contradicts that (both ALLOW ann, as on the intact demo); left out
// when the ARN names another account (both refuse, with the same message).
func TestMalformedKeyARNWhoCanAndCanAgree(t *testing.T) {
	_, _, demoIssues := runCLI(t, "", "who-can", "--snapshot", "@demo", "decrypt", reportsAlias)
	if demoIssues != "" {
		t.Fatalf("the demo has issues: %s", demoIssues)
	}
	const loadLine = "1 snapshot issue (parts that could not be read or parsed, or that contradict each other)"

	path := writeDemoWithARN(t, "not-an-arn")
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", path, "kms:Decrypt", reportsAlias)
	if code != 0 || !allowsIn(out, ann) || !strings.Contains(errOut, loadLine) {
		t.Errorf("who-can: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "can", "--snapshot", path, ann, "kms:Decrypt", reportsAlias)
	if code != exitAllow || !strings.HasPrefix(out, "ALLOW") || !strings.Contains(errOut, loadLine) {
		t.Errorf("can: exit %d\n%s\n%s", code, out, errOut)
	}

	path = writeDemoWithARN(t, "arn:aws:kms:us-east-1:333333333333:key/1d6a2f4e-0000-4000-8000-00000000a001")
	whoCode, whoOut, whoErr := runCLI(t, "", "who-can", "--snapshot", path, "kms:Decrypt", reportsAlias)
	canCode, canOut, canErr := runCLI(t, "", "can", "--snapshot", path, ann, "kms:Decrypt", reportsAlias)
	if whoCode != exitBadInput || canCode != exitBadInput || whoOut != "" || canOut != "" || whoErr != canErr ||
		!strings.Contains(whoErr, loadLine) || !strings.Contains(whoErr, "KeyMetadata.Arn") || !strings.Contains(whoErr, "left out of every answer") {
		t.Errorf("who-can: exit %d %q\ncan: exit %d %q", whoCode, whoErr, canCode, canErr)
	}
}

// allowsIn reports whether who-can's table lists principal as ALLOW.
func allowsIn(table, principal string) bool {
	for _, l := range strings.Split(table, "\n") {
		if f := strings.Fields(l); len(f) >= 3 && f[0] == "ALLOW" && f[2] == principal {
			return true
		}
	}
	return false
}
