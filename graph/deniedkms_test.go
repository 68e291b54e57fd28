package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

const (
	rdsKeyARN   = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a003"
	rdsSnapshot = "arn:aws:rds:us-east-1:111111111111:snapshot:orders-2026-11-01"
	demoSecret  = "arn:aws:secretsmanager:us-east-1:111111111111:secret:prod/db-password-AbCdEf"
	batchRole   = "arn:aws:iam::222222222222:role/Batch"
	engineer    = "arn:aws:iam::222222222222:role/DataEngineer"
	copier      = "arn:aws:iam::222222222222:role/SnapshotCopier"
)

// A service's report of a KMS failure is evaluated as the KMS calls the
// service makes for the caller (IAM UG, forward access sessions:
// kms:ViaService names the reporting service), on the demo organization.
func TestDeniedServiceKMS(t *testing.T) {
	rdsFault := `An error occurred (KMSKeyNotAccessibleFault) when calling the RestoreDBInstanceFromDBSnapshot operation: The specified KMS key [` + rdsKeyARN + `] does not exist, is not enabled or you do not have permissions to access it.`
	lambdaDenied := func(role, key string) string {
		return `Calling the invoke API action failed with this message: Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: User: arn:aws:sts::222222222222:assumed-role/` + role + `/fn is not authorized to perform: kms:Decrypt on resource: ` + key + ` because no resource-based policy allows the kms:Decrypt action (Service: Kms, Status Code: 400, Request ID: 1)`
	}
	secrets := `An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed`
	cases := []struct {
		name     string
		message  string
		opts     DeniedOptions
		decision eval.Verdict
		calls    string // the KMS calls evaluated, without a resource
		via      string
		layers   string // keyhound's denying layers, deduplicated
		agrees   bool
	}{
		// RDS UG, "Sharing a DB snapshot": restoring a shared encrypted
		// snapshot needs DescribeKey, CreateGrant and Decrypt on its key; the
		// key policy names account 222222222222, whose Batch role's IAM
		// policies allow none of them.
		{"rds, caller without IAM permission", rdsFault, DeniedOptions{Principal: batchRole}, eval.Deny, "kms:DescribeKey,kms:CreateGrant,kms:Decrypt", "rds.us-east-1.amazonaws.com", "identity-policy", true},
		{"rds, the copier can: the snapshot may be older", rdsFault, DeniedOptions{Principal: copier}, eval.Allow, "kms:DescribeKey,kms:CreateGrant,kms:Decrypt", "rds.us-east-1.amazonaws.com", "", false},
		// With the snapshot: its own permission (the restore attribute) too.
		{"rds, through the snapshot", rdsFault, DeniedOptions{Principal: batchRole, Resource: rdsSnapshot}, eval.Deny, "", "rds.us-east-1.amazonaws.com", "identity-policy", true},
		// Lambda decrypts environment variables with the execution role's
		// session, which KMS's own message names; the key policy allows
		// DataEngineer only through Secrets Manager, not Lambda.
		{"lambda, key policy does not name the role", lambdaDenied("Batch", secretsKeyARN), DeniedOptions{}, eval.Deny, "kms:Decrypt", "lambda.us-east-1.amazonaws.com", "key-policy,identity-policy", true},
		{"lambda, key policy allows only through secrets manager", lambdaDenied("DataEngineer", secretsKeyARN), DeniedOptions{}, eval.Deny, "kms:Decrypt", "lambda.us-east-1.amazonaws.com", "key-policy", true},
		// Secrets Manager decrypts the secret through
		// secretsmanager.REGION.amazonaws.com: the same key policy allows it.
		{"secrets manager, through the service the key policy names", secrets, DeniedOptions{Principal: engineer, Key: secretsKeyARN}, eval.Allow, "kms:Decrypt", "secretsmanager.us-east-1.amazonaws.com", "", false},
		{"secrets manager, another caller", secrets, DeniedOptions{Principal: batchRole, Resource: demoSecret}, eval.Deny, "", "secretsmanager.us-east-1.amazonaws.com", "resource-policy,identity-policy,key-policy", true},
	}
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatal(err, errs)
	}
	g := Build(s, nil)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m, err := accessdenied.Parse(tc.message)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := g.ExplainDenied(m, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Decision != tc.decision || rep.AgreesWithMessage != tc.agrees {
				t.Errorf("decision %s, agrees %v; want %s, %v (denied by %v, explanations %v)", rep.Decision, rep.AgreesWithMessage, tc.decision, tc.agrees, rep.DeniedBy, rep.Explanations)
			}
			if got := strings.Join(rep.Request.KMSCalls, ","); got != tc.calls {
				t.Errorf("KMS calls %s, want %s", got, tc.calls)
			}
			if rep.Request.ViaService != tc.via {
				t.Errorf("via %q, want %q", rep.Request.ViaService, tc.via)
			}
			for _, st := range rep.Steps {
				if strings.HasPrefix(st.Action, "kms:") && st.ViaService != tc.via {
					t.Errorf("step %s via %q, want %q", st.Action, st.ViaService, tc.via)
				}
			}
			var layers []string
			for _, d := range rep.DeniedBy {
				if l := d.Layer.String(); !contains(layers, l) {
					layers = append(layers, l)
				}
			}
			if got := strings.Join(layers, ","); got != tc.layers {
				t.Errorf("denied by %s, want %s", got, tc.layers)
			}
			if tc.decision == eval.Deny && len(rep.Fixes) == 0 {
				t.Error("no fix")
			}
			if tc.decision == eval.Allow && len(rep.Explanations) == 0 {
				t.Error("a disagreement must say what could explain it")
			}
		})
	}
}

