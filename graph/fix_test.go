package graph

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// applyFix changes a snapshot as an administrator applying fix would.
func applyFix(t *testing.T, s *snapshot.Snapshot, f Fix) {
	t.Helper()
	doc := string(f.Document)
	switch {
	case f.Layer == eval.LayerKeyPolicy:
		for _, a := range s.Accounts {
			for _, r := range a.Regions {
				if r.KMS == nil {
					continue
				}
				for i := range r.KMS.Keys {
					if r.KMS.Keys[i].KeyMetadata.Arn == f.Target {
						r.KMS.Keys[i].Policy = &doc
						return
					}
				}
			}
		}
	case f.Layer == eval.LayerIdentityPolicy && f.Kind == "add-statement":
		a := s.Accounts[f.Account]
		name := "fix-" + string(rune('a'+len(f.Summary)%26)) + f.Summary[:8]
		for i := range a.IAM.UserDetailList {
			if a.IAM.UserDetailList[i].Arn == f.Target {
				a.IAM.UserDetailList[i].UserPolicyList = append(a.IAM.UserDetailList[i].UserPolicyList, snapshot.PolicyDetail{PolicyName: name, PolicyDocument: doc})
				return
			}
		}
		for i := range a.IAM.RoleDetailList {
			if a.IAM.RoleDetailList[i].Arn == f.Target {
				a.IAM.RoleDetailList[i].RolePolicyList = append(a.IAM.RoleDetailList[i].RolePolicyList, snapshot.PolicyDetail{PolicyName: name, PolicyDocument: doc})
				return
			}
		}
	case (f.Layer == eval.LayerSCP || f.Layer == eval.LayerRCP) && f.Kind == "edit-deny":
		for i := range s.Organization.Policies {
			if s.Organization.Policies[i].PolicySummary.ID == f.Target {
				s.Organization.Policies[i].Content = doc
				return
			}
		}
	}
	t.Fatalf("cannot apply %+v", f)
}

// The fixes keyhound proposes, applied to the snapshot, make the request
// go through; where no policy can, it says so and proposes the remedy.
func TestFixesApplied(t *testing.T) {
	load := func() *snapshot.Snapshot {
		s, errs, err := snapshot.Decode(demo.Snapshot())
		if err != nil || len(errs) > 0 {
			t.Fatal(err, errs)
		}
		return s
	}
	g0 := Build(load(), nil)
	legacy, err := g0.ResolveKey("alias/legacy", "111111111111", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	awsS3, err := g0.ResolveKey("alias/aws/s3", "111111111111", "us-east-1")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, principal, resource string
		want                      eval.Verdict // after the fixes
		layers                    []string     // the layers fixed, in order
		remedy                    string       // for NoPolicyFix: a word of the summary
	}{
		{"identity only", "arn:aws:iam::222222222222:user/dilip-no-policy", demo.ReportsKey, eval.Allow, []string{"identity-policy"}, ""},
		{"SCP deny", "arn:aws:iam::444444444444:role/Tinkerer", demo.ReportsKey, eval.Allow, []string{"scp"}, ""},
		{"RCP deny of an outside account", "arn:aws:iam::555555555555:root", demo.ReportsKey, eval.Allow, []string{"rcp"}, ""},
		{"both sides of a cross-account session", "arn:aws:sts::222222222222:assumed-role/Batch/s1", "arn:aws:kms:us-east-1:111111111111:alias/secrets", eval.Allow, []string{"key-policy", "grant", "identity-policy"}, ""},
		{"resource and its KMS call", "arn:aws:iam::222222222222:user/dilip-no-policy", "arn:aws:s3:::kh-demo-reports", eval.Allow, []string{"identity-policy", "identity-policy"}, ""},
		{"AWS managed key across accounts", "arn:aws:iam::222222222222:role/DataEngineer", awsS3.ARN, eval.Deny, []string{"key-policy"}, "re-encrypt"},
		{"key pending deletion", "arn:aws:iam::111111111111:role/KeyAdmin", legacy.ARN, eval.Deny, []string{"key-state"}, "cancel-key-deletion"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := load()
			g := Build(s, nil)
			q := Query{Principal: tc.principal, Action: "kms:Decrypt", Resource: tc.resource, ChainDepth: -1}
			if strings.HasPrefix(tc.resource, "arn:aws:s3") {
				q.Action = "read"
			}
			a, err := g.Can(q)
			if err != nil {
				t.Fatal(err)
			}
			if a.Decision == eval.Allow {
				t.Fatalf("already allowed")
			}
			fixes := g.Fixes(a)
			var layers []string
			for _, f := range fixes {
				layers = append(layers, f.Layer.String())
				if strings.Contains(string(f.Statement), `"kms:*"`) && f.Kind == "add-statement" {
					t.Errorf("a fix allows kms:*: %s", f.Statement)
				}
				if strings.Contains(string(f.Statement), `"AWS": "*"`) {
					t.Errorf("a fix names every principal: %s", f.Statement)
				}
				// A command reading file://… is given a whole policy document
				// (put-user-policy, put-role-policy, put-key-policy, update-policy):
				// what the CLI and the TUI show with it must be one.
				if strings.Contains(f.Command, "file://") {
					if _, err := policy.ParseString(string(f.FileJSON())); err != nil || !strings.Contains(string(f.FileJSON()), `"Statement"`) {
						t.Errorf("%s fix: %s takes a whole policy document, shown %s (%v)", f.Layer, f.Command, f.FileJSON(), err)
					}
				}
				if f.Kind != "remedy" && f.Kind != "create-grant" && !json.Valid(f.Document) {
					t.Errorf("%s fix without a valid document: %q", f.Layer, f.Document)
				}
			}
			if strings.Join(layers, ",") != strings.Join(tc.layers, ",") {
				t.Fatalf("fixes on %v, want %v: %+v", layers, tc.layers, fixes)
			}
			if tc.remedy != "" {
				if len(fixes) != 1 || !fixes[0].NoPolicyFix || !strings.Contains(fixes[0].Summary+fixes[0].Command, tc.remedy) {
					t.Fatalf("want one remedy mentioning %q: %+v", tc.remedy, fixes)
				}
				return
			}
			for _, f := range fixes {
				if !f.Alternative {
					applyFix(t, s, f)
				}
			}
			g2 := Build(s, nil)
			if len(g2.Issues) > 0 {
				t.Fatalf("the fixed snapshot has issues: %v", g2.Issues)
			}
			a2, err := g2.Can(q)
			if err != nil {
				t.Fatal(err)
			}
			if a2.Decision != tc.want {
				t.Fatalf("after the fixes: %s (denied by %v), want %s", a2.Decision, a2.DeniedBy, tc.want)
			}
		})
	}
}
