package graph_test

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// withOrgPolicy is s with one more organization policy, sharing the rest.
func withOrgPolicy(s *snapshot.Snapshot, typ, id, doc string, targets ...string) *snapshot.Snapshot {
	c := *s
	org := *s.Organization
	p := snapshot.OrgPolicy{PolicySummary: snapshot.PolicySummary{ID: id, Name: id, Type: typ}, Content: doc}
	for _, t := range targets {
		p.Targets = append(p.Targets, snapshot.PolicyTarget{TargetID: t})
	}
	org.Policies = append(slices.Clone(org.Policies), p)
	c.Organization = &org
	return &c
}

// OrgDelta names the principals an SCP change may reach: those its
// statements can match (action asked, conditions not false on what every
// request of theirs tells) and whoever may assume their roles; and it
// declines when more than SCPs differ. SCP evaluation:
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
func TestOrgDeltaPrincipals(t *testing.T) {
	base := gen.Organization(gen.Options{Accounts: 6, Regions: 1, RolesPerAccount: 8, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 2})
	old := graph.Build(base, nil)
	delta := func(s *snapshot.Snapshot) (*graph.OrgChange, bool) {
		return graph.OrgDelta(old, graph.Build(s, nil), []string{"kms:Decrypt"})
	}
	scp := snapshot.PolicyTypeSCP

	// Two spellings of one statement: the same principals.
	team2 := `{"Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"team-2"}}}]}`
	team2b := `{"Version":"2012-10-17","Statement":{"Condition":{"StringEquals":{"AWS:principaltag/team":["team-2"]}},"Resource":["*"],"Action":["KMS:decrypt"],"Effect":"Deny"}}`
	a, okA := delta(withOrgPolicy(base, scp, "p-team2", team2, "r-gen1"))
	b, okB := delta(withOrgPolicy(base, scp, "p-team2", team2b, "r-gen1"))
	if !okA || !okB {
		t.Fatalf("an SCP change not scoped: %v %v", okA, okB)
	}
	if !slices.Equal(a.Principals, b.Principals) {
		t.Errorf("two spellings of one statement reach different principals:\n%v\n%v", a.Principals, b.Principals)
	}
	tagged, untagged := 0, 0
	for _, p := range old.Principals() {
		in := slices.Contains(a.Principals, p.ARN)
		switch {
		case p.Tags["team"] == "team-2":
			tagged++
			if !in {
				t.Errorf("%s (team-2) not among the principals", p.ARN)
			}
		case p.Tags["team"] != "" && in:
			// Only as one who may assume a role of team-2.
			may := false
			for _, q := range old.Principals() {
				if q.Tags["team"] != "team-2" {
					continue
				}
				for _, as := range old.AssumedBy(q.ARN) {
					may = may || as.Via[0] == p.ARN
				}
			}
			if !may {
				t.Errorf("%s (%s) among the principals, but the statement cannot apply to it", p.ARN, p.Tags["team"])
			}
		case p.Tags["team"] != "":
			untagged++
		}
	}
	if tagged == 0 || untagged == 0 {
		t.Fatalf("the organization lacks team-2 roles (%d) or others (%d)", tagged, untagged)
	}
	if !slices.Contains(a.About, "arn:aws:iam::100000000001:root") {
		t.Errorf("findings of the changed accounts not asked: %v", a.About)
	}

	// Statements no asked action matches, or conditions false for all:
	// nobody.
	for _, doc := range []string{
		`{"Statement":[{"Effect":"Deny","Action":["ec2:RunInstances","iam:*"],"Resource":"*"}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"contractors"}}}]}`,
		`{"Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"aws:PrincipalAccount":["100000000001","100000000002","100000000003","100000000004","100000000005","100000000006","100000000000"]}}}]}`,
	} {
		oc, ok := delta(withOrgPolicy(base, scp, "p-x", doc, "r-gen1"))
		if !ok || len(oc.Principals) > 0 || len(oc.Accounts) > 0 {
			t.Errorf("%s: ok %v, principals %v, accounts %v: want none", doc, ok, oc.Principals, oc.Accounts)
		}
	}
	// A Deny-only SCP at an OU with nothing attached: the level now allows
	// nothing, whatever the statement says.
	oc, ok := delta(withOrgPolicy(base, scp, "p-ou", `{"Statement":[{"Effect":"Deny","Action":"ec2:*","Resource":"*"}]}`, "ou-gen1-00000001"))
	if !ok {
		t.Fatal("not scoped")
	}
	for _, p := range old.Principals() {
		if p.Account == "100000000001" && !slices.Contains(oc.Principals, p.ARN) {
			t.Errorf("%s: under the OU whose level now allows nothing, but not among the principals", p.ARN)
		}
	}

	// An RCP applies to every caller of the resources under it: a
	// statement for callers outside the organization reaches those alone
	// (and every answer outside the snapshot); one for all, everyone. At
	// an OU with no RCP attached, any RCP leaves the level allowing
	// nothing: everyone too.
	// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html
	orgID := base.Organization.Organization.ID
	perimeter := `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEqualsIfExists":{"aws:PrincipalOrgID":"` + orgID + `"}}}]}`
	oc, ok = delta(withOrgPolicy(base, snapshot.PolicyTypeRCP, "p-r", perimeter, "r-gen1"))
	if !ok || !oc.Outside {
		t.Fatalf("a perimeter RCP: ok %v, outside %v", ok, oc != nil && oc.Outside)
	}
	for _, p := range old.Principals() {
		if member, in := old.Org.Member(p.Account), slices.Contains(oc.Principals, p.ARN); member == in {
			t.Errorf("%s (member: %v): among the principals a perimeter RCP may reach: %v", p.ARN, member, in)
		}
	}
	oc, ok = delta(withOrgPolicy(base, snapshot.PolicyTypeRCP, "p-r", `{"Statement":[{"Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}`, "ou-gen1-00000002"))
	if !ok || len(oc.Principals) != len(old.Principals()) {
		t.Errorf("an RCP for every caller: ok %v, %d principals of %d", ok, len(oc.Principals), len(old.Principals()))
	}

	// More than SCPs and RCPs: declined.
	iam := withOrgPolicy(base, scp, "p-x", team2, "r-gen1")
	acct := *iam.Accounts["100000000001"]
	i := *acct.IAM
	i.RoleDetailList = i.RoleDetailList[1:]
	acct.IAM = &i
	iam.Accounts = map[string]*snapshot.Account{}
	for id, a := range base.Accounts {
		iam.Accounts[id] = a
	}
	iam.Accounts["100000000001"] = &acct
	moved := withOrgPolicy(base, scp, "p-x", team2, "r-gen1")
	morg := *moved.Organization
	morg.Accounts = slices.Clone(morg.Accounts)
	morg.Accounts[1].ParentID = "ou-gen1-00000005"
	moved.Organization = &morg
	for name, s := range map[string]*snapshot.Snapshot{"a role removed": iam, "an account moved": moved} {
		if _, ok := delta(s); ok {
			t.Errorf("%s: scoped as an organization policy change", name)
		}
	}
	if _, ok := delta(base); !ok {
		t.Error("nothing changed: not scoped")
	} else if oc, _ := delta(base); len(oc.Principals)+len(oc.Accounts)+len(oc.About) > 0 {
		t.Errorf("nothing changed, yet %v", oc)
	}
}