// The fixes keyhound proposes for a service's KMS failure, applied to the
// snapshot, make the same report ALLOW.
func TestDeniedServiceKMSFixesAllow(t *testing.T) {
	for _, tc := range []struct {
		message string
		opts    DeniedOptions
	}{
		{`An error occurred (KMSKeyNotAccessibleFault) when calling the RestoreDBInstanceFromDBSnapshot operation: The specified KMS key [` + rdsKeyARN + `] does not exist, is not enabled or you do not have permissions to access it.`, DeniedOptions{Principal: batchRole}},
		{`KMSAccessDeniedException: Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: User: arn:aws:sts::222222222222:assumed-role/Batch/fn is not authorized to perform: kms:Decrypt on resource: ` + secretsKeyARN + ` because no resource-based policy allows the kms:Decrypt action`, DeniedOptions{}},
	} {
		s, _, err := snapshot.Decode(demo.Snapshot())
		if err != nil {
			t.Fatal(err)
		}
		m, err := accessdenied.Parse(tc.message)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := Build(s, nil).ExplainDenied(m, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Decision != eval.Deny || len(rep.Fixes) == 0 {
			t.Fatalf("%s: %s with %d fixes", m.Action, rep.Decision, len(rep.Fixes))
		}
		for _, f := range rep.Fixes {
			if !f.Alternative {
				applyFix(t, s, f)
			}
		}
		rep2, err := Build(s, nil).ExplainDenied(m, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if rep2.Decision != eval.Allow {
			t.Errorf("%s after the fixes: %s, denied by %v", m.Action, rep2.Decision, rep2.DeniedBy)
		}
	}
}

// When the service says the key is unusable, or leaves the cause open and the
// snapshot has the key pending deletion, the key's state is the answer.
func TestDeniedServiceKMSKeyState(t *testing.T) {
	s, _, _ := snapshot.Decode(demo.Snapshot())
	g := Build(s, nil)
	for _, tc := range []struct{ message, remedy string }{
		{`An error occurred (KMSKeyNotAccessibleFault) when calling the RestoreDBInstanceFromDBSnapshot operation: The specified KMS key [` + legacyKeyARN + `] does not exist, is not enabled or you do not have permissions to access it.`, "cancel-key-deletion"},
		{`An error occurred (KMS.KMSInvalidStateException) when calling the GetObject operation: ` + legacyKeyARN + ` is pending deletion.`, "cancel-key-deletion"},
	} {
		m, err := accessdenied.Parse(tc.message)
		if err != nil {
			t.Fatal(err)
		}
		rep, err := g.ExplainDenied(m, DeniedOptions{Principal: batchRole})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Decision != eval.Deny || !rep.AgreesWithMessage || len(rep.Fixes) != 1 || !strings.Contains(rep.Fixes[0].Command, tc.remedy) {
			t.Errorf("%s: %s, agrees %v, fixes %+v", m.Exception, rep.Decision, rep.AgreesWithMessage, rep.Fixes)
		}
	}
}

// An operation several services have is not guessed: the report asks for the
// service, and --service settles it.
func TestDeniedAmbiguousOperation(t *testing.T) {
	s, _, _ := snapshot.Decode(demo.Snapshot())
	g := Build(s, nil)
	m, err := accessdenied.Parse(`An error occurred (AccessDenied) when calling the ListTagsForResource operation: Access Denied`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = g.ExplainDenied(m, DeniedOptions{Principal: "arn:aws:iam::222222222222:user/dilip", Resource: demoSecret})
	if !errors.Is(err, ErrUnknownService) || !strings.Contains(err.Error(), "--service") {
		t.Fatalf("want ErrUnknownService naming --service, got %v", err)
	}
	mm, err := resolveOperation(m, DeniedOptions{Service: "sns"})
	if err != nil || mm.Action != "sns:ListTagsForResource" || m.Action != "" {
		t.Errorf("--service sns: action %q (the parsed message's %q), %v", mm.Action, m.Action, err)
	}
}

// A service's report that names neither the caller nor the key asks for them.
func TestDeniedServiceKMSNeedsCallerAndKey(t *testing.T) {
	s, _, _ := snapshot.Decode(demo.Snapshot())
	g := Build(s, nil)
	m, err := accessdenied.Parse(`An error occurred (AccessDeniedException) when calling the GetSecretValue operation: Access to KMS is not allowed`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.ExplainDenied(m, DeniedOptions{}); err == nil || !strings.Contains(err.Error(), "--principal") {
		t.Errorf("no caller: %v", err)
	}
	if _, err := g.ExplainDenied(m, DeniedOptions{Principal: engineer}); !errors.Is(err, ErrHiddenKey) {
		t.Errorf("no key: %v", err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
