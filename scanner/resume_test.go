package scanner

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// callLog counts the fake's calls by account (the account a call is about:
// AssumeRole counts for the account whose role it assumes), Region and
// operation, once on is set.
type callLog struct {
	on    atomic.Bool
	mu    sync.Mutex
	calls map[string]int // "account region service:Op"
}

func (l *callLog) record(c fakeaws.Call) {
	if !l.on.Load() {
		return
	}
	acct := c.Account
	if c.Op == "AssumeRole" {
		acct = strings.Split(c.Resource, ":")[4]
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.calls == nil {
		l.calls = map[string]int{}
	}
	l.calls[acct+" "+c.Region+" "+c.Service+":"+c.Op]++
}

// of lists the calls about account (of the account's own scan: the
// organization's calls and the caller's identity aside).
func (l *callLog) of(account string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for k := range l.calls {
		f := strings.Fields(k)
		if f[0] == account && !strings.HasPrefix(f[2], "organizations:") && f[2] != "sts:GetCallerIdentity" {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

func accountJSON(t *testing.T, a *snapshot.Account) string {
	t.Helper()
	b, err := json.Marshal(a)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A scan with faults in one account (its role cannot be assumed) and in
// one Region of another (KMS refuses ListKeys there), then the same scan
// resumed without faults: the accounts that were complete are kept byte for
// byte with no call made, the account without its role is read whole, the
// other only in the failing Region (no IAM, no KMS in its other Region),
// and the result is the snapshot a complete scan gives.
func TestResumeRereadsOnlyWhatFailed(t *testing.T) {
	regions := []string{"eu-west-1", "us-east-1"}
	noRole, badRegion := fakeMembers[0], fakeMembers[1]
	var faults atomic.Bool
	faults.Store(true)
	log := &callLog{}
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers, Regions: regions, Keys: 2, Roles: 3, Buckets: 2, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		log.record(call)
		if !faults.Load() {
			return nil
		}
		switch {
		case call.Op == "AssumeRole" && strings.Contains(call.Resource, "::"+noRole+":"):
			return &fakeaws.Fault{Status: 403, Code: "AccessDenied", Message: "not authorized to perform sts:AssumeRole"}
		case call.Account == badRegion && call.Region == "eu-west-1" && call.Op == "ListKeys":
			return &fakeaws.Fault{Code: "AccessDeniedException", Message: "not authorized to perform kms:ListKeys"}
		}
		return nil
	}}, 2)
	ctx := context.Background()
	first, res, _ := collect(ctx, t, c, Options{Org: true})
	if res.Complete || res.Errors != 2 {
		t.Fatalf("first scan: %+v", res)
	}

	faults.Store(false)
	log.on.Store(true)
	var journaled []string
	var inCall atomic.Int32
	resumed, res, _ := collect(ctx, t, c, Options{Org: true, Resume: first, OnAccount: func(id string, _ *snapshot.Account) {
		if inCall.Add(1) != 1 {
			t.Error("OnAccount called concurrently")
		}
		journaled = append(journaled, id)
		inCall.Add(-1)
	}})
	log.on.Store(false)
	if !res.Complete || res.Errors != 0 || res.Accounts != 4 || res.Kept != 2 {
		t.Fatalf("resumed scan: %+v", res)
	}
	slices.Sort(journaled)
	if !slices.Equal(journaled, []string{noRole, badRegion}) {
		t.Errorf("OnAccount heard of %v, want the two accounts read again", journaled)
	}
	// The complete accounts: kept byte for byte, no call.
	for _, acct := range []string{s.Management, fakeMembers[2]} {
		if calls := log.of(acct); len(calls) != 0 {
			t.Errorf("%s was complete but was called: %v", acct, calls)
		}
		if accountJSON(t, resumed.Accounts[acct]) != accountJSON(t, first.Accounts[acct]) {
			t.Errorf("%s was not kept as it was", acct)
		}
	}
	// The account whose role failed: read whole, IAM included.
	calls := log.of(noRole)
	for _, want := range []string{"sts:AssumeRole", "iam:GetAccountAuthorizationDetails", "us-east-1 kms:ListKeys", "eu-west-1 kms:ListKeys"} {
		if !slices.ContainsFunc(calls, func(k string) bool { return strings.HasSuffix(k, " "+want) }) {
			t.Errorf("%s not read whole: no %q in %v", noRole, want, calls)
		}
	}
	// The account with one failing Region: that Region only, with the
	// account-level listings it needs (the role, the Regions, the buckets).
	calls = log.of(badRegion)
	if len(calls) == 0 {
		t.Fatalf("%s was not read again", badRegion)
	}
	for _, k := range calls {
		// Global services are signed in the home Region, us-east-1.
		f := strings.Fields(k)
		region, op := f[1], f[2]
		switch {
		case region == "eu-west-1":
		case op == "sts:AssumeRole" || op == "ec2:DescribeRegions" || op == "s3:ListBuckets":
		default:
			t.Errorf("%s: %q called, outside the failing Region", badRegion, k)
		}
	}
	if !slices.ContainsFunc(calls, func(k string) bool { return strings.HasSuffix(k, " eu-west-1 kms:ListKeys") }) {
		t.Errorf("%s: the failing Region's keys were not listed again: %v", badRegion, calls)
	}
	b := resumed.Accounts[badRegion]
	if accountJSON(t, &snapshot.Account{IAM: b.IAM}) != accountJSON(t, &snapshot.Account{IAM: first.Accounts[badRegion].IAM}) ||
		accountJSON(t, &snapshot.Account{Regions: map[string]*snapshot.Region{"us-east-1": b.Regions["us-east-1"]}}) !=
			accountJSON(t, &snapshot.Account{Regions: map[string]*snapshot.Region{"us-east-1": first.Accounts[badRegion].Regions["us-east-1"]}}) {
		t.Errorf("%s: IAM or the Region that was complete changed", badRegion)
	}
	// The result is what a complete scan reads.
	fresh, res, _ := collect(ctx, t, c, Options{Org: true})
	if !res.Complete {
		t.Fatalf("fresh scan: %+v", res)
	}
	for _, acct := range s.Accounts() {
		if got, want := accountJSON(t, resumed.Accounts[acct]), accountJSON(t, fresh.Accounts[acct]); got != want {
			t.Errorf("%s: resumed\n%s\nfresh\n%s", acct, got, want)
		}
	}
}

// A resume refuses a snapshot of other Regions, or of fewer services,
// before any call.
func TestResumeRefusesAnotherScope(t *testing.T) {
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers[:1]}, 2)
	for _, tc := range []struct {
		name  string
		scope *snapshot.Scope
		opts  Options
		want  string
	}{
		{"other regions", &snapshot.Scope{Regions: []string{"us-east-1"}}, Options{Regions: []string{"eu-west-1"}}, "give the same --regions"},
		{"every region then some", nil, Options{Regions: []string{"eu-west-1"}}, "every enabled Region"},
		{"fewer services", &snapshot.Scope{Services: []string{"iam", "kms"}}, Options{}, "did not read s3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Resume = &snapshot.Snapshot{Scope: tc.scope, Accounts: map[string]*snapshot.Account{}}
			_, _, err := Scan(context.Background(), c, tc.opts, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want %q", err, tc.want)
			}
		})
	}
	if n := s.Total(); n != 0 {
		t.Errorf("%d calls made", n)
	}
}

