package graph

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
)

// PrepareCapable's one pass gives each action the principals Capable finds
// alone, and CapableByAccount groups them by account.
func TestPrepareCapableAgrees(t *testing.T) {
	o := gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 20, KeysPerRegion: 2, Seed: 4, EscalationShare: 0.3}
	actions := []string{"iam:PutRolePolicy", "kms:PutKeyPolicy", "sts:AssumeRole", "IAM:PassRole", "lambda:CreateFunction", "s3:GetObject", "kms:Decrypt", "iam:CreateAccessKey"}
	prepared, alone := Build(gen.Organization(o), nil), Build(gen.Organization(o), nil)
	prepared.PrepareCapable(actions)
	some := 0
	for _, a := range actions {
		got, want := prepared.Capable(a), alone.Capable(a)
		if !slices.Equal(arns(got), arns(want)) {
			t.Errorf("%s: prepared %d principals, alone %d", a, len(got), len(want))
		}
		n := 0
		for account, list := range prepared.CapableByAccount(a) {
			for _, p := range list {
				if p.Account != account {
					t.Errorf("%s under %s", p.ARN, account)
				}
			}
			n += len(list)
		}
		if n != len(want) {
			t.Errorf("%s: %d by account, want %d", a, n, len(want))
		}
		some += len(want)
	}
	if some == 0 {
		t.Fatal("no capable principals: the test proves nothing")
	}
}

func arns(ps []*Principal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ARN
	}
	return out
}
