package scanner

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// How the scan gets into each account: the audit roles tried in order,
// delegated administrators, AssumeRole's parameters, partitions.

// assumeLog records, per account, the roles AssumeRole was asked for and
// the parameters of each call.
type assumeLog struct {
	mu    sync.Mutex
	roles map[string][]string // account of the role → RoleArn, in order
	calls []fakeaws.Call
}

func (l *assumeLog) fault(c fakeaws.Call) *fakeaws.Fault {
	if c.Op != "AssumeRole" {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.roles == nil {
		l.roles = map[string][]string{}
	}
	parts := strings.Split(c.Resource, ":")
	if len(parts) > 4 {
		l.roles[parts[4]] = append(l.roles[parts[4]], c.Resource)
	}
	l.calls = append(l.calls, c)
	return nil
}

// fakeAWSClients starts s and returns clients of its caller with options o
// (the endpoint and quick retries set here).
func fakeAWSClients(t *testing.T, s *fakeaws.Server, o AWSOptions) (*fakeaws.Server, *awsClients) {
	t.Helper()
	fakeaws.Start(t, s)
	mototest.UseEnv(t)
	o.EndpointURL, o.maxBackoff = s.URL, time.Millisecond
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.MaxAttempts == 0 {
		o.MaxAttempts = 2
	}
	c, err := newAWSClients(context.Background(), o, &Stats{}, newLimiter())
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// The scan runs from a delegated administrator (a member account that may
// read the organization): the management account is read like any member,
// through the first role of the list that exists in it; a member with none
// of the roles is recorded with each role's AccessDenied, not only the
// last. Each account records the role that read it (scanned_as).
// AWS: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_delegate_policies.html
// (a member account delegated to read the organization) and
// https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_accounts_access.html
// (roles to reach member accounts, none created in the management account).
func TestScanFromDelegatedAdminTriesRolesInOrder(t *testing.T) {
	admin, withAudit, without := fakeMembers[0], fakeMembers[1], fakeMembers[2]
	log := &assumeLog{}
	fs := &fakeaws.Server{
		Members: fakeMembers, Keys: 1, Roles: 1, Caller: admin, DelegatedAdmins: []string{admin},
		RoleNames: map[string][]string{
			"100000000000": {"OrganizationAccountAccessRole"}, // the management account: no audit role
			withAudit:      {"KeyhoundAudit", "OrganizationAccountAccessRole"},
		},
		Fault: log.fault,
	}
	s, c := fakeAWSClients(t, fs, AWSOptions{RoleNames: []string{"KeyhoundAudit", "OrganizationAccountAccessRole"}})
	snap, res, _ := collect(context.Background(), t, c, Options{Org: true, Regions: []string{"us-east-1"}})
	if res.Accounts != 4 || res.Complete || res.Errors != 2 {
		t.Fatalf("result %+v", res)
	}
	if got := snap.Organization.Organization.MasterAccountID; got != s.Management {
		t.Errorf("management account %q, want %s", got, s.Management)
	}
	role := func(acct, name string) string { return "arn:aws:iam::" + acct + ":role/" + name }
	want := map[string]string{
		s.Management: role(s.Management, "OrganizationAccountAccessRole"), // the fallback
		withAudit:    role(withAudit, "KeyhoundAudit"),                    // the first role
		admin:        "arn:aws:iam::" + admin + ":user/scanner",           // the caller, with its own credentials
		without:      "",
	}
	for acct, as := range want {
		a := snap.Accounts[acct]
		if a == nil || a.ScannedAs != as {
			t.Errorf("%s scanned as %q, want %q", acct, a.ScannedAs, as)
		}
		if as != "" && (len(a.Errors) != 0 || len(a.Regions["us-east-1"].KMS.Keys) != 1) {
			t.Errorf("%s: not collected: %+v", acct, a.Errors)
		}
	}
	// The roles, in the order given, stopping at the first that works.
	if got := log.roles[s.Management]; !slices.Equal(got, []string{role(s.Management, "KeyhoundAudit"), role(s.Management, "OrganizationAccountAccessRole")}) {
		t.Errorf("roles tried in the management account: %v", got)
	}
	if got := log.roles[withAudit]; !slices.Equal(got, []string{role(withAudit, "KeyhoundAudit")}) {
		t.Errorf("roles tried in %s: %v", withAudit, got)
	}
	if n := len(log.roles[admin]); n != 0 {
		t.Errorf("%d roles assumed in the caller's own account", n)
	}
	// Every attempt's error, each naming its role.
	errs := snap.Accounts[without].Errors
	if len(errs) != 2 {
		t.Fatalf("errors of %s: %+v", without, errs)
	}
	for i, name := range []string{"KeyhoundAudit", "OrganizationAccountAccessRole"} {
		e := errs[i]
		if e.Service != "sts" || e.Operation != "AssumeRole" || e.Resource != role(without, name) || e.Code != "AccessDenied" ||
			!strings.Contains(e.Message, "is not authorized to perform: sts:AssumeRole on resource: "+role(without, name)) {
			t.Errorf("attempt %d: %+v", i, e)
		}
	}
	// The principal, for the code that evaluates SCPs for the audit role.
	ac, err := c.Account(context.Background(), s.Management)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := ac.(interface{ Principal() string }); !ok || p.Principal() != want[s.Management] {
		t.Errorf("Principal() of the management account: %v", ac)
	}
	var ae *AssumeError
	if _, err := c.Account(context.Background(), without); !errors.As(err, &ae) || len(ae.Attempts) != 2 || !strings.Contains(err.Error(), "KeyhoundAudit") || !strings.Contains(err.Error(), "OrganizationAccountAccessRole") {
		t.Errorf("Account of %s: %v", without, err)
	}
	if loaded, _ := writeAndLoad(t, snap); loaded.Accounts[withAudit].ScannedAs != want[withAudit] {
		t.Errorf("scanned_as does not survive a write and load: %q", loaded.Accounts[withAudit].ScannedAs)
	}
}

// A member account that is not a delegated administrator cannot list the
// organization: the scan fails, naming the call and AWS's answer.
func TestScanFromPlainMemberFails(t *testing.T) {
	_, c := fakeAWSClients(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Caller: fakeMembers[0]}, AWSOptions{})
	_, _, err := Scan(context.Background(), c, Options{Org: true, Regions: []string{"us-east-1"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "ListRoots") || !strings.Contains(err.Error(), "AccessDeniedException") || !strings.Contains(err.Error(), fakeMembers[0]) {
		t.Fatalf("want the organization's AccessDenied, naming ListRoots and the account: %v", err)
	}
}

// ExternalId, RoleSessionName and SourceIdentity go with every AssumeRole
// (STS API Reference, AssumeRole); a per-account role (--roles) and the
// ARN template replace the names.
func TestAssumeRoleParametersAndOverrides(t *testing.T) {
	log := &assumeLog{}
	fs := &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Fault: log.fault}
	other := fakeMembers[1]
	s, c := fakeAWSClients(t, fs, AWSOptions{
		RoleNames: []string{"KeyhoundAudit"}, ExternalID: "ext-123", SessionName: "audit-2026", SourceIdentity: "alice@example.com",
		RoleARNs: map[string]string{other: "arn:aws:iam::" + other + ":role/team/TheirAudit"},
	})
	snap, _, _ := collect(context.Background(), t, c, Options{Accounts: []string{fakeMembers[0], other}, Regions: []string{"us-east-1"}})
	if len(log.calls) != 2 {
		t.Fatalf("%d AssumeRole calls", len(log.calls))
	}
	for _, call := range log.calls {
		p := call.Params
		if p.Get("ExternalId") != "ext-123" || p.Get("RoleSessionName") != "audit-2026" || p.Get("SourceIdentity") != "alice@example.com" || p.Get("DurationSeconds") != "3600" {
			t.Errorf("AssumeRole %s: %v", call.Resource, p)
		}
	}
	if got := log.roles[other]; !slices.Equal(got, []string{"arn:aws:iam::" + other + ":role/team/TheirAudit"}) {
		t.Errorf("the account's own role was not used: %v", got)
	}
	if got := snap.Accounts[other].ScannedAs; got != "arn:aws:iam::"+other+":role/team/TheirAudit" {
		t.Errorf("scanned as %q", got)
	}
	if got := log.roles[fakeMembers[0]]; !slices.Equal(got, []string{"arn:aws:iam::" + fakeMembers[0] + ":role/KeyhoundAudit"}) {
		t.Errorf("roles of %s: %v", fakeMembers[0], got)
	}

	// The template, with {account} and {partition}.
	log2 := &assumeLog{}
	_, c2 := fakeAWSClients(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1, Fault: log2.fault}, AWSOptions{RoleARNTemplate: "arn:{partition}:iam::{account}:role/ops/Reader"})
	if _, err := c2.Account(context.Background(), fakeMembers[2]); err != nil {
		t.Fatal(err)
	}
	if got := log2.roles[fakeMembers[2]]; !slices.Equal(got, []string{"arn:aws:iam::" + fakeMembers[2] + ":role/ops/Reader"}) {
		t.Errorf("template: %v", got)
	}
	_ = s
}

// Bad role options are refused before any call, naming what is wrong.
func TestRoleOptionsValidated(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{})
	mototest.UseEnv(t)
	for _, tc := range []struct {
		o    AWSOptions
		want string
	}{
		{AWSOptions{RoleNames: []string{"Keyhound Audit"}}, `role name "Keyhound Audit"`},
		{AWSOptions{RoleARNTemplate: "arn:aws:iam::111111111111:role/Audit"}, "has no {account}"},
		{AWSOptions{RoleARNTemplate: "arn:aws:iam::{account}:user/Audit"}, "not an IAM role ARN"},
		{AWSOptions{Region: "us-gov-west-1", RoleARNs: map[string]string{"111111111111": "arn:aws:iam::111111111111:role/A"}}, "is in partition aws, but the home Region is in aws-us-gov"},
	} {
		o := tc.o
		o.EndpointURL = s.URL
		if o.Region == "" {
			o.Region = "us-east-1"
		}
		if _, err := NewAWSClients(context.Background(), o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.o, err, tc.want)
		}
	}
}