func TestPlanAccount(t *testing.T) {
	iam := &snapshot.IAM{}
	reg := &snapshot.Region{}
	both := map[string]*snapshot.Region{"eu-west-1": reg, "us-east-1": reg}
	enabled := []string{"eu-west-1", "us-east-1"}
	errIn := func(service, region, op, msg string) []snapshot.CollectionError {
		return []snapshot.CollectionError{{Service: service, Region: region, Operation: op, Code: "X", Message: msg}}
	}
	for _, tc := range []struct {
		name    string
		a       *snapshot.Account
		asked   []string
		keep    bool
		regions []string
	}{
		{"absent", nil, nil, false, nil},
		{"complete", &snapshot.Account{IAM: iam, Regions: both, EnabledRegions: enabled}, nil, true, nil},
		{"complete, Regions asked", &snapshot.Account{IAM: iam, Regions: both}, []string{"us-east-1"}, true, nil},
		{"IAM not collected", &snapshot.Account{Regions: both, EnabledRegions: enabled}, nil, false, nil},
		{"enabled Regions unknown", &snapshot.Account{IAM: iam, Regions: both}, nil, false, nil},
		{"role not assumed", &snapshot.Account{Errors: errIn("sts", "", "AssumeRole", "")}, nil, false, nil},
		{"bucket listing failed", &snapshot.Account{IAM: iam, Regions: both, EnabledRegions: enabled, Errors: errIn("s3", "", "ListBuckets", "")}, nil, false, nil},
		{"Region discovery failed", &snapshot.Account{IAM: iam, Regions: both, EnabledRegions: enabled, Errors: errIn("ec2", "us-east-1", "DescribeRegions", "boom")}, nil, false, nil},
		{"one Region's key policy", &snapshot.Account{IAM: iam, Regions: both, EnabledRegions: enabled, Errors: errIn("kms", "eu-west-1", "GetKeyPolicy", "")}, nil, false, []string{"eu-west-1"}},
		{"asked Region missing", &snapshot.Account{IAM: iam, Regions: map[string]*snapshot.Region{"us-east-1": reg}}, []string{"eu-west-1", "us-east-1"}, false, []string{"eu-west-1"}},
		{"enabled Region missing", &snapshot.Account{IAM: iam, Regions: map[string]*snapshot.Region{"eu-west-1": reg}, EnabledRegions: enabled}, nil, false, []string{"us-east-1"}},
		// Skipped by SCP (docs/scan.md "Region-deny SCPs"): not missing, so
		// a resume does not read it again; one call's skip is no Region's.
		{"Region skipped by SCP", &snapshot.Account{IAM: iam, Regions: map[string]*snapshot.Region{"eu-west-1": reg}, EnabledRegions: enabled, RegionsSkipped: []snapshot.RegionSkip{{Region: "us-east-1", Reason: snapshot.SkipReasonSCP}}}, nil, true, nil},
		{"one call skipped by SCP", &snapshot.Account{IAM: iam, Regions: map[string]*snapshot.Region{"eu-west-1": reg}, EnabledRegions: enabled, RegionsSkipped: []snapshot.RegionSkip{{Region: "us-east-1", Reason: snapshot.SkipReasonSCP, Service: "kms", Operation: "ListKeys"}}}, nil, false, []string{"us-east-1"}},
		{"asked Region not enabled", &snapshot.Account{IAM: iam, Regions: map[string]*snapshot.Region{"us-east-1": reg}, Errors: errIn("ec2", "ap-east-1", "DescribeRegions", errRegionNotEnabled.Error())}, []string{"ap-east-1", "us-east-1"}, false, []string{"ap-east-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keep, regions := planAccount(tc.a, tc.asked)
			if keep != tc.keep || !slices.Equal(regions, tc.regions) {
				t.Errorf("keep %v regions %v, want %v %v", keep, regions, tc.keep, tc.regions)
			}
		})
	}
}

