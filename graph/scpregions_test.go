package graph

import (
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Org.DeniedRegions skips a Region only on a definite DENY: the
// Organizations UG's Region-deny example (explicit), its allow-list form
// (no allow outside the Regions: implicit), with an ArnNotLike exemption
// for an administrators' role (the exempt role and a role whose ARN is
// unknown are not denied; another role is), and a condition on what the
// request's context does not tell (a principal tag: CONDITIONAL, not
// denied). The management account is never restricted; an account's path
// may be given before the organization lists it.
func TestOrgDeniedRegions(t *testing.T) {
	const (
		mgmt, member = "111111111111", "222222222222"
		notAction    = `"NotAction":["iam:*","organizations:*","sts:*"],"Resource":"*"`
		outside      = `"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}`
	)
	full := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	cases := []struct {
		name, scp   string
		principal   string
		allowList   bool
		want        []string
		wantPolicy  string
		pathOutside bool // the account is not listed; its path is given
	}{
		{
			name: "explicit deny", scp: `{"Statement":[{"Sid":"Regions","Effect":"Deny",` + notAction + `,"Condition":{` + outside + `}}]}`,
			principal: "arn:aws:iam::222222222222:role/Audit", want: []string{"ap-south-1"}, wantPolicy: "p-regions",
		},
		{
			name: "session of a denied role", scp: `{"Statement":[{"Sid":"Regions","Effect":"Deny",` + notAction + `,"Condition":{` + outside + `}}]}`,
			principal: "arn:aws:sts::222222222222:assumed-role/Audit/keyhound", want: []string{"ap-south-1"}, wantPolicy: "p-regions",
		},
		{
			name: "allow-list: no allow outside", scp: `{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"StringEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]}`,
			principal: "arn:aws:iam::222222222222:role/Audit", allowList: true, want: []string{"ap-south-1"}, wantPolicy: "p-regions",
		},
		{
			name: "exempt role", scp: `{"Statement":[{"Effect":"Deny",` + notAction + `,"Condition":{` + outside + `,"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/BreakGlass"}}}]}`,
			principal: "arn:aws:iam::222222222222:role/BreakGlass",
		},
		{
			name: "role the exemption does not name", scp: `{"Statement":[{"Effect":"Deny",` + notAction + `,"Condition":{` + outside + `,"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/BreakGlass"}}}]}`,
			principal: "arn:aws:iam::222222222222:role/Audit", want: []string{"ap-south-1"}, wantPolicy: "p-regions",
		},
		{name: "ARN unknown against an exemption", scp: `{"Statement":[{"Effect":"Deny",` + notAction + `,"Condition":{` + outside + `,"ArnNotLike":{"aws:PrincipalARN":"arn:aws:iam::*:role/BreakGlass"}}}]}`},
		{
			name: "ARN unknown, no exemption", scp: `{"Statement":[{"Effect":"Deny",` + notAction + `,"Condition":{` + outside + `}}]}`,
			want: []string{"ap-south-1"}, wantPolicy: "p-regions",
		},
		{
			name: "a tag the context does not tell", scp: `{"Statement":[{"Effect":"Deny",` + notAction + `,"Condition":{` + outside + `,"StringNotEquals":{"aws:PrincipalTag/team":"platform"}}}]}`,
			principal: "arn:aws:iam::222222222222:role/Audit",
		},
		{
			name: "path given before the listing", scp: `{"Statement":[{"Sid":"Regions","Effect":"Deny",` + notAction + `,"Condition":{` + outside + `}}]}`,
			principal: "arn:aws:iam::222222222222:role/Audit", want: []string{"ap-south-1"}, wantPolicy: "p-regions", pathOutside: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rootPolicies := []snapshot.PolicyTarget{{TargetID: "r-1", Type: "ROOT"}}
			org := &snapshot.Organization{
				Organization:        &snapshot.OrganizationInfo{ID: "o-1", MasterAccountID: mgmt},
				Roots:               []snapshot.Root{{ID: "r-1", PolicyTypes: []snapshot.PolicyTypeSummary{{Type: snapshot.PolicyTypeSCP, Status: "ENABLED"}}}},
				OrganizationalUnits: []snapshot.OrganizationalUnit{{ID: "ou-1", ParentID: "r-1"}},
				Accounts:            []snapshot.OrgAccount{{ID: mgmt, ParentID: "r-1"}, {ID: member, ParentID: "ou-1"}},
				Policies: []snapshot.OrgPolicy{
					{
						PolicySummary: snapshot.PolicySummary{ID: "p-FullAWSAccess", Name: "FullAWSAccess", Type: snapshot.PolicyTypeSCP}, Content: full,
						Targets: append(slices.Clone(rootPolicies), snapshot.PolicyTarget{TargetID: "ou-1", Type: "ORGANIZATIONAL_UNIT"}),
					},
					{
						PolicySummary: snapshot.PolicySummary{ID: "p-regions", Name: "Regions", Type: snapshot.PolicyTypeSCP, Arn: "arn:aws:organizations::111111111111:policy/o-1/service_control_policy/p-regions"},
						Content:       tc.scp, Targets: []snapshot.PolicyTarget{{TargetID: "ou-1", Type: "ORGANIZATIONAL_UNIT"}, {TargetID: mgmt, Type: "ACCOUNT"}},
					},
				},
			}
			if tc.allowList {
				// The allow-list replaces FullAWSAccess on the OU; the root keeps it.
				org.Policies[0].Targets = rootPolicies
			}
			var path []string
			if tc.pathOutside {
				org.Accounts = org.Accounts[:1]
				path = []string{"r-1", "ou-1", member}
			}
			o := NewOrg(org)
			regions := []string{"ap-south-1", "eu-west-1", "us-east-1"}
			q := RegionQuery{Account: member, Path: path, Principal: tc.principal, Actions: []string{"kms:ListKeys", "ec2:DescribeVolumes"}, Regions: regions}
			got := o.DeniedRegions(q)
			var names []string
			for _, d := range got {
				names = append(names, d.Region)
				if !slices.Equal(d.Policies, []string{tc.wantPolicy}) || d.Message == "" {
					t.Errorf("denial %+v", d)
				}
			}
			if !slices.Equal(names, tc.want) {
				t.Errorf("denied %v, want %v (%+v)", names, tc.want, got)
			}
			// The management account, though the SCP names it, is not restricted.
			q.Account, q.Path, q.Principal = mgmt, nil, "arn:aws:iam::111111111111:role/Audit"
			if d := o.DeniedRegions(q); len(d) != 0 {
				t.Errorf("management account: %+v", d)
			}
		})
	}
}