// GovCloud and China: the home Region's partition is the snapshot's, the
// role ARNs AssumeRole is asked for are in it (STS of that partition knows
// no other), and every ARN collected is too.
// AWS: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html (partitions),
// https://docs.aws.amazon.com/govcloud-us/latest/UserGuide/using-govcloud-arns.html.
func TestScanOtherPartitions(t *testing.T) {
	for _, tc := range []struct{ region, partition string }{{"us-gov-west-1", "aws-us-gov"}, {"cn-north-1", "aws-cn"}} {
		t.Run(tc.partition, func(t *testing.T) {
			log := &assumeLog{}
			s, c := fakeAWSClients(t, &fakeaws.Server{Members: fakeMembers, Regions: []string{tc.region}, Keys: 1, Roles: 2, Buckets: 1, Fault: log.fault}, AWSOptions{Region: tc.region})
			if c.Region() != tc.region {
				t.Fatalf("home Region %q", c.Region())
			}
			snap, res, _ := collect(context.Background(), t, c, Options{Org: true, HomeRegion: c.Region()})
			if !res.Complete || snap.Partition != tc.partition {
				t.Fatalf("complete %v, partition %q: %+v", res.Complete, snap.Partition, snap.CollectionErrors())
			}
			n := 0
			for _, calls := range log.roles {
				for _, r := range calls {
					n++
					if !strings.HasPrefix(r, "arn:"+tc.partition+":iam::") {
						t.Errorf("AssumeRole of %s", r)
					}
				}
			}
			if n != len(fakeMembers) {
				t.Errorf("%d AssumeRole calls", n)
			}
			for _, acct := range s.Accounts() {
				a := snap.Accounts[acct]
				if !strings.HasPrefix(a.ScannedAs, "arn:"+tc.partition+":iam::"+acct+":") {
					t.Errorf("%s scanned as %q", acct, a.ScannedAs)
				}
				if k := a.Regions[tc.region].KMS.Keys; len(k) != 1 || k[0].KeyMetadata.Arn != s.KeyARN(acct, tc.region, 0) || !strings.HasPrefix(k[0].KeyMetadata.Arn, "arn:"+tc.partition+":kms:") {
					t.Errorf("%s: keys %+v", acct, k)
				}
				if r := a.IAM.RoleDetailList; len(r) != 2 || !strings.HasPrefix(r[0].Arn, "arn:"+tc.partition+":iam::"+acct+":role/") {
					t.Errorf("%s: roles %+v", acct, r)
				}
			}
		})
	}
}