// Merging: a Region the new read says nothing about (it stopped before)
// keeps its data and errors; errors of no Region are added.
func TestMergeAccount(t *testing.T) {
	oldEU := &snapshot.Region{KMS: &snapshot.KMS{}}
	old := &snapshot.Account{
		IAM: &snapshot.IAM{}, EnabledRegions: []string{"eu-west-1", "us-east-1"},
		Regions: map[string]*snapshot.Region{"eu-west-1": oldEU, "us-east-1": {}},
		Errors:  []snapshot.CollectionError{{Service: "kms", Region: "eu-west-1", Operation: "GetKeyPolicy", Code: "AccessDeniedException"}},
	}
	// The role could not be assumed this time: nothing said about eu-west-1.
	denied := &snapshot.Account{Errors: []snapshot.CollectionError{{Service: "sts", Operation: "AssumeRole", Code: "AccessDenied"}}}
	m := mergeAccount(old, denied, []string{"eu-west-1"})
	if m.Regions["eu-west-1"] != oldEU || m.IAM != old.IAM || len(m.Errors) != 2 || m.Errors[0].Operation != "AssumeRole" || m.Errors[1].Operation != "GetKeyPolicy" {
		t.Errorf("merged %+v", m)
	}
	// Read again: the Region and its errors are the new read's.
	newEU := &snapshot.Region{KMS: &snapshot.KMS{}}
	m = mergeAccount(old, &snapshot.Account{Regions: map[string]*snapshot.Region{"eu-west-1": newEU}, EnabledRegions: old.EnabledRegions}, []string{"eu-west-1"})
	if m.Regions["eu-west-1"] != newEU || m.Regions["us-east-1"] != old.Regions["us-east-1"] || len(m.Errors) != 0 {
		t.Errorf("merged %+v", m)
	}
	// The account's other facts survive a Region's re-read: who read it,
	// its S3 settings, and the Regions skipped by SCP that were not read
	// again; a re-read Region's skip is the new read's.
	old.ScannedAs, old.S3Control = "arn:aws:iam::111111111111:role/KeyhoundAudit", &snapshot.S3Control{}
	old.RegionsSkipped = []snapshot.RegionSkip{{Region: "ap-south-1", Reason: snapshot.SkipReasonSCP}, {Region: "eu-west-1", Reason: snapshot.SkipReasonSCP, Service: "sns", Operation: "ListTopics"}}
	fresh := &snapshot.Account{Regions: map[string]*snapshot.Region{"eu-west-1": newEU}, RegionsSkipped: []snapshot.RegionSkip{{Region: "eu-west-1", Reason: snapshot.SkipReasonSCP, Service: "sqs", Operation: "ListQueues"}}}
	m = mergeAccount(old, fresh, []string{"eu-west-1"})
	if m.ScannedAs != old.ScannedAs || m.S3Control != old.S3Control || len(m.RegionsSkipped) != 2 ||
		m.RegionsSkipped[0].Region != "ap-south-1" || m.RegionsSkipped[1].Service != "sqs" {
		t.Errorf("merged %+v", m)
	}
}
