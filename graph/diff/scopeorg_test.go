package diff

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/changeset"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
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
		// kms:CallerAccount is set for KMS calls only: for the others, a
		// condition on it is unknown, not false (a review's finding).
		{"scp-caller-account-assume", `changes:
  - kind: scp
    op: add
    target: p-ca1
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: sts:AssumeRole, Resource: "*", Condition: {StringEquals: {kms:CallerAccount: "999999999999"}}}
`, false, true},
		{"scp-caller-account-read", `changes:
  - kind: scp
    op: add
    target: p-ca2
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Action: s3:GetObject, Resource: "*", Condition: {StringEquals: {kms:CallerAccount: "999999999999"}}}
`, false, true},
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

// checkPair checks that two snapshots differing in their organization's
// policies only are compared by principals, with changes, and that the
// comparison equals the full one.
func checkPair(t *testing.T, name string, old, cur *snapshot.Snapshot) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		og, cg := graph.Build(old, nil), graph.Build(cur, nil)
		if sc := scopeOf(og, cg, Options{}); sc == nil || sc.org == nil {
			t.Fatal("not compared by principals")
		}
		scoped, err := Compare(context.Background(), og, cg, Options{})
		if err != nil {
			t.Fatal(err)
		}
		full, err := Compare(context.Background(), og, cg, Options{Full: true})
		if err != nil {
			t.Fatal(err)
		}
		if len(full.Changes) == 0 {
			t.Fatal("no access changes: the case checks nothing")
		}
		a, _ := json.Marshal(scoped)
		b, _ := json.Marshal(full)
		if !bytes.Equal(a, b) {
			t.Errorf("scoped diff differs from the full diff (%d and %d changes)", len(scoped.Changes), len(full.Changes))
		}
	})
}

// Two versions of an SCP whose statements read the same but mean
// otherwise: the Version decides whether ${...} is a policy variable
// (IAM UG, reference_policies_elements_version.html), and a condition
// compares a number's text (a review's findings).
func TestScopedDiffEqualsFullSameTextOtherMeaning(t *testing.T) {
	base := gen.Organization(gen.Options{Accounts: 6, Regions: 1, RolesPerAccount: 5, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 5})
	withSCP := func(content string) *snapshot.Snapshot {
		c := *base
		org := *base.Organization
		org.Policies = append(slices.Clone(org.Policies), snapshot.OrgPolicy{
			PolicySummary: snapshot.PolicySummary{ID: "p-x", Name: "x", Type: snapshot.PolicyTypeSCP},
			Content:       content,
			Targets:       []snapshot.PolicyTarget{{TargetID: "r-gen1", Type: "ROOT"}},
		})
		c.Organization = &org
		return &c
	}
	st := `"Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringLike":{"aws:PrincipalArn":"${aws:PrincipalArn}"}}}]`
	checkPair(t, "version", withSCP(`{"Version":"2008-10-17",`+st+`}`), withSCP(`{"Version":"2012-10-17",`+st+`}`))
	num := func(v string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalAccount":` + v + `}}}]}`
	}
	checkPair(t, "number", withSCP(num("100000000001.0")), withSCP(num("100000000001")))
}

// RCPs apply to a service calling KMS as itself (the logs service reading
// a log group's data): an RCP that may reach it is compared in full (a
// service's tags are not known either), and one that cannot
// (aws:PrincipalIsAWSService false) by principals.
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html
func TestScopedDiffEqualsFullServiceRCP(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 6, Regions: 1, RolesPerAccount: 5, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 5})
	const acc = "100000000001"
	reg := s.Accounts[acc].Regions["us-east-1"]
	var key *snapshot.Key
	for i := range reg.KMS.Keys {
		if reg.KMS.Keys[i].KeyMetadata.KeyManager == "CUSTOMER" {
			key = &reg.KMS.Keys[i]
			break
		}
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + acc + `:root"},"Action":"kms:*","Resource":"*"},{"Effect":"Allow","Principal":{"Service":"logs.us-east-1.amazonaws.com"},"Action":"kms:Decrypt","Resource":"*"}]}`
	key.Policy = &pol
	reg.Logs = &snapshot.Logs{LogGroups: []snapshot.LogGroup{{LogGroupName: "lg", Arn: "arn:aws:logs:us-east-1:" + acc + ":log-group:lg", KmsKeyID: key.KeyMetadata.Arn}}}
	rcp := func(name, condition string) string {
		return `changes:
  - kind: rcp
    op: add
    target: ` + name + `
    attach: [r-gen1]
    document:
      Statement:
        - {Effect: Deny, Principal: "*", Action: kms:Decrypt, Resource: "*", Condition: ` + condition + `}
`
	}
	checkCases(t, s, []changeCase{
		{name: "rcp-service-null-arn", changes: readChanges(t, "a.yaml", rcp("p-a", `{"Null": {aws:PrincipalArn: "true"}}`))},
		{name: "rcp-perimeter-no-service-exemption", changes: readChanges(t, "b.yaml", rcp("p-b", `{StringNotEqualsIfExists: {aws:PrincipalOrgID: o-gen0000001}}`))},
		{name: "rcp-perimeter", orgOnly: true, changes: readChanges(t, "c.yaml", rcp("p-c", `{StringNotEqualsIfExists: {aws:PrincipalOrgID: o-gen0000001}, Bool: {aws:PrincipalIsAWSService: "false"}}`))},
		{name: "rcp-tagged", changes: readChanges(t, "d.yaml", rcp("p-d", `{StringEquals: {aws:PrincipalTag/team: team-1}}`))},
		{name: "rcp-tagged-not-service", orgOnly: true, reach: "some", changes: readChanges(t, "e.yaml", rcp("p-e", `{StringEquals: {aws:PrincipalTag/team: team-0}, Bool: {aws:PrincipalIsAWSService: "false"}}`))},
	})
}
