package diff

import (
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/changeset"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// demoSCPCases change the demo organization's SCPs: a statement denying
// every action who-can does not evaluate (see scpCases), and one denying
// a KMS call EBS and RDS make for their callers (kms:CreateGrant).
func demoSCPCases(t *testing.T) []changeCase {
	t.Helper()
	notAction := `["` + strings.Join(graph.EvaluatedActions(keyActions), `", "`) + `"]`
	return []changeCase{
		{name: "demo/scp-not-action", orgOnly: true, reach: "none", changes: readChanges(t, "not-action.yaml", `changes:
  - kind: scp
    op: add
    target: p-others
    attach: [r-kh01]
    document:
      Statement:
        - {Effect: Deny, NotAction: `+notAction+`, Resource: "*"}
`)},
		{name: "demo/scp-no-grants", orgOnly: true, reach: "some", changes: readChanges(t, "no-grants.yaml", `changes:
  - kind: scp
    op: add
    target: p-nogrants
    attach: [r-kh01]
    document:
      Statement:
        - {Effect: Deny, Action: kms:CreateGrant, Resource: "*"}
`)},
	}
}

// scpCases change a generated organization's SCPs or RCPs only, each compared by
// the principals they may reach (graph.OrgDelta) and checked against the
// full comparison by checkCases. How SCPs combine:
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html
func scpCases(t *testing.T) []changeCase {
	t.Helper()
	// Every action who-can evaluates, in a NotAction: the statement denies
	// every other action. If who-can evaluated one more, the full diff
	// would show accesses removed that the scoped one, asking nobody, does
	// not: the list would be incomplete, and the scope unsound.
	notAction := `["` + strings.Join(graph.EvaluatedActions(keyActions), `", "`) + `"]`
	cases := []struct {
		name, text string
		nobody     bool // no principal's answers may differ
		org        bool // compared by principals
	}{
		{"scp-tag-nobody", `changes:
  - kind: scp
    op: add
    target: p-contractors
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: [kms:ScheduleKeyDeletion, kms:Decrypt], Resource: "*", Condition: {StringEquals: {aws:PrincipalTag/team: contractors}}}
`, true, true},
		{"scp-tag-team", `changes:
  - kind: scp
    op: add
    target: p-team2
    attach: [ou-gen1-00000001, ou-gen1-00000002]
    document:
      Statement:
        - {Effect: Deny, Action: kms:Decrypt, Resource: "*", Condition: {StringEquals: {aws:PrincipalTag/team: team-2}}}
`, false, true},
		{"scp-deny-assume", `changes:
  - kind: scp
    op: add
    target: p-noassume
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: sts:AssumeRole, Resource: "*", Condition: {ArnLike: {aws:PrincipalArn: "arn:aws:iam::*:role/role-0"}}}
`, false, true},
		{"scp-allow-list", `changes:
  - kind: scp
    op: replace
    target: p-FullAWSAccess
    document:
      Statement:
        - {Effect: Allow, Action: ["kms:*", "sts:*"], Resource: "*"}
`, false, true},
		{"scp-detach", `changes:
  - {kind: scp, op: remove, target: p-nodecrypt, attach: [ou-gen1-00000009]}
`, false, true},
		{"scp-move", `changes:
  - {kind: scp, op: add, target: p-nodecrypt, attach: [ou-gen1-00000003]}
`, false, true},
		{"scp-unrelated", `changes:
  - kind: scp
    op: add
    target: p-noec2
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: ["ec2:RunInstances", "iam:*"], Resource: "*"}
`, true, true},
		{"scp-not-action", `changes:
  - kind: scp
    op: add
    target: p-others
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, NotAction: ` + notAction + `, Resource: "*"}
`, true, true},
		{"rcp", `changes:
  - kind: rcp
    op: add
    target: p-rcp
    attach: [ou-gen1-00000001]
    document:
      Statement:
        - {Effect: Deny, Principal: "*", Action: kms:Decrypt, Resource: "*"}
`, false, true},
		{"rcp-perimeter", `changes:
  - kind: rcp
    op: replace
    target: p-perimeter
    document:
      Statement:
        - Effect: Deny
          Principal: "*"
          Action: ["kms:*", "s3:*", "sqs:*"]
          Resource: "*"
          Condition: {StringNotEqualsIfExists: {aws:PrincipalOrgID: o-gen0000001}, Bool: {aws:PrincipalIsAWSService: "false"}}
`, true, true},
		{"rcp-tag", `changes:
  - kind: rcp
    op: add
    target: p-rcp-team
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Principal: "*", Action: s3:GetObject, Resource: "*", Condition: {StringEquals: {aws:PrincipalTag/team: team-3}}}
`, false, true},
	}
	var out []changeCase
	for _, c := range cases {
		reach := "some"
		if c.nobody {
			reach = "none"
		}
		if !c.org {
			reach = ""
		}
		out = append(out, changeCase{name: "gen/" + c.name, changes: readChanges(t, c.name+".yaml", c.text), orgOnly: c.org, reach: reach})
	}
	return out
}

// An account whose IAM was not collected stands in who-can answers as its
// root: an SCP change reaches it through OrgChange.Accounts, and the diff
// by principals must still equal the full one.
func TestScopedDiffEqualsFullIAMGap(t *testing.T) {
	if testing.Short() {
		t.Skip("a generated organization")
	}
	s := gen.Organization(gen.Options{Accounts: 8, Regions: 1, RolesPerAccount: 6, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: 5})
	s.Accounts["100000000002"].IAM = nil
	cases := scpCases(t)
	for i := range cases {
		cases[i].reach = "" // this organization's OUs differ: not checked
	}
	cases = append(cases, changeCase{name: "gen/scp-deny-all-decrypt", orgOnly: true, changes: readChanges(t, "deny.yaml", `changes:
  - kind: scp
    op: add
    target: p-nodecrypt-anywhere
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: kms:Decrypt, Resource: "*"}
`)})
	old := graph.Build(s, nil)
	reached := false
	for _, c := range cases {
		changed, _, err := changeset.Apply(s, c.changes)
		if err != nil {
			t.Fatal(err)
		}
		if sc := scopeOf(old, graph.Build(changed, nil), Options{}); sc != nil && sc.org != nil && slices.Contains(sc.org.Accounts, "100000000002") {
			reached = true
		}
	}
	if !reached {
		t.Fatal("no SCP change reaches the account whose IAM was not collected: the test checks nothing of it")
	}
	checkCases(t, s, cases)
}
