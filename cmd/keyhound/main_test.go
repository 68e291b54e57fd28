package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
)

func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestEvalExamplesExitCodes(t *testing.T) {
	cases := []struct {
		file string
		code int
		want string
	}{
		{"../../examples/cross-account-decrypt.json", exitDeny, "denied by: identity-policy"},
		{"../../examples/conditional-encryption-context.json", exitConditional, "allowed only if kms:EncryptionContext:AppName StringEquals ExampleApp"},
		{"../../examples/scp-denies-decrypt.json", exitDeny, `RegionGuardrail, statement 0 "DenyOutsideUS" (level 1) explicitly denies`},
	}
	for _, tc := range cases {
		t.Run(tc.file, func(t *testing.T) {
			code, out, errOut := runCLI(t, "", "eval", tc.file)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr %q", code, tc.code, errOut)
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("output lacks %q:\n%s", tc.want, out)
			}
		})
	}
}

func TestEvalJSONFromStdin(t *testing.T) {
	in := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt",
	  "resource":"arn:aws:kms:us-east-1:111111111111:key/k",
	  "resource_policy":{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/alice"},"Action":"kms:Decrypt","Resource":"*"}]}}`
	code, out, _ := runCLI(t, in, "eval", "--json", "-")
	if code != exitAllow {
		t.Fatalf("exit %d, want 0: %s", code, out)
	}
	var got struct {
		Decision string            `json:"decision"`
		DeniedBy []json.RawMessage `json:"denied_by"`
		Reasons  []struct {
			Layer   string `json:"layer"`
			Outcome string `json:"outcome"`
		} `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	if got.Decision != "ALLOW" || len(got.DeniedBy) != 0 || len(got.Reasons) == 0 || got.Reasons[0].Layer != "key-policy" || got.Reasons[0].Outcome != "allows" {
		t.Errorf("unexpected decision: %s", out)
	}
}

func TestEvalBadInputNamesThePath(t *testing.T) {
	in := `{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*",
	  "identity_policies":[{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"},
	    {"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLikeX":{"a":"b"}}}]}]}`
	code, _, errOut := runCLI(t, in, "eval")
	if code != exitBadInput {
		t.Fatalf("exit %d, want %d", code, exitBadInput)
	}
	if !strings.Contains(errOut, "identity_policies[0].Statement[1].Condition.StringLikeX") {
		t.Errorf("error does not name the JSON path: %q", errOut)
	}
	code, _, errOut = runCLI(t, "", "eval", "does-not-exist.json")
	if code != exitBadInput || !strings.Contains(errOut, "does-not-exist.json") {
		t.Errorf("missing file: exit %d, stderr %q", code, errOut)
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCLI(t, "", "version")
	if code != 0 || !strings.HasPrefix(out, "keyhound ") {
		t.Errorf("version: exit %d, %q", code, out)
	}
}