func TestPartitionOf(t *testing.T) {
	for region, want := range map[string]string{
		"us-east-1": "aws", "eu-west-3": "aws", "": "aws", "us-gov-west-1": "aws-us-gov", "us-gov-east-1": "aws-us-gov",
		"cn-north-1": "aws-cn", "cn-northwest-1": "aws-cn", "us-iso-east-1": "aws-iso", "us-isob-east-1": "aws-iso-b",
		"us-isof-south-1": "aws-iso-f", "eu-isoe-west-1": "aws-iso-e", "eusc-de-east-1": "aws-eusc",
	} {
		if got := PartitionOf(region); got != want {
			t.Errorf("PartitionOf(%q) = %q, want %q", region, got, want)
		}
	}
}

// An endpoint that accepts the connection and never answers costs one
// --call-timeout per attempt: the standard retryer tries again, then the
// call is recorded (code Timeout) and the rest of the account is read.
func TestCallTimeoutRetriedThenRecorded(t *testing.T) {
	member := fakeMembers[0]
	hung := "00000000-" // key 0's ID
	s, c := fakeAWSClients(t, &fakeaws.Server{Members: fakeMembers, Keys: 3, Roles: 1, Buckets: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Account == member && call.Op == "DescribeKey" && strings.HasPrefix(call.Resource, hung) {
			return &fakeaws.Fault{Hang: true}
		}
		return nil
	}}, AWSOptions{CallTimeout: time.Second, MaxAttempts: 2})
	snap, res, _ := collect(context.Background(), t, c, Options{Accounts: []string{member}, Regions: []string{"us-east-1"}})
	if n := s.Calls(member, "kms:DescribeKey"); n != 3+1 {
		t.Errorf("DescribeKey reached the server %d times, want 2 attempts for the hung key and 1 for each other", n)
	}
	a := snap.Accounts[member]
	if res.Complete || len(a.Errors) != 1 {
		t.Fatalf("want one recorded error: %+v", a.Errors)
	}
	e := a.Errors[0]
	if e.Operation != "DescribeKey" || e.Code != CodeCallTimeout || e.Resource != s.KeyARN(member, "us-east-1", 0) || !strings.Contains(e.Message, "--call-timeout") {
		t.Errorf("recorded %+v", e)
	}
	r := a.Regions["us-east-1"]
	if len(r.KMS.Keys) != 3 || r.KMS.Keys[1].Policy == nil || r.KMS.Keys[2].KeyMetadata.KeyState != "Enabled" || a.IAM == nil || len(r.S3.Buckets) != 1 || r.SQS == nil {
		t.Errorf("the rest of the account was not collected: %+v", r)
	}
}

