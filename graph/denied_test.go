package graph

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

const (
	reportsKeyARN = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
	secretsKeyARN = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a004"
	legacyKeyARN  = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a006"
)

// The seed pitfalls, pasted as the errors AWS returns for them: keyhound
// names the failing layer, and its fix, applied to the snapshot, turns the
// verdict into ALLOW (or, where no policy can, says so).
func TestDeniedSeedPitfalls(t *testing.T) {
	cases := []struct {
		name    string
		message string
		opts    DeniedOptions
		layers  []string // keyhound's denying layers
		agrees  bool
		remedy  string // for no-policy fixes
		after   eval.Verdict
	}{
		{
			"missing key-policy grant to account-b",
			`An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:sts::222222222222:assumed-role/Batch/job-7 is not authorized to perform: kms:Decrypt on resource: ` + secretsKeyARN + ` because no resource-based policy allows the kms:Decrypt action`,
			DeniedOptions{},
			[]string{"key-policy", "identity-policy"},
			true, "", eval.Allow,
		},
		{
			"missing IAM policy in account-b",
			`User: arn:aws:iam::222222222222:user/dilip-no-policy is not authorized to perform: kms:Decrypt on resource: ` + reportsKeyARN + ` because no identity-based policy allows the kms:Decrypt action`,
			DeniedOptions{},
			[]string{"identity-policy"},
			true, "", eval.Allow,
		},
		{
			"aws/s3 key across accounts",
			`User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`,
			DeniedOptions{Principal: demo.Dilip, Resource: "arn:aws:s3:::kh-demo-legacy-exports"},
			[]string{"key-policy", "identity-policy"},
			true, "re-encrypt", eval.Deny,
		},
		{
			"snapshot encrypted with aws/ebs",
			`User: arn:aws:iam::222222222222:role/SnapshotCopier is not authorized to perform: kms:CreateGrant on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`,
			DeniedOptions{Resource: "arn:aws:ec2:us-east-1::snapshot/snap-0awsebs000000001"},
			nil, true, "re-encrypt", eval.Deny,
		},
		{
			"SCP deny",
			`botocore.exceptions.ClientError: An error occurred (AccessDeniedException) when calling the Decrypt operation: User: arn:aws:iam::444444444444:role/Tinkerer is not authorized to perform: kms:Decrypt on resource: ` + reportsKeyARN + ` with an explicit deny in a service control policy`,
			DeniedOptions{},
			[]string{"scp"},
			true, "", eval.Allow,
		},
		{
			"RCP perimeter",
			`operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: 1, api error AccessDeniedException: User: arn:aws:iam::555555555555:root is not authorized to perform: kms:Decrypt on resource: ` + reportsKeyARN + ` with an explicit deny in a resource control policy`,
			DeniedOptions{},
			[]string{"rcp"},
			true, "", eval.Allow,
		},
		{
			"key pending deletion",
			`An error occurred (KMSInvalidStateException) when calling the Decrypt operation: ` + legacyKeyARN + ` is pending deletion.`,
			DeniedOptions{},
			[]string{"key-state"},
			true, "cancel-key-deletion", eval.Deny,
		},
		{
			"disabled key",
			`operation error KMS: Decrypt, https response error StatusCode: 400, RequestID: 2, DisabledException: ` + reportsKeyARN + ` is disabled.`,
			DeniedOptions{},
			[]string{"key-state"},
			true, "enable-key", eval.Deny,
		},
		{
			"the message and keyhound disagree",
			`User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: ` + reportsKeyARN + ` because no identity-based policy allows the kms:Decrypt action`,
			DeniedOptions{},
			nil, false, "", eval.Allow,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, errs, err := snapshot.Decode(demo.Snapshot())
			if err != nil || len(errs) > 0 {
				t.Fatal(err, errs)
			}
			if tc.name == "disabled key" {
				for i, k := range s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys {
					if k.KeyMetadata.Arn == reportsKeyARN {
						s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys[i].KeyMetadata.KeyState = "Disabled"
						s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys[i].KeyMetadata.Enabled = false
					}
				}
			}
			g := Build(s, nil)
			m, err := accessdenied.Parse(tc.message)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := g.ExplainDenied(m, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep.AgreesWithMessage != tc.agrees {
				t.Errorf("agrees = %v, want %v (decision %s, denied by %v, explanations %v)", rep.AgreesWithMessage, tc.agrees, rep.Decision, rep.DeniedBy, rep.Explanations)
			}
			if !tc.agrees {
				if rep.Decision != eval.Allow || len(rep.Explanations) == 0 {
					t.Errorf("a disagreement must say why: %s, %v", rep.Decision, rep.Explanations)
				}
				return
			}
			var layers []string
			for _, d := range rep.DeniedBy {
				layers = append(layers, d.Layer.String())
			}
			if tc.layers != nil && strings.Join(layers, ",") != strings.Join(tc.layers, ",") {
				t.Errorf("denied by %v, want %v", layers, tc.layers)
			}
			if tc.remedy != "" {
				if len(rep.Fixes) != 1 || !rep.Fixes[0].NoPolicyFix || !strings.Contains(rep.Fixes[0].Summary+rep.Fixes[0].Command, tc.remedy) {
					t.Fatalf("want one remedy with %q: %+v", tc.remedy, rep.Fixes)
				}
				return
			}
			if len(rep.Fixes) == 0 {
				t.Fatal("no fix")
			}
			for _, f := range rep.Fixes {
				if !f.Alternative {
					applyFix(t, s, f)
				}
			}
			g2 := Build(s, nil)
			rep2, err := g2.ExplainDenied(m, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if rep2.Decision != tc.after {
				t.Errorf("after the fixes: %s, denied by %v", rep2.Decision, rep2.DeniedBy)
			}
		})
	}
}

func TestDeniedNeedsWhatTheMessageHides(t *testing.T) {
	s, _, _ := snapshot.Decode(demo.Snapshot())
	g := Build(s, nil)
	for _, msg := range []string{
		`User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action`,
		`User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on this resource because the resource does not exist in this Region, no resource-based policies allow access, or a resource-based policy explicitly denies access`,
	} {
		m, err := accessdenied.Parse(msg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := g.ExplainDenied(m, DeniedOptions{}); err == nil || !strings.Contains(err.Error(), "--") {
			t.Errorf("%q: want an error naming the flag to give, got %v", msg, err)
		}
	}
}
