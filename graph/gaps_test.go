package graph

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// smallWith loads testdata/small.json, changes it, and builds its graph.
func smallWith(t *testing.T, change func(s *snapshot.Snapshot)) *Graph {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "small.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, errs, err := snapshot.Load(f)
	if err != nil || len(errs) > 0 {
		t.Fatalf("load: %v %v", err, errs)
	}
	change(s)
	return Build(s, nil)
}

// orgPolicy returns the organization policy with that ID.
func orgPolicy(s *snapshot.Snapshot, id string) *snapshot.OrgPolicy {
	for i := range s.Organization.Policies {
		if s.Organization.Policies[i].PolicySummary.ID == id {
			return &s.Organization.Policies[i]
		}
	}
	return nil
}

// dropPolicies removes the organization's policies of a type, as a failed
// ListPolicies leaves them.
func dropPolicies(s *snapshot.Snapshot, typ string) {
	s.Organization.Policies = slices.DeleteFunc(s.Organization.Policies, func(p snapshot.OrgPolicy) bool { return p.PolicySummary.Type == typ })
}

var accessDenied = snapshot.CollectionError{Service: "organizations", Code: "AccessDeniedException", Message: "not authorized"}

func orgError(op, resource string) snapshot.CollectionError {
	e := accessDenied
	e.Operation, e.Resource = op, resource
	return e
}

// What the organization's calls could not read is unknown, never "no
// policy": an SCP layer that could not be listed, a policy whose content or
// targets were not collected. Every SCP must allow and any may deny
// (Organizations UG, "SCP evaluation",
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html):
// so no answer is ALLOW through such a layer, and none is DENY for it.
func TestOrganizationGaps(t *testing.T) {
	const (
		app    = "arn:aws:sts::111111111111:assumed-role/App/i-1"   // prod OU
		reader = "arn:aws:sts::222222222222:assumed-role/Reader/r"  // dev OU, spared by its SCP
		writer = "arn:aws:sts::222222222222:assumed-role/Writer/w"  // dev OU, denied by its SCP
		other  = "arn:aws:sts::333333333333:assumed-role/Auditor/a" // outside the organization
	)
	cases := []gapCase{
		{
			name: "SCPs could not be listed",
			change: func(s *snapshot.Snapshot) {
				dropPolicies(s, snapshot.PolicyTypeSCP)
				s.Organization.Errors = []snapshot.CollectionError{orgError("ListPolicies", snapshot.PolicyTypeSCP)}
			},
			want: map[string]eval.Verdict{app: eval.Conditional, reader: eval.Conditional, writer: eval.Conditional},
			gap:  "SCPs could not be listed (organizations ListPolicies failed: AccessDeniedException",
		},
		{
			name: "SCPs could not be listed, in a snapshot without the roots' policy types",
			change: func(s *snapshot.Snapshot) {
				dropPolicies(s, snapshot.PolicyTypeSCP)
				s.Organization.Roots[0].PolicyTypes = nil
				s.Organization.Errors = []snapshot.CollectionError{orgError("ListPolicies", snapshot.PolicyTypeSCP)}
			},
			want: map[string]eval.Verdict{app: eval.Conditional, reader: eval.Conditional, writer: eval.Conditional},
			gap:  "SCPs could not be listed",
		},
		{
			// Organizations UG: a policy type not enabled in the root has no effect.
			name: "SCPs not enabled: a failed listing is no gap",
			change: func(s *snapshot.Snapshot) {
				dropPolicies(s, snapshot.PolicyTypeSCP)
				s.Organization.Roots[0].PolicyTypes = []snapshot.PolicyTypeSummary{}
				s.Organization.Errors = []snapshot.CollectionError{orgError("ListPolicies", snapshot.PolicyTypeSCP)}
			},
			want: map[string]eval.Verdict{app: eval.Allow, reader: eval.Allow, writer: eval.Allow},
		},
		{
			name: "an SCP's content not collected: unknown where it is attached, and only there",
			change: func(s *snapshot.Snapshot) {
				orgPolicy(s, "p-nodecrypt").Content = ""
				s.Organization.Errors = []snapshot.CollectionError{orgError("DescribePolicy", "p-nodecrypt")}
			},
			want: map[string]eval.Verdict{app: eval.Allow, reader: eval.Conditional, writer: eval.Conditional},
			gap:  "p-nodecrypt's content was not collected (organizations DescribePolicy failed",
		},
		{
			name: "an SCP's targets not collected: it may apply anywhere",
			change: func(s *snapshot.Snapshot) {
				orgPolicy(s, "p-nodecrypt").Targets = nil
				s.Organization.Errors = []snapshot.CollectionError{orgError("ListTargetsForPolicy", "p-nodecrypt")}
			},
			want: map[string]eval.Verdict{app: eval.Conditional, reader: eval.Conditional, writer: eval.Conditional},
			gap:  "the targets of SCP p-nodecrypt were not collected (organizations ListTargetsForPolicy failed",
		},
		{
			// KMS DG, RCPs: RCPs restrict what any principal may do with the
			// organization's keys (AWS managed keys aside).
			name: "RCPs could not be listed",
			change: func(s *snapshot.Snapshot) {
				s.Organization.Roots[0].PolicyTypes = append(s.Organization.Roots[0].PolicyTypes, snapshot.PolicyTypeSummary{Type: snapshot.PolicyTypeRCP, Status: "ENABLED"})
				s.Organization.Errors = []snapshot.CollectionError{orgError("ListPolicies", snapshot.PolicyTypeRCP)}
			},
			want: map[string]eval.Verdict{app: eval.Conditional, reader: eval.Conditional, writer: eval.Deny, other: eval.Conditional},
			gap:  "RCPs could not be listed",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { tc.check(t, smallWith(t, tc.change)) })
	}
}

