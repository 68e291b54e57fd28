package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite golden files")

const smallSnapshot = "../../graph/testdata/small.json"

// golden compares got with testdata/golden/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestCanGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"can-allow-cross-account.json", []string{"arn:aws:sts::222222222222:assumed-role/Reader/r", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:alias/app"}, exitAllow},
		{"can-deny-scp.json", []string{"--chain-depth", "0", "arn:aws:sts::222222222222:assumed-role/Writer/w", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k-app"}, exitDeny},
		{"can-allow-through-chain.json", []string{"arn:aws:sts::222222222222:assumed-role/Writer/w", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k-app"}, exitAllow},
		{"can-external-unknown.json", []string{"arn:aws:sts::333333333333:assumed-role/Auditor/a", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k-app"}, exitConditional},
		{"can-unreadable-key.json", []string{"arn:aws:iam::111111111111:user/alice", "kms:Decrypt", "k-unreadable"}, exitConditional},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"can", "--snapshot", smallSnapshot, "--json"}, tc.args...)
			code, out, errOut := runCLI(t, "", args...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %s", code, tc.code, errOut)
			}
			golden(t, tc.name, out)
		})
	}
}

func TestCanText(t *testing.T) {
	code, out, _ := runCLI(t, "", "can", "--snapshot", smallSnapshot, "--chain-depth", "0", "arn:aws:sts::222222222222:assumed-role/Writer/w", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:key/k-app")
	if code != exitDeny || !strings.Contains(out, "denied by: scp (explicit deny)") || !strings.Contains(out, `DenyDecryptInDev, statement 0 (level 1) explicitly denies`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = runCLI(t, "", "can", "--snapshot", smallSnapshot, "--context-complete", "--encryption-context", "app=x",
		"arn:aws:sts::111111111111:assumed-role/App/i", "kms:Decrypt", "alias/app", "--region", "us-east-1")
	if code != exitAllow {
		t.Errorf("exit %d:\n%s", code, out)
	}
}

func TestCanBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"can", "arn:aws:iam::111111111111:user/alice", "kms:Decrypt", "k-app"},
		{"can", "--snapshot", "nope.json", "arn:aws:iam::111111111111:user/alice", "kms:Decrypt", "k-app"},
		{"can", "--snapshot", smallSnapshot, "arn:aws:iam::111111111111:user/nobody", "kms:Decrypt", "k-app"},
		{"can", "--snapshot", smallSnapshot, "arn:aws:iam::111111111111:user/alice", "kms:Decrypt", "k-nope"},
		{"can", "--snapshot", smallSnapshot, "--context", "novalue", "arn:aws:iam::111111111111:user/alice", "kms:Decrypt", "k-app"},
		{"can", "--snapshot", smallSnapshot, "arn:aws:iam::111111111111:user/alice", "s3:GetObject", "k-app"},
	} {
		if code, _, errOut := runCLI(t, "", args...); code != exitBadInput || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}

func TestWhoCanGolden(t *testing.T) {
	code, out, errOut := runCLI(t, "", "who-can", "--snapshot", smallSnapshot, "decrypt", "arn:aws:kms:us-east-1:111111111111:alias/app")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "who-can-decrypt.txt", out)
	code, out, errOut = runCLI(t, "", "who-can", "--snapshot", smallSnapshot, "--json", "kms:Decrypt", "k-app")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "who-can-decrypt.json", out)
	if code, _, _ := runCLI(t, "", "who-can", "--snapshot", smallSnapshot, "decrypt", "k-nope"); code != exitBadInput {
		t.Errorf("unknown key: exit %d", code)
	}
}

func TestWhatCanGolden(t *testing.T) {
	code, out, errOut := runCLI(t, "", "what-can", "--snapshot", smallSnapshot, "arn:aws:iam::222222222222:role/Writer")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "what-can-writer.txt", out)
	code, out, _ = runCLI(t, "", "what-can", "--snapshot", smallSnapshot, "--json", "--chain-depth", "0", "arn:aws:iam::222222222222:role/Writer")
	if code != 0 {
		t.Fatalf("exit %d", code)
	}
	golden(t, "what-can-writer-direct.json", out)
}

func TestDemoGolden(t *testing.T) {
	code, out, errOut := runCLI(t, "", "demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	golden(t, "demo.txt", out)
	path := filepath.Join(t.TempDir(), "demo.json")
	if code, _, errOut := runCLI(t, "", "demo", "--write", path); code != 0 {
		t.Fatalf("demo --write: exit %d: %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "", "can", "--snapshot", path, "arn:aws:iam::222222222222:user/dilip", "kms:Decrypt", "arn:aws:kms:us-east-1:111111111111:alias/reports"); code != exitAllow {
		t.Errorf("can on the written demo: exit %d: %s", code, errOut)
	}
}

func TestFindingsAndStatsGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"findings-demo.json", []string{"findings", "--snapshot", "@demo", "--json"}},
		{"findings-demo-high.txt", []string{"findings", "--snapshot", "@demo", "--severity", "high"}},
		{"stats-demo.txt", []string{"stats", "--snapshot", "@demo"}},
		{"stats-demo.json", []string{"stats", "--snapshot", "@demo", "--json"}},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errOut)
		}
		golden(t, tc.name, out)
	}
	if code, _, _ := runCLI(t, "", "findings", "--snapshot", "@demo", "--severity", "urgent"); code != exitBadInput {
		t.Errorf("bad severity: exit %d", code)
	}
}

