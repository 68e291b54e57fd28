package graph

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The common region-restriction SCP (the Organizations User Guide's example
// "Deny access to AWS based on the requested AWS Region"): a Deny of
// everything outside a list of Regions, with NotAction for global services.
func TestSCPDeniedRegions(t *testing.T) {
	s, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	const sandbox = "444444444444"
	var ouOfSandbox string
	for _, a := range s.Organization.Accounts {
		if a.ID == sandbox {
			ouOfSandbox = a.ParentID
		}
	}
	s.Organization.Policies = append(s.Organization.Policies, snapshot.OrgPolicy{
		PolicySummary: snapshot.PolicySummary{ID: "p-regions", Name: "OnlyTwoRegions", Type: snapshot.PolicyTypeSCP},
		Content: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyAllOutsideRequestedRegions","Effect":"Deny",
			"NotAction":["iam:*","organizations:*","sts:*","support:*"],"Resource":"*",
			"Condition":{"StringNotEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}}]}`,
		Targets: []snapshot.PolicyTarget{{TargetID: ouOfSandbox, Type: "ORGANIZATIONAL_UNIT"}},
	})
	s.Accounts[sandbox].EnabledRegions = []string{"ap-south-1", "eu-west-1", "us-east-1"}
	g := Build(s, nil)
	if got := g.SCPDeniedRegions(sandbox, s.Accounts[sandbox].EnabledRegions); !slices.Equal(got, []string{"ap-south-1"}) {
		t.Fatalf("denied Regions = %v, want [ap-south-1]", got)
	}
	// Another OU's account, and the management account, are not restricted.
	if got := g.SCPDeniedRegions("111111111111", []string{"ap-south-1"}); len(got) != 0 {
		t.Errorf("prod-data: %v", got)
	}
	if got := g.SCPDeniedRegions(g.Org.ManagementAccount, []string{"ap-south-1"}); len(got) != 0 {
		t.Errorf("management account: %v", got)
	}
	found := false
	for _, f := range g.Findings() {
		found = found || (f.Rule == "scp-denied-regions" && f.Account == sandbox && f.Evidence[0].Detail == "denied Regions: ap-south-1")
	}
	if !found {
		t.Error("no scp-denied-regions finding for the sandbox account")
	}
}
