package graph

import (
	"testing"
	"unsafe"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A principal's parsed ARN is arn.ParsePrincipal's, kept only where it
// differs from the principal's fields: a role whose RoleName is not its
// ARN's, an ARN that does not parse.
func TestPrincipalARNParsedAsParsePrincipalReadsIt(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	roles := s.Accounts["222222222222"].IAM.RoleDetailList
	roles[0].RoleName = "not-" + roles[0].RoleName // the ARN says otherwise
	roles = append(roles, snapshot.RoleDetail{RoleName: "broken", Arn: "arn:aws:iam::222222222222:broken"},
		snapshot.RoleDetail{RoleName: "china", Arn: "arn:aws-cn:iam::222222222222:role/china"}) // its partition is its ARN's
	s.Accounts["222222222222"].IAM.RoleDetailList = roles
	g := Build(s, errs)
	odd := 0
	for _, p := range g.Principals() {
		want, err := arn.ParsePrincipal(p.ARN)
		if err != nil {
			want = arn.Principal{}
		}
		if got := p.arnParsed(); got != want {
			t.Errorf("%s: arnParsed %+v, want %+v", p.ARN, got, want)
		}
		if p.arnPartition() != want.Partition {
			t.Errorf("%s: arnPartition %q, want %q", p.ARN, p.arnPartition(), want.Partition)
		}
		if p.odd != nil {
			odd++
		}
		if p.Name == "china" && (p.arnPartition() != "aws-cn" || p.odd != nil) {
			t.Errorf("%s: partition %q", p.ARN, p.arnPartition())
		}
	}
	if odd != 2 {
		t.Errorf("%d principals keep their parsed ARN, want the 2 whose fields differ", odd)
	}
	// 505,001 principals at 5,000 accounts: each 64 bytes more is 32 MB.
	if size := unsafe.Sizeof(Principal{}); size > 240 {
		t.Errorf("a Principal is %d bytes, was 240 once its partition went and its small fields were packed", size)
	}
}

// Role finds a role by its account and name whatever its ARN: the plain
// arn:aws:iam::ACCOUNT:role/NAME, one with a path, one at odds with the
// role's fields, and a role another principal's ARN took over in the index
// by ARN. It finds no user, and nothing for a name no role has.
func TestRoleByAccountAndName(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	iam222, iam444 := s.Accounts["222222222222"].IAM, s.Accounts["444444444444"].IAM
	iam222.RoleDetailList = append(iam222.RoleDetailList,
		snapshot.RoleDetail{RoleName: "Named", Arn: "arn:aws:iam::222222222222:role/Other"}, // the ARN says another name
		snapshot.RoleDetail{RoleName: "Other", Arn: "arn:aws:iam::222222222222:role/Other"}, // takes its ARN over
	)
	// A role of another account whose ARN is DataEngineer's, built after it.
	iam444.RoleDetailList = append(iam444.RoleDetailList, snapshot.RoleDetail{RoleName: "Claimer", Arn: "arn:aws:iam::222222222222:role/DataEngineer"})
	g := Build(s, errs)
	for _, tc := range []struct{ account, name, arn string }{
		{"111111111111", "KeyAdmin", "arn:aws:iam::111111111111:role/KeyAdmin"},
		{"111111111111", "AWSServiceRoleForAutoScaling", "arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"},
		{"222222222222", "Named", "arn:aws:iam::222222222222:role/Other"},
		{"222222222222", "Other", "arn:aws:iam::222222222222:role/Other"},
		{"222222222222", "DataEngineer", "arn:aws:iam::222222222222:role/DataEngineer"},
		{"444444444444", "Claimer", "arn:aws:iam::222222222222:role/DataEngineer"},
		{"222222222222", "dilip", ""}, // a user
		{"222222222222", "Nobody", ""},
		{"333333333333", "DataEngineer", ""},
	} {
		p := g.Role(tc.account, tc.name)
		switch {
		case tc.arn == "" && p != nil:
			t.Errorf("Role(%s, %s) = %s, want none", tc.account, tc.name, p.ARN)
		case tc.arn == "":
		case p == nil:
			t.Errorf("Role(%s, %s): none, want %s", tc.account, tc.name, tc.arn)
		case p.ARN != tc.arn || p.Account != tc.account || p.Name != tc.name:
			t.Errorf("Role(%s, %s) = %s of %s, named %s", tc.account, tc.name, p.ARN, p.Account, p.Name)
		}
	}
}
