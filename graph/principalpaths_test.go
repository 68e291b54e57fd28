package graph

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A principal's policy that does not parse is an issue at its path in the
// snapshot (a role's inline and trust policies, a user's and a group's
// inline ones), on the principal too, and the policies that parse are
// kept. The paths are made only for issues (buildPrincipals).
func TestUnparseablePrincipalPolicyPaths(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 3, Regions: 1, RolesPerAccount: 4, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 3})
	a := s.Accounts["100000000002"]
	a.IAM.RoleDetailList[1].RolePolicyList[0].PolicyDocument = "{"
	a.IAM.RoleDetailList[2].AssumeRolePolicyDocument = "nope"
	a.IAM.UserDetailList = append(a.IAM.UserDetailList, snapshot.UserDetail{
		UserName: "u", Arn: "arn:aws:iam::100000000002:user/u", GroupList: []string{"g"},
		UserPolicyList: []snapshot.PolicyDetail{{PolicyName: "ok", PolicyDocument: `{"Statement":[]}`}, {PolicyName: "bad", PolicyDocument: "["}},
	})
	a.IAM.GroupDetailList = append(a.IAM.GroupDetailList, snapshot.GroupDetail{
		GroupName: "g", Arn: "arn:aws:iam::100000000002:group/g",
		GroupPolicyList: []snapshot.PolicyDetail{{PolicyName: "gbad", PolicyDocument: "{]"}},
	})
	g := Build(s, nil)
	const iam = `accounts["100000000002"].iam.`
	want := []string{
		iam + "GroupDetailList[0].GroupPolicyList[0].PolicyDocument",
		iam + "RoleDetailList[1].RolePolicyList[0].PolicyDocument",
		iam + "RoleDetailList[2].AssumeRolePolicyDocument",
		iam + "UserDetailList[0].UserPolicyList[1].PolicyDocument",
	}
	var got []string
	for _, iss := range g.Issues {
		got = append(got, iss.Path)
	}
	if !slices.Equal(got, want) {
		t.Errorf("issue paths:\n%q\nwant\n%q", got, want)
	}
	role1, role2 := g.Principal("arn:aws:iam::100000000002:role/role-1"), g.Principal("arn:aws:iam::100000000002:role/role-2")
	if len(role1.Issues) != 1 || role2.Trust != nil || len(role2.Issues) != 1 || len(role2.Policies) == 0 {
		t.Errorf("role-1: %d issues; role-2: trust %v, %d issues, %d policies", len(role1.Issues), role2.Trust, len(role2.Issues), len(role2.Policies))
	}
	u := g.Principal("arn:aws:iam::100000000002:user/u")
	if len(u.Policies) != 1 || len(u.Issues) != 2 { // its bad inline one and its group's
		t.Errorf("user: %d policies, %d issues", len(u.Policies), len(u.Issues))
	}
}

// A resource policy that does not parse is an issue at its path (a bucket's
// Policy, a secret's ResourcePolicy, a queue's Attributes.Policy) and the
// resource's policy gap; the others keep their policies.
func TestUnparseableResourcePolicyPaths(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 3, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 3, Seed: 3})
	r := s.Accounts["100000000002"].Regions["us-east-1"]
	bad := "{"
	r.S3.Buckets[0].Policy = &bad
	r.SecretsManager.Secrets[0].ResourcePolicy = &bad
	r.SQS.Queues[0].Attributes["Policy"] = "["
	g := Build(s, nil)
	const reg = `accounts["100000000002"].regions["us-east-1"].`
	want := []string{reg + "s3.Buckets[0].Policy", reg + "secretsmanager.Secrets[0].ResourcePolicy", reg + "sqs.Queues[0].Attributes.Policy"}
	var got []string
	for _, iss := range g.Issues {
		got = append(got, iss.Path)
	}
	if !slices.Equal(got, want) {
		t.Errorf("issue paths:\n%q\nwant\n%q", got, want)
	}
	gaps, policies := 0, 0
	for _, res := range g.Resources() {
		switch {
		case res.PolicyGap() != nil && res.Policy() == nil:
			gaps++
		case res.Policy() != nil && res.Policy().Name == "resource policy":
			policies++
		}
	}
	if gaps != 3 || policies == 0 {
		t.Errorf("%d policy gaps (want 3), %d parsed resource policies", gaps, policies)
	}
}

// Principals() is every principal, sorted by ARN, whatever the snapshot:
// sortPrincipals sorts each account's run and checks the whole, so an ARN
// filed under another account, of another partition, or twice, must still
// come out in order, once.
func TestPrincipalsSortedWhateverTheSnapshot(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 5, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 2})
	roles := s.Accounts["100000000002"].IAM.RoleDetailList
	roles[1].Arn = "arn:aws:iam::100000000004:role/misfiled"                // another account's ARN
	roles[2].Arn = "arn:aws-cn:iam::100000000002:role/" + roles[2].RoleName // another partition
	roles[3].Arn = roles[0].Arn                                             // twice
	g := Build(s, nil)
	got := g.Principals()
	if len(got) != len(g.principals) {
		t.Fatalf("%d principals listed, %d known", len(got), len(g.principals))
	}
	if !slices.IsSortedFunc(got, func(a, b *Principal) int { return cmpString(a.ARN, b.ARN) }) {
		t.Error("not sorted by ARN")
	}
	for _, p := range got {
		if g.principals[p.ARN] != p {
			t.Errorf("%s listed, but another principal has its ARN", p.ARN)
		}
	}
	var arns []string
	for _, p := range got {
		arns = append(arns, p.ARN)
	}
	if !slices.Contains(arns, "arn:aws:iam::100000000004:role/misfiled") || !slices.Contains(arns, roles[2].Arn) {
		t.Error("a misfiled principal is missing")
	}
}
