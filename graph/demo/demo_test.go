package demo

import (
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// TestDemoOrganization pins the stories the demo organization tells; each
// one is a documented AWS behaviour.
func TestDemoOrganization(t *testing.T) {
	s, errs, err := snapshot.Decode(Snapshot())
	if err != nil || len(errs) > 0 {
		t.Fatalf("demo snapshot: %v %v", err, errs)
	}
	g := graph.Build(s, errs)
	if len(g.Issues) > 0 {
		t.Fatalf("demo has issues: %v", g.Issues)
	}
	cases := []struct {
		story, principal string
		ec               map[string]string
		want, direct     eval.Verdict
		deniedBy         string
	}{
		{"Dilip, with his IAM policy, reads the shared key across accounts", Dilip, nil, eval.Allow, eval.Allow, ""},
		{"Dilip's colleague without an IAM policy cannot: both accounts must allow", "arn:aws:iam::222222222222:user/dilip-no-policy", nil, eval.Deny, eval.Deny, "identity-policy"},
		{"the SCP on the sandbox OU denies kms:Decrypt", "arn:aws:iam::444444444444:role/Tinkerer", nil, eval.Deny, eval.Deny, "scp"},
		{"the RCP data perimeter denies the external auditor the key policy names", "arn:aws:iam::555555555555:root", nil, eval.Deny, eval.Deny, "rcp"},
		{"the Batch grant holds only with its encryption context", "arn:aws:iam::222222222222:role/Batch", nil, eval.Conditional, eval.Conditional, "grant"},
		{"with the right encryption context it holds", "arn:aws:iam::222222222222:role/Batch", map[string]string{"department": "finance"}, eval.Allow, eval.Allow, ""},
		{"the management account's admin reaches the key through KeyAdmin", "arn:aws:iam::999999999999:role/OrgAdmin", nil, eval.Allow, eval.Deny, ""},
	}
	for _, tc := range cases {
		a, err := g.Can(graph.Query{Principal: tc.principal, Action: "kms:Decrypt", Resource: ReportsKey, EncryptionContext: tc.ec})
		if err != nil {
			t.Fatalf("%s: %v", tc.story, err)
		}
		if a.Decision != tc.want || a.DirectDecision != tc.direct {
			t.Errorf("%s: %s (direct %s), want %s (direct %s)", tc.story, a.Decision, a.DirectDecision, tc.want, tc.direct)
		}
		if tc.deniedBy != "" {
			l, _ := eval.ParseLayer(tc.deniedBy)
			if !(&eval.Decision{DeniedBy: a.DeniedBy}).DeniedByLayer(l) {
				t.Errorf("%s: denied_by %v lacks %s", tc.story, a.DeniedBy, tc.deniedBy)
			}
		}
	}
	// A key pending deletion refuses cryptographic operations whatever its policy.
	a, err := g.Can(graph.Query{Principal: "arn:aws:iam::111111111111:user/ann", Action: "kms:Decrypt", Resource: "arn:aws:kms:us-east-1:111111111111:alias/legacy"})
	if err != nil || a.Decision != eval.Deny || !(&eval.Decision{DeniedBy: a.DeniedBy}).DeniedByLayer(eval.LayerKeyState) {
		t.Errorf("pending-deletion key: %v %+v", err, a)
	}
}

// The RCP data perimeter covers S3 too: the external auditor cannot read the
// reports bucket even where a policy would let it, and the denial is the
// RCP's explicit one, not an unknown.
func TestDemoPerimeterOnS3(t *testing.T) {
	s, errs, _ := snapshot.Decode(Snapshot())
	g := graph.Build(s, errs)
	a, err := g.Can(graph.Query{Principal: "arn:aws:iam::555555555555:root", Action: "s3:GetObject", Resource: "arn:aws:s3:::kh-demo-reports/q3.csv", ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision != eval.Deny || len(a.Steps) != 2 {
		t.Fatalf("%s, %d steps", a.Decision, len(a.Steps))
	}
	for _, st := range a.Steps {
		found := false
		for _, d := range st.DeniedBy {
			found = found || (d.Layer == eval.LayerRCP && d.Explicit)
		}
		if !found {
			t.Errorf("step %s: denied_by %v lacks the RCP's explicit deny", st.Action, st.DeniedBy)
		}
	}
}
