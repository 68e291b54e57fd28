package graph

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/policy"

	"github.com/keyhound/keyhound/graph/gen"
)

// PrepareCapable's one pass gives each action the principals Capable finds
// alone, and both those a principal-by-principal reading of the policies
// finds (they match once per class of principals with the same policies,
// 64 actions at a time); CapableByAccount groups them by account.
func TestPrepareCapableAgrees(t *testing.T) {
	o := gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 20, KeysPerRegion: 2, Seed: 4, EscalationShare: 0.3}
	actions := []string{"iam:PutRolePolicy", "kms:PutKeyPolicy", "sts:AssumeRole", "IAM:PassRole", "lambda:CreateFunction", "s3:GetObject", "kms:Decrypt", "iam:CreateAccessKey"}
	for i := range 70 { // more than one chunk
		actions = append(actions, "ec2:Describe"+strconv.Itoa(i), "logs:Put"+strconv.Itoa(i))
	}
	actions = append(actions, "s3:PutObject", "secretsmanager:GetSecretValue")
	s := gen.Organization(o)
	s.Accounts["100000000002"].IAM.RoleDetailList[0].RolePolicyList[0].PolicyDocument = "{" // policies unknown: capable of all
	prepared, alone := Build(s, nil), Build(s, nil)
	prepared.PrepareCapable(actions)
	some := 0
	for _, a := range actions {
		got, want := prepared.Capable(a), alone.Capable(a)
		if !slices.Equal(arns(got), arns(want)) {
			t.Errorf("%s: prepared %d principals, alone %d", a, len(got), len(want))
		}
		var brute []*Principal
		for _, p := range alone.Principals() {
			may := len(p.Issues) > 0
			for _, np := range p.Policies {
				for _, st := range np.Policy.Statements {
					may = may || st.Effect == policy.Allow && st.MatchesAction(strings.ToLower(a))
				}
			}
			if may {
				brute = append(brute, p)
			}
		}
		if !slices.Equal(arns(want), arns(brute)) {
			t.Errorf("%s: Capable %d principals, the policies say %d", a, len(want), len(brute))
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