// gapCase is a change to the small snapshot and the kms:Decrypt answers on
// kApp it must give; gap is named in the unknowns of each CONDITIONAL one.
type gapCase struct {
	name   string
	change func(s *snapshot.Snapshot)
	want   map[string]eval.Verdict
	gap    string
}

func (tc gapCase) check(t *testing.T, g *Graph) {
	t.Helper()
	for principal, want := range tc.want {
		a, err := g.Can(Query{Principal: principal, Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		if a.Decision != want {
			t.Errorf("%s: %s, want %s (unknowns %v)", principal, a.Decision, want, a.Unknowns)
		}
		if a.Decision == eval.Conditional && tc.gap != "" && !slices.ContainsFunc(a.Unknowns, func(i Issue) bool { return strings.Contains(i.Message, tc.gap) }) {
			t.Errorf("%s: unknowns %v do not name the gap %q", principal, a.Unknowns, tc.gap)
		}
	}
}

// A resource's own permission or encryption that was not collected is
// unknown: a failed GetBucketPolicy is not "no bucket policy" (S3 UG:
// NoSuchBucketPolicy alone says there is none), a failed DescribeTable is
// not "an AWS owned key", a snapshot whose sharing attribute could not be
// read may be shared with anyone. A resource policy may deny its own
// account's principals too (IAM UG, policy-eval-denyallow); a sharing
// attribute only grants other accounts (EBS UG, ebs-modifying-snapshot-permissions;
// RDS UG, USER_ShareSnapshot): the owner's answers do not depend on it.
func TestResourceGaps(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "gaps.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, errs, err := snapshot.Load(f)
	if err != nil || len(errs) > 0 {
		t.Fatalf("load: %v %v", err, errs)
	}
	g := Build(s, nil)
	const (
		owner   = "arn:aws:iam::111111111111:role/Admin"
		partner = "arn:aws:iam::222222222222:role/Admin"
		region  = "us-east-1"
	)
	cases := []struct {
		resource       string
		owner, partner eval.Verdict
		gap            string // in the unknowns of every CONDITIONAL answer
	}{
		{"arn:aws:s3:::policy-known", eval.Allow, eval.Allow, ""},
		{"arn:aws:s3:::policy-unreadable", eval.Conditional, eval.Conditional, "resource policy of arn:aws:s3:::policy-unreadable was not collected (s3 GetBucketPolicy failed: AccessDenied"},
		{"arn:aws:s3:::policy-unparseable", eval.Conditional, eval.Conditional, "unparseable policy"},
		{"arn:aws:s3:::encryption-unreadable", eval.Conditional, eval.Conditional, "default encryption of arn:aws:s3:::encryption-unreadable was not collected (s3 GetBucketEncryption failed"},
		{"arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf", eval.Conditional, eval.Conditional, "secretsmanager GetResourcePolicy failed"},
		{"https://sqs.us-east-1.amazonaws.com/111111111111/orders", eval.Conditional, eval.Conditional, "sqs GetQueueAttributes failed"},
		{"arn:aws:dynamodb:us-east-1:111111111111:table/ledger", eval.Conditional, eval.Deny, "dynamodb DescribeTable failed"},
		{"arn:aws:lambda:us-east-1:111111111111:function:orders", eval.Conditional, eval.Conditional, "lambda GetPolicy failed"},
		{"arn:aws:ec2:us-east-1::snapshot/snap-0known00000000001", eval.Allow, eval.Allow, ""},
		{"arn:aws:ec2:us-east-1::snapshot/snap-0unknown000000001", eval.Allow, eval.Conditional, "createVolumePermission of arn:aws:ec2:us-east-1::snapshot/snap-0unknown000000001 was not collected (ec2 DescribeSnapshotAttribute failed"},
		{"arn:aws:rds:us-east-1:111111111111:snapshot:orders-unknown", eval.Allow, eval.Conditional, "restore attribute of arn:aws:rds:us-east-1:111111111111:snapshot:orders-unknown was not collected (rds DescribeDBSnapshotAttributes failed"},
	}
	for _, tc := range cases {
		for principal, want := range map[string]eval.Verdict{owner: tc.owner, partner: tc.partner} {
			a, err := g.Can(Query{Principal: principal, Action: "decrypt", Resource: tc.resource, Region: region, ChainDepth: -1})
			if err != nil {
				t.Fatalf("%s %s: %v", principal, tc.resource, err)
			}
			if a.Decision != want {
				t.Errorf("%s on %s: %s, want %s (unknowns %v)", principal, tc.resource, a.Decision, want, a.Unknowns)
			}
			if a.Decision == eval.Conditional && !slices.ContainsFunc(a.Unknowns, func(i Issue) bool { return strings.Contains(i.Message, tc.gap) }) {
				t.Errorf("%s on %s: unknowns %v do not name the gap %q", principal, tc.resource, a.Unknowns, tc.gap)
			}
		}
	}
}

// Who-can on a resource whose policy is unknown lists, as CONDITIONAL,
// the principals of other accounts that unknown policy may allow, and no
// one as ALLOW.
func TestWhoCanResourceGap(t *testing.T) {
	f, err := os.Open(filepath.Join("testdata", "gaps.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	s, _, err := snapshot.Load(f)
	if err != nil {
		t.Fatal(err)
	}
	g := Build(s, nil)
	who, err := g.WhoCan("decrypt", "arn:aws:s3:::policy-unreadable", "", DefaultChainDepth)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]eval.Verdict{}
	for _, w := range who {
		got[w.Principal] = w.Decision
	}
	want := map[string]eval.Verdict{"arn:aws:iam::111111111111:role/Admin": eval.Conditional, "arn:aws:iam::222222222222:role/Admin": eval.Conditional}
	for p, v := range want {
		if got[p] != v {
			t.Errorf("%s: %s, want %s (who-can %v)", p, got[p], v, got)
		}
	}
}

// An account the scan could not read — its role could not be assumed, or
// it was not scanned because it is not ACTIVE — is named, with the cause,
// in every answer about its principals, and what-can says it knows none of
// its keys rather than find none.
func TestAccountGaps(t *testing.T) {
	const suspended, unassumable = "444444444444", "555555555555"
	g := smallWith(t, func(s *snapshot.Snapshot) {
		s.Organization.Accounts = append(s.Organization.Accounts,
			snapshot.OrgAccount{ID: suspended, Status: "SUSPENDED", State: "SUSPENDED", ParentID: "ou-ab12-prod"},
			snapshot.OrgAccount{ID: unassumable, Status: "ACTIVE", State: "ACTIVE", ParentID: "ou-ab12-prod"})
		s.Accounts[suspended] = &snapshot.Account{Errors: []snapshot.CollectionError{{
			Service: "organizations", Operation: "scan", Resource: suspended, Code: "AccountNotActive",
			Message: "the account's state is SUSPENDED: keyhound scans ACTIVE accounts only, so its IAM, keys and resources are unknown",
		}}}
		s.Accounts[unassumable] = &snapshot.Account{Errors: []snapshot.CollectionError{{
			Service: "sts", Operation: "AssumeRole", Resource: unassumable, Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole",
		}}}
		// The key trusts both accounts: only their own IAM can tell.
		for i := range s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys {
			k := &s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys[i]
			if k.KeyMetadata.Arn == kApp {
				doc := strings.Replace(*k.Policy, `"arn:aws:iam::333333333333:root"`, `["arn:aws:iam::333333333333:root","arn:aws:iam::`+suspended+`:root","arn:aws:iam::`+unassumable+`:root"]`, 1)
				k.Policy = &doc
			}
		}
	})
	for account, gap := range map[string]string{
		suspended:   "account " + suspended + " could not be scanned (AccountNotActive: the account's state is SUSPENDED",
		unassumable: "account " + unassumable + " could not be scanned (sts AssumeRole failed: AccessDenied",
	} {
		principal := "arn:aws:iam::" + account + ":role/Ops"
		a, err := g.Can(Query{Principal: principal, Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
		if err != nil {
			t.Fatal(err)
		}
		named := func(issues []Issue) bool {
			return slices.ContainsFunc(issues, func(i Issue) bool { return strings.Contains(i.Message, gap) })
		}
		if a.Decision != eval.Conditional || !named(a.Unknowns) {
			t.Errorf("%s: %s, unknowns %v; want CONDITIONAL naming %q", principal, a.Decision, a.Unknowns, gap)
		}
		if gaps := g.WhatCanGaps(principal); !named(gaps) {
			t.Errorf("what-can %s: gaps %v lack %q", principal, gaps, gap)
		}
	}
	if gaps := g.WhatCanGaps("arn:aws:iam::111111111111:role/App"); len(gaps) != 0 {
		t.Errorf("a scanned account has gaps: %v", gaps)
	}
	if n := g.Stats().CollectionErrors; n != 2 {
		t.Errorf("stats: %d collection errors, want 2", n)
	}
}

// Keys a Region's ListKeys could not list are missing from what-can's
// answer: it says so.
func TestWhatCanGapsKeysNotListed(t *testing.T) {
	g := smallWith(t, func(s *snapshot.Snapshot) {
		a := s.Accounts["222222222222"]
		a.Regions = map[string]*snapshot.Region{"eu-west-1": {}}
		a.Errors = append(a.Errors, snapshot.CollectionError{Service: "kms", Region: "eu-west-1", Operation: "ListKeys", Code: "AccessDeniedException", Message: "denied"})
	})
	gaps := g.WhatCanGaps("arn:aws:iam::222222222222:role/Reader")
	if len(gaps) != 1 || !strings.Contains(gaps[0].Message, "keys of account 222222222222 in eu-west-1 were not collected (kms ListKeys failed: AccessDeniedException") {
		t.Errorf("gaps %v", gaps)
	}
}