// Resources: the resource's permission and every KMS call its service makes.
func TestResourceAnswersGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"can-s3-object-cross-account.txt", []string{"can", "--snapshot", "@demo", "arn:aws:iam::222222222222:user/dilip", "s3:GetObject", "arn:aws:s3:::kh-demo-reports/q3.csv"}, exitAllow},
		{"can-ebs-aws-managed-key.json", []string{"can", "--snapshot", "@demo", "--json", "arn:aws:iam::222222222222:role/SnapshotCopier", "decrypt", "arn:aws:ec2:us-east-1::snapshot/snap-0awsebs000000001"}, exitDeny},
		{"who-can-decrypt-bucket.txt", []string{"who-can", "--snapshot", "@demo", "decrypt", "arn:aws:s3:::kh-demo-reports"}, 0},
		{"who-can-decrypt-secret.json", []string{"who-can", "--snapshot", "@demo", "--json", "decrypt", "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-password-AbCdEf"}, 0},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errOut)
		}
		golden(t, tc.name, out)
	}
}

// Keys used through services and conditions read with their effect: who-can
// on an AWS managed key lists who may decrypt through S3 (CONDITIONAL on
// kms:ViaService) and who reads the bucket it encrypts, never "nobody"; the
// public's row on alias/open says the RCP perimeter *denies* outside the
// organization; can with no context is CONDITIONAL, --absent kms:ViaService
// answers the direct call.
func TestServiceOnlyKeyGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		code int
	}{
		{"who-can-aws-managed-key.txt", []string{"who-can", "--snapshot", "@demo", "decrypt", "alias/aws/s3"}, 0},
		{"who-can-aws-managed-key.json", []string{"who-can", "--snapshot", "@demo", "--json", "decrypt", "alias/aws/s3"}, 0},
		{"who-can-open-key.txt", []string{"who-can", "--snapshot", "@demo", "decrypt", "alias/open"}, 0},
		{"can-aws-managed-key-conditional.txt", []string{"can", "--snapshot", "@demo", "--region", "us-east-1", "arn:aws:iam::111111111111:user/ann", "kms:Decrypt", "alias/aws/s3"}, exitConditional},
		{"can-aws-managed-key-direct.txt", []string{"can", "--snapshot", "@demo", "--region", "us-east-1", "--absent", "kms:ViaService", "arn:aws:iam::111111111111:user/ann", "kms:Decrypt", "alias/aws/s3"}, exitDeny},
	} {
		code, out, errOut := runCLI(t, "", tc.args...)
		if code != tc.code {
			t.Fatalf("%v: exit %d, want %d: %s", tc.args, code, tc.code, errOut)
		}
		golden(t, tc.name, out)
	}
	_, out, _ := runCLI(t, "", "who-can", "--snapshot", "@demo", "decrypt", "alias/open")
	if !strings.Contains(out, "denied if aws:PrincipalOrgID StringNotEqualsIfExists o-kh0demo01") || strings.Contains(out, "; if ") {
		t.Errorf("the Deny statement's condition must read as one:\n%s", out)
	}
	_, out, _ = runCLI(t, "", "who-can", "--snapshot", "@demo", "decrypt", "alias/aws/s3")
	if strings.HasPrefix(out, "nobody") || !strings.Contains(out, "s3:GetObject on arn:aws:s3:::kh-demo-legacy-exports") {
		t.Errorf("who-can on aws/s3 must list who reads its data:\n%s", out)
	}
}

func TestGen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "org.json.gz")
	if code, _, errOut := runCLI(t, "", "gen", "--accounts", "3", "--roles-per-account", "6", "--keys-per-region", "4", "-o", path); code != 0 {
		t.Fatalf("gen: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "", "stats", "--snapshot", path, "--json")
	if code != 0 || !strings.Contains(out, `"roles": 22`) || !strings.Contains(out, `"customer_managed_keys": 12`) {
		t.Errorf("stats of the generated organization: exit %d %s\n%s", code, errOut, out)
	}
	if code, _, _ := runCLI(t, "", "gen", "--accounts", "0", "-o", path); code != exitBadInput {
		t.Errorf("--accounts 0: exit %d", code)
	}
}
