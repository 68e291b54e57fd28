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
	roles = append(roles, snapshot.RoleDetail{RoleName: "broken", Arn: "arn:aws:iam::222222222222:broken"})
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
	}
	if odd != 2 {
		t.Errorf("%d principals keep their parsed ARN, want the 2 whose fields differ", odd)
	}
	// 505,001 principals at 5,000 accounts: each 64 bytes more is 32 MB.
	if size := unsafe.Sizeof(Principal{}); size > 288 {
		t.Errorf("a Principal is %d bytes, was 288 once its parsed ARN went", size)
	}
}
