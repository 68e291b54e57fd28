package graph

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A permissions boundary that does not allow the call is fixed with a new
// default version of the boundary policy; create-policy-version takes the
// whole version's document
// (https://docs.aws.amazon.com/cli/latest/reference/iam/create-policy-version.html),
// so the fix shows the boundary's statements with the new one added.
func TestBoundaryFixShowsWholeDocument(t *testing.T) {
	s, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	const boundaryARN = "arn:aws:iam::222222222222:policy/S3Only"
	const boundaryDoc = `{"Version":"2012-10-17","Statement":[{"Sid":"S3Only","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	a := s.Accounts["222222222222"]
	a.IAM.Policies = append(a.IAM.Policies, snapshot.ManagedPolicyDetail{
		PolicyName: "S3Only", Arn: boundaryARN, DefaultVersionID: "v1",
		PolicyVersionList: []snapshot.PolicyVersion{{Document: boundaryDoc, VersionID: "v1", IsDefaultVersion: true}},
	})
	found := false
	for i := range a.IAM.UserDetailList {
		if a.IAM.UserDetailList[i].Arn == demo.Dilip {
			a.IAM.UserDetailList[i].PermissionsBoundary = &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryType: "Policy", PermissionsBoundaryArn: boundaryARN}
			found = true
		}
	}
	if !found {
		t.Fatalf("%s not in the demo", demo.Dilip)
	}
	g := Build(s, nil)
	ans, err := g.Can(Query{Principal: demo.Dilip, Action: "kms:Decrypt", Resource: demo.ReportsKey})
	if err != nil {
		t.Fatal(err)
	}
	var fix *Fix
	fixes := g.Fixes(ans)
	for i := range fixes {
		if fixes[i].Layer == eval.LayerPermissionsBoundary {
			fix = &fixes[i]
		}
	}
	if fix == nil {
		t.Fatalf("no boundary fix: %s, %+v", ans.Decision, fixes)
	}
	if !strings.Contains(fix.Command, "create-policy-version --policy-arn "+boundaryARN) {
		t.Errorf("command %q", fix.Command)
	}
	p, err := policy.ParseString(string(fix.FileJSON()))
	if err != nil {
		t.Fatalf("%v:\n%s", err, fix.FileJSON())
	}
	if len(p.Statements) != 2 || p.Statements[0].Sid != "S3Only" || !strings.Contains(string(fix.FileJSON()), "kms:Decrypt") {
		t.Errorf("want the boundary's statement and the new one:\n%s", fix.FileJSON())
	}
}
