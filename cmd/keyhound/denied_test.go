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
		// A direct call to an AWS managed key: keyhound leaves open whether
		// the call came through S3, and says the denial fits a request that
		// missed the key policy's kms:ViaService condition (an Allow's: the
		// request "missed" it), not that it disagrees.
		{"denied-aws-managed-direct.txt", "", exitConditional, []string{"--snapshot", "@demo", `User: arn:aws:iam::111111111111:user/ann is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/aa5300aa-0000-4000-8000-00000000a0s3 because no resource-based policy allows the kms:Decrypt action`}},
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

// denied exits by verdict as can does: 0 the request would now be allowed,
// 1 denied, 2 conditional, 3 bad input.
func TestDeniedExitCodes(t *testing.T) {
	for _, tc := range []struct {
		name string
		code int
		args []string
	}{
		{"allowed now", exitAllow, []string{"--snapshot", "@demo", `User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` because no identity-based policy allows the kms:Decrypt action`}},
		{"denied", exitDeny, []string{"--snapshot", "@demo", `User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` because no identity-based policy allows the kms:Decrypt action`}},
		{"conditional", exitConditional, []string{"--snapshot", "@demo", `User: arn:aws:iam::222222222222:role/Batch is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` because no identity-based policy allows the kms:Decrypt action`}},
		{"key pending deletion", exitDeny, []string{"--snapshot", "@demo", `An error occurred (KMSInvalidStateException) when calling the Decrypt operation: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006 is pending deletion.`}},
		{"not a message", exitBadInput, []string{"--snapshot", "@demo", "hello"}},
		{"ambiguous operation", exitBadInput, []string{"--snapshot", "@demo", "--principal", "arn:aws:iam::222222222222:user/dilip", `An error occurred (AccessDenied) when calling the ListTagsForResource operation: Access Denied`}},
		{"parsed only", exitAllow, []string{`User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: ` + reportsKey + ` because no identity-based policy allows the kms:Decrypt action`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, "", append([]string{"denied"}, tc.args...)...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, errOut)
			}
		})
	}
}

// End to end on the demo organization: the services' own KMS failures of
// issue #12, evaluated as the KMS calls each service makes for the caller.
func TestDeniedServiceKMSDemo(t *testing.T) {
	const (
		rdsKey    = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a003"
		secretKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004"
	)
	rds := `An error occurred (KMSKeyNotAccessibleFault) when calling the RestoreDBInstanceFromDBSnapshot operation: The specified KMS key [` + rdsKey + `] does not exist, is not enabled or you do not have permissions to access it.`
	for _, tc := range []struct {
		name, stdin string
		code        int
		args        []string
		want        []string
	}{
		{
			"rds", "", exitDeny,
			[]string{"--principal", "arn:aws:iam::222222222222:role/Batch", rds},
			[]string{"rds:RestoreDBInstanceFromDBSnapshot: kms:DescribeKey, kms:CreateGrant, kms:Decrypt on " + rdsKey + " via rds.us-east-1.amazonaws.com", "DENY: denied by identity-policy", "✓ agrees with the message", `"kms:ViaService": "rds.us-east-1.amazonaws.com"`},
		},
		{
			"rds, a caller who can", "", exitAllow,
			[]string{"--principal", "arn:aws:iam::222222222222:role/SnapshotCopier", "--resource", "arn:aws:rds:us-east-1:111111111111:snapshot:orders-2026-11-01", rds},
			[]string{"keyhound  ALLOW", "✗ disagrees with the message"},
		},
		{
			"lambda", "", exitDeny,
			[]string{`Calling the invoke API action failed with this message: Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: User: arn:aws:sts::222222222222:assumed-role/DataEngineer/fn is not authorized to perform: kms:Decrypt on resource: ` + secretKey + ` because no resource-based policy allows the kms:Decrypt action (Service: Kms, Status Code: 400, Request ID: 5c3e2d1a-0000-4000-8000-000000000009)`},
			[]string{"caller    arn:aws:sts::222222222222:assumed-role/DataEngineer/fn", "kms:Decrypt on " + secretKey + " via lambda.us-east-1.amazonaws.com", "DENY: denied by key-policy", "✓ agrees with the message"},
		},
		{
			"secrets manager, on stdin", `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed`, exitDeny,
			[]string{"--principal", "arn:aws:iam::222222222222:role/Batch", "--resource", "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-password-AbCdEf"},
			[]string{"secretsmanager could not use the KMS key (access-denied)", "step      DENY kms:Decrypt on " + secretKey + " via secretsmanager.us-east-1.amazonaws.com", "✓ agrees with the message"},
		},
		{
			"secrets manager, a caller who can", "", exitAllow,
			[]string{"--principal", "arn:aws:iam::222222222222:role/DataEngineer", "--key", secretKey, `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed`},
			[]string{"kms:Decrypt on " + secretKey + " via secretsmanager.us-east-1.amazonaws.com", "keyhound  ALLOW"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := runCLI(t, tc.stdin, append([]string{"denied", "--snapshot", "@demo"}, tc.args...)...)
			if code != tc.code {
				t.Fatalf("exit %d, want %d: %s\n%s", code, tc.code, errOut, out)
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// Reading a message from a pipe says nothing on stderr.
func TestDeniedStdinPipeIsQuiet(t *testing.T) {
	code, _, errOut := runCLI(t, `User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: `+reportsKey+` because no identity-based policy allows the kms:Decrypt action`, "denied")
	if code != exitAllow || errOut != "" {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}
