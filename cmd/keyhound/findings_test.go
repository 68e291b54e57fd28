package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A snapshot with one key whose policy names an account outside the
// (unscanned) organization (external-access, high) and whose rotation is off
// (rotation-off, low): no critical or medium finding.
const highAndLowSnapshot = `{"format":"keyhound.snapshot/v1","accounts":{"111111111111":{"regions":{"us-east-1":{"kms":{"Keys":[
{"KeyMetadata":{"KeyId":"1d6a2f4e-0000-4000-8000-00000000b001","Arn":"arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000b001",
"AWSAccountId":"111111111111","KeyManager":"CUSTOMER","KeyState":"Enabled","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT","Origin":"AWS_KMS","Enabled":true},
"Policy":"{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Root\",\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111111111111:root\"},\"Action\":\"kms:*\",\"Resource\":\"*\"}]}",
"Grants":[],"KeyRotationEnabled":false}]}}}}}}`

// --fail-on makes findings a CI gate: exit 1 when a finding at or above the
// severity exists, whatever --severity shows; 0 otherwise; an unknown
// severity is bad input (exit 3) before the snapshot is read.
func TestFindingsFailOn(t *testing.T) {
	snap := filepath.Join(t.TempDir(), "snap.json")
	if err := os.WriteFile(snap, []byte(highAndLowSnapshot), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args    []string
		code    int
		message string
	}{
		{nil, 0, ""},
		{[]string{"--fail-on", "critical"}, 0, ""},
		{[]string{"--fail-on", "high"}, exitFindingsFail, "--fail-on high: 1 finding of high or worse"},
		{[]string{"--fail-on", "medium"}, exitFindingsFail, "--fail-on medium: 1 finding of medium or worse"},
		{[]string{"--fail-on", "LOW"}, exitFindingsFail, "--fail-on low: 2 findings of low or worse"},
		{[]string{"--fail-on", "low", "--json"}, exitFindingsFail, "2 findings"},
		{[]string{"--severity", "critical", "--fail-on", "low"}, exitFindingsFail, "2 findings"},
		{[]string{"--fail-on", "urgent"}, exitBadInput, `--fail-on "urgent": want critical, high, medium, low or info`},
		{[]string{"--fail-on", ""}, 0, ""},
	} {
		args := append([]string{"findings", "--snapshot", snap}, tc.args...)
		code, out, errOut := runCLI(t, "", args...)
		if code != tc.code || !strings.Contains(errOut, tc.message) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tc.args, code, tc.code, errOut, tc.message)
		}
		if tc.code != exitBadInput && out == "" {
			t.Errorf("%v: the findings are printed whatever the exit code", tc.args)
		}
	}
	if code, _, errOut := runCLI(t, "", "findings", "--snapshot", "@demo", "--fail-on", "critical"); code != exitFindingsFail {
		t.Errorf("the demo has a critical finding: exit %d, %s", code, errOut)
	}
}

// Evidence with no policy, statement or grant to point at (rotation off)
// is its detail alone, never "· : detail"; on the demo no line has "· :".
func TestFindingsNoStrayColon(t *testing.T) {
	code, out, errOut := runCLI(t, "", "findings", "--snapshot", "@demo")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "· KeyRotationEnabled is false") {
		t.Errorf("the rotation-off evidence should be its detail alone:\n%s", out)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "· :") {
			t.Errorf("stray \"· :\": %q", l)
		}
		// Evidence names resources, not where they are in the snapshot.
		if strings.Contains(l, "accounts[") {
			t.Errorf("snapshot path in the evidence: %q", l)
		}
	}
}