// A scan cancelled while a call hangs still records "Cancelled", not a
// timeout: the two are told apart.
func TestCancelledIsNotATimeout(t *testing.T) {
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s, c := fakeAWSClients(t, &fakeaws.Server{Keys: 1, Roles: 1}, AWSOptions{})
	ac, err := c.Account(context.Background(), s.Management)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ac.KMS("us-east-1").ListKeys(ctx, nil)
	rec.add("kms", "us-east-1", "ListKeys", "", err)
	if got := rec.sorted(); len(got) != 1 || got[0].Code != "Cancelled" {
		t.Errorf("recorded %+v", got)
	}
}

func TestParseRolesFile(t *testing.T) {
	good := map[string]string{"111111111111": "arn:aws:iam::111111111111:role/TheirAudit", "222222222222": "arn:aws-us-gov:iam::222222222222:role/path/Audit"}
	for name, text := range map[string]string{
		"roles.json": `{"111111111111": "arn:aws:iam::111111111111:role/TheirAudit",
		  "222222222222": "arn:aws-us-gov:iam::222222222222:role/path/Audit"}`,
		"roles.csv": "account,role_arn\n# a comment\n111111111111,arn:aws:iam::111111111111:role/TheirAudit\n 222222222222, arn:aws-us-gov:iam::222222222222:role/path/Audit\n",
	} {
		got, err := ParseRolesFile(name, []byte(text))
		if err != nil || len(got) != len(good) {
			t.Fatalf("%s: %v %v", name, got, err)
		}
		for k, v := range good {
			if got[k] != v {
				t.Errorf("%s: %s → %q, want %q", name, k, got[k], v)
			}
		}
	}
	for _, tc := range []struct{ name, text, want string }{
		{"r.json", `{"111111111111": 7}`, `r.json: ["111111111111"]: want a role ARN string`},
		{"r.json", `{"11111": "arn:aws:iam::11111:role/A"}`, `r.json: ["11111"]: "11111" is not a 12-digit account ID`},
		{"r.json", `{"111111111111": "arn:aws:iam::222222222222:role/A"}`, `["111111111111"]: "arn:aws:iam::222222222222:role/A" is a role of account 222222222222, not 111111111111`},
		{"r.json", `{"111111111111": "arn:aws:iam::111111111111:user/A"}`, `["111111111111"]: "arn:aws:iam::111111111111:user/A" is not an IAM role ARN`},
		{"r.json", `{"111111111111": "arn:aws:iam::111111111111:role/A", "111111111111": "arn:aws:iam::111111111111:role/B"}`, `["111111111111"]: account 111111111111 is listed twice`},
		{"r.json", "{\n\"111111111111\": \"arn:aws:iam::111111111111:role/A\",\n}", "r.json: line 3"},
		{"r.json", `{"111111111111": "arn:aws:iam::111111111111:role/A"} x`, "text after the JSON object"},
		{"r.csv", "111111111111,arn:aws:iam::111111111111:role/A,extra\n", "r.csv: line 1: want ACCOUNT,ROLE-ARN, have 3 fields"},
		{"r.csv", "111111111111,arn:aws:iam::111111111111:role/A\nabc,arn:aws:iam::111111111111:role/A\n", `r.csv: line 2: "abc" is not a 12-digit account ID`},
		{"r.csv", "  \n", "r.csv: empty"},
	} {
		if _, err := ParseRolesFile(tc.name, []byte(tc.text)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.text, err, tc.want)
		}
	}
}

var _ = snapshot.Format
