package main

import (
	"encoding/json"
	"strings"
	"testing"
)

const reportsKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"

func TestDeniedGolden(t *testing.T) {
	cases := []struct {
		name, stdin string
		code        int
		args        []string
	}{
		{"denied-identity.txt", "", exitDeny, []string{"--snapshot", "@demo", `User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` because no identity-based policy allows the kms:Decrypt action`}},
		{"denied-scp.json", "", exitDeny, []string{"--snapshot", "@demo", "--json", `botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:iam::444444444444:role/Tinkerer is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` with an explicit deny in a service control policy`}},
		{
			"denied-aws-managed-stdin.txt", `User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`, exitDeny,
			[]string{"--snapshot", "@demo", "--principal", "arn:aws:iam::222222222222:user/dilip", "--resource", "arn:aws:s3:::kh-demo-legacy-exports"},
		},
		{"denied-parse-only.txt", "", exitAllow, []string{`An error occurred (KMSInvalidStateException) when calling the Decrypt operation: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006 is pending deletion.`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, append([]string{"denied"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s", code, tc.code, errOut)
			}
			golden(t, tc.name, out)
		})
	}
}

func TestDeniedJSONShape(t *testing.T) {
	code, out, errOut := runCLI(t, "", "denied", "--snapshot", "@demo", "--json", `User: arn:aws:iam::555555555555:root is not authorized to perform: kms:Decrypt on resource: `+reportsKey+` with an explicit deny in a resource control policy`)
	if code != exitDeny {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rep map[string]any
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"message", "request", "decision", "denied_by", "reasons", "message_layer", "agrees_with_message", "fixes"} {
		if _, ok := rep[k]; !ok {
			t.Errorf("no %q in %s", k, strings.Join(keys(rep), ", "))
		}
	}
	if rep["message_layer"] != "rcp" || rep["agrees_with_message"] != true {
		t.Errorf("message_layer %v, agrees %v", rep["message_layer"], rep["agrees_with_message"])
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestDeniedBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"this is not an error"},
		{"--snapshot", "@demo", `User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`},
	} {
		code, _, errOut := runCLI(t, "", append([]string{"denied"}, args...)...)
		if code != exitBadInput || errOut == "" {
			t.Errorf("%v: exit %d, stderr %q", args, code, errOut)
		}
	}
}
