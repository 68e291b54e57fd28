package scanner

import (
	"context"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Tests through the SDK against fakeaws: no moto needed. They check what
// only the real client stack does — signing, AssumeRole per account, the
// standard retryer, the middleware that counts calls and throttles — and
// the faults a scan must survive.

var fakeMembers = []string{"200000000001", "200000000002", "200000000003"}

// startFake serves s and returns clients of its management account that
// retry quickly.
func startFake(t testing.TB, s *fakeaws.Server, maxAttempts int) (*fakeaws.Server, *awsClients) {
	t.Helper()
	fakeaws.Start(t, s)
	mototest.UseEnv(t)
	c, err := newAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: s.URL, MaxAttempts: maxAttempts, maxBackoff: time.Millisecond}, &Stats{}, newLimiter())
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// collect runs a scan, gathering its events.
func collect(ctx context.Context, t *testing.T, c Clients, opts Options) (*snapshot.Snapshot, Result, []Event) {
	t.Helper()
	events := make(chan Event, 64)
	var got []Event
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for e := range events {
			got = append(got, e)
		}
	}()
	snap, res, err := Scan(ctx, c, opts, events)
	close(events)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	return snap, res, got
}

// lastDone is the "done" event of the last account to finish: it carries
// every call of the scan.
func lastDone(t *testing.T, events []Event) Event {
	t.Helper()
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Phase == "done" {
			return events[i]
		}
	}
	t.Fatal("no done event")
	return Event{}
}

func errorEvents(events []Event, account string) []Event {
	var out []Event
	for _, e := range events {
		if e.Phase == "error" && e.Account == account {
			out = append(out, e)
		}
	}
	return out
}

// An organization scanned end to end through the SDK: every item in its
// account and Region and nowhere else, IAM pages merged, buckets read
// through their own Region's endpoint, EBS defaults and Aurora cluster
// snapshots collected, progress counted.
func TestFakeAWSOrganization(t *testing.T) {
	regions := []string{"eu-west-1", "us-east-1"}
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers, Regions: regions, Keys: 3, Roles: 150, RolesPerPage: 100, Buckets: 4}, 3)
	snap, res, events := collect(context.Background(), t, c, Options{Org: true})
	if !res.Complete || res.Accounts != 4 || res.Errors != 0 {
		for id, a := range snap.Accounts {
			t.Logf("%s: %+v", id, a.Errors)
		}
		t.Fatalf("result %+v", res)
	}
	if snap.Organization == nil || len(snap.Organization.Accounts) != 4 || len(snap.Organization.Policies) != 1 {
		t.Fatalf("organization %+v", snap.Organization)
	}
	for _, acct := range s.Accounts() {
		a := snap.Accounts[acct]
		if a == nil {
			t.Fatalf("account %s missing", acct)
		}
		if a.IAM == nil || len(a.IAM.RoleDetailList) != 150 || a.IAM.RoleDetailList[149].Arn != "arn:aws:iam::"+acct+":role/r149" {
			t.Errorf("%s: IAM pages not merged: %v roles", acct, a.IAM != nil && len(a.IAM.RoleDetailList) > 0)
		}
		if !slices.Equal(a.EnabledRegions, regions) || len(a.Regions) != 2 {
			t.Errorf("%s: Regions %v scanned %d", acct, a.EnabledRegions, len(a.Regions))
		}
		for _, region := range regions {
			r := a.Regions[region]
			if r == nil || r.KMS == nil || len(r.KMS.Keys) != 3 {
				t.Fatalf("%s %s: keys %+v", acct, region, r)
			}
			for i, k := range r.KMS.Keys {
				if k.KeyMetadata.Arn != s.KeyARN(acct, region, i) || k.Policy == nil || len(k.Aliases) != 1 || len(k.Tags) != 1 || k.KeyRotationEnabled == nil || k.Grants == nil {
					t.Errorf("%s %s key %d: %+v", acct, region, i, k)
				}
			}
			if len(r.KMS.Keys[0].Grants) != 1 || r.KMS.Keys[0].Grants[0].GranteePrincipal != "arn:aws:iam::"+s.Management+":root" {
				t.Errorf("%s %s: grants %+v", acct, region, r.KMS.Keys[0].Grants)
			}
			// Buckets under their own Region, read through its endpoint
			// (fakeaws redirects otherwise, as S3 does).
			var names []string
			for _, b := range r.S3.Buckets {
				names = append(names, b.Name)
				if b.Policy == nil || b.ServerSideEncryptionConfiguration == nil || b.PublicAccessBlockConfiguration == nil ||
					b.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.KMSMasterKeyID != s.KeyARN(acct, region, 0) {
					t.Errorf("%s %s bucket %+v", acct, region, b)
				}
			}
			var want []string
			for i := range 4 {
				if name, rg := s.Bucket(acct, i); rg == region {
					want = append(want, name)
				}
			}
			if !slices.Equal(names, want) {
				t.Errorf("%s %s: buckets %v, want %v", acct, region, names, want)
			}
			if e := r.EC2; e == nil || e.EbsEncryptionByDefault == nil || !*e.EbsEncryptionByDefault || e.EbsDefaultKmsKeyID == nil || *e.EbsDefaultKmsKeyID != s.KeyARN(acct, region, 0) {
				t.Errorf("%s %s: EBS defaults %+v", acct, region, r.EC2)
			}
			if r.RDS == nil || len(r.RDS.DBClusterSnapshots) != 1 {
				t.Fatalf("%s %s: RDS %+v", acct, region, r.RDS)
			}
			cs := r.RDS.DBClusterSnapshots[0]
			if cs.DBClusterSnapshotArn != s.ClusterSnapshotARN(acct, region) || cs.KmsKeyID != s.KeyARN(acct, region, 0) || !cs.StorageEncrypted ||
				len(cs.Attributes) != 1 || cs.Attributes[0].AttributeName != "restore" || !slices.Equal(cs.Attributes[0].AttributeValues, []string{s.Management}) {
				t.Errorf("%s %s: cluster snapshot %+v", acct, region, cs)
			}
			// Services that found nothing were collected as empty, not missing.
			if r.SQS == nil || r.SQS.Queues == nil || r.SecretsManager == nil || r.Lambda == nil || r.Logs == nil || r.DynamoDB == nil || r.SNS == nil {
				t.Errorf("%s %s: a service was not collected: %+v", acct, region, r)
			}
		}
	}
	// Only member accounts are assumed into; the caller reads its own.
	if n := s.Calls("", "sts:AssumeRole"); n != 3 {
		t.Errorf("%d AssumeRole calls, want one per member", n)
	}
	last := lastDone(t, events)
	stats := c.Stats().Counts()
	if last.AccountsDone != 4 || last.AccountsTotal != 4 || last.Calls != stats.Calls || last.Errors != 0 || stats.Throttles != 0 {
		t.Errorf("last event %+v, stats %+v", last, stats)
	}
	// Every call the SDK made reached the server once (no retries here);
	// the STS calls of the credential providers are counted too.
	if int(stats.Calls) != s.Total() {
		t.Errorf("counted %d calls, the server saw %d", stats.Calls, s.Total())
	}
	phases := map[string]int{}
	for _, e := range events {
		phases[e.Phase]++
	}
	if phases["organization"] != 1 || phases["account"] != 4 || phases["done"] != 4 || phases["error"] != 0 {
		t.Errorf("events by phase %v", phases)
	}
}

// Throttling: ListKeys throttled three times then answered is retried and
// collected; ListGrants throttled past every attempt is recorded. Every
// throttled attempt is counted, in the stats and in the events.
func TestFakeAWSThrottling(t *testing.T) {
	member := fakeMembers[0]
	var listKeys atomic.Int64
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers, Keys: 3, Roles: 2, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Account != member || call.Service != "kms" {
			return nil
		}
		if call.Op == "ListKeys" && listKeys.Add(1) <= 3 {
			return &fakeaws.Fault{Code: "ThrottlingException", Message: "Rate exceeded"}
		}
		if call.Op == "ListGrants" && strings.HasPrefix(call.Resource, "00000001-") {
			return &fakeaws.Fault{Code: "ThrottlingException", Message: "Rate exceeded"}
		}
		return nil
	}}, 4)
	snap, res, events := collect(context.Background(), t, c, Options{Accounts: []string{member, fakeMembers[1]}, Regions: []string{"us-east-1"}})
	if n := s.Calls(member, "kms:ListKeys"); n != 4 {
		t.Errorf("ListKeys reached the server %d times, want 3 throttled and 1 answered", n)
	}
	a := snap.Accounts[member]
	keys := a.Regions["us-east-1"].KMS.Keys
	if len(keys) != 3 || keys[0].Grants == nil || keys[1].Grants != nil || keys[1].Policy == nil {
		t.Fatalf("keys after throttling: %+v", keys)
	}
	if res.Complete || len(a.Errors) != 1 || a.Errors[0].Operation != "ListGrants" || a.Errors[0].Code != "ThrottlingException" || a.Errors[0].Resource != s.KeyARN(member, "us-east-1", 1) {
		t.Errorf("want the one ListGrants that outlasted the retries recorded: %+v", a.Errors)
	}
	if errs := snap.Accounts[fakeMembers[1]].Errors; len(errs) != 0 {
		t.Errorf("the other account was hurt: %+v", errs)
	}
	stats := c.Stats().Counts()
	if stats.Throttles != 3+4 {
		t.Errorf("throttles counted %d, want 7 (3 ListKeys, 4 ListGrants attempts)", stats.Throttles)
	}
	if last := lastDone(t, events); last.Throttles != stats.Throttles || last.Errors != 1 {
		t.Errorf("last event %+v", last)
	}
	errEvents := errorEvents(events, member)
	if len(errEvents) != 1 || errEvents[0].Region != "us-east-1" || !strings.HasPrefix(errEvents[0].Err, "ThrottlingException: ") || !strings.Contains(errEvents[0].Message, "kms ListGrants "+s.KeyARN(member, "us-east-1", 1)) {
		t.Errorf("error events %+v", errEvents)
	}
}

// AccessDenied: a member whose audit role cannot be assumed and a member
// whose KMS denies ListKeys are recorded on their accounts; everything else
// is collected and the result is partial.
func TestFakeAWSAccessDenied(t *testing.T) {
	unassumable, noKMS := fakeMembers[1], fakeMembers[2]
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers, Keys: 2, Roles: 3, Buckets: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		switch {
		case call.Op == "AssumeRole" && strings.Contains(call.Resource, "::"+unassumable+":"):
			return &fakeaws.Fault{Status: 403, Code: "AccessDenied", Message: "User: arn:aws:iam::100000000000:user/scanner is not authorized to perform: sts:AssumeRole"}
		case call.Account == noKMS && call.Op == "ListKeys":
			return &fakeaws.Fault{Code: "AccessDeniedException", Message: "User: arn:aws:sts::" + noKMS + ":assumed-role/audit/keyhound is not authorized to perform: kms:ListKeys"}
		}
		return nil
	}}, 3)
	snap, res, events := collect(context.Background(), t, c, Options{Org: true, Regions: []string{"us-east-1"}})
	if res.Complete || res.Accounts != 4 || res.Errors != 2 {
		t.Fatalf("result %+v", res)
	}
	u := snap.Accounts[unassumable]
	if u == nil || u.IAM != nil || len(u.Regions) != 0 || len(u.Errors) != 1 || u.Errors[0].Service != "sts" || u.Errors[0].Operation != "AssumeRole" || u.Errors[0].Code != "AccessDenied" {
		t.Errorf("unassumable account: %+v", u)
	}
	n := snap.Accounts[noKMS]
	r := n.Regions["us-east-1"]
	if len(n.Errors) != 1 || n.Errors[0].Operation != "ListKeys" || n.Errors[0].Code != "AccessDeniedException" || n.Errors[0].Region != "us-east-1" {
		t.Errorf("denied KMS: errors %+v", n.Errors)
	}
	if r.KMS != nil || n.IAM == nil || len(n.IAM.RoleDetailList) != 3 || len(r.S3.Buckets) != 1 || r.EC2 == nil {
		t.Errorf("denied KMS must be 'not collected' and the rest kept: kms %+v iam %v s3 %+v", r.KMS, n.IAM != nil, r.S3)
	}
	for _, ok := range []string{s.Management, fakeMembers[0]} {
		if a := snap.Accounts[ok]; len(a.Errors) != 0 || len(a.Regions["us-east-1"].KMS.Keys) != 2 {
			t.Errorf("healthy account %s: %+v", ok, a.Errors)
		}
	}
	for _, acct := range []string{unassumable, noKMS} {
		if ev := errorEvents(events, acct); len(ev) != 1 || !strings.HasPrefix(ev[0].Err, "AccessDenied") {
			t.Errorf("error events of %s: %+v", acct, ev)
		}
	}
}

// A server that stops answering: the cancelled scan returns what it has,
// marked incomplete (the interrupted calls recorded as Cancelled), and
// the partial snapshot is written and loads.
func TestFakeAWSHangsThenCancelled(t *testing.T) {
	slow := fakeMembers[0]
	hung := make(chan struct{})
	var once sync.Once
	s, c := startFake(t, &fakeaws.Server{Members: fakeMembers, Keys: 2, Roles: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Account == slow && call.Op == "DescribeKey" {
			once.Do(func() { close(hung) })
			return &fakeaws.Fault{Hang: true}
		}
		return nil
	}}, 3)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := make(chan Event, 16)
	type scanned struct {
		snap *snapshot.Snapshot
		res  Result
		err  error
	}
	out := make(chan scanned, 1)
	go func() {
		snap, res, err := Scan(ctx, c, Options{Org: true, Regions: []string{"us-east-1"}}, events)
		close(events)
		out <- scanned{snap, res, err}
	}()
	// Cancel once every other account is done and the slow one hangs.
	done, hanging, cancelled := 0, false, false
	hungCh := hung
loop:
	for {
		select {
		case e, ok := <-events:
			if !ok {
				break loop
			}
			if e.Phase == "done" {
				done++
			}
		case <-hungCh:
			hanging, hungCh = true, nil
		}
		if done == 3 && hanging && !cancelled {
			cancel()
			cancelled = true
		}
	}
	got := <-out
	if got.err != nil {
		t.Fatal(got.err)
	}
	if got.res.Complete {
		t.Error("a cancelled scan must be incomplete")
	}
	a := got.snap.Accounts[slow]
	interrupted := slices.ContainsFunc(a.Errors, func(e snapshot.CollectionError) bool {
		return e.Operation == "DescribeKey" && e.Code == "Cancelled"
	})
	if !interrupted {
		t.Errorf("the interrupted DescribeKey is not recorded: %+v", a.Errors)
	}
	if keys := a.Regions["us-east-1"].KMS.Keys; len(keys) != 2 || keys[0].KeyMetadata.Arn != s.KeyARN(slow, "us-east-1", 0) {
		t.Errorf("what ListKeys gave is lost: %+v", keys)
	}
	for _, other := range []string{s.Management, fakeMembers[1], fakeMembers[2]} {
		if errs := got.snap.Accounts[other].Errors; len(errs) != 0 {
			t.Errorf("%s finished before the cancel but has errors: %+v", other, errs)
		}
	}
	if loaded, _ := writeAndLoad(t, got.snap); len(loaded.Accounts) != 4 || len(loaded.Accounts[slow].Errors) == 0 {
		t.Errorf("the partial snapshot does not load as written: %d accounts, errors of %s: %v", len(loaded.Accounts), slow, loaded.Accounts[slow].Errors)
	}
}

// --profiles without moto: each profile's access key acts in its own
// account; no role is assumed.
func TestFakeAWSProfiles(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{Members: fakeMembers, Keys: 1, Roles: 1})
	fakeaws.UseProfiles(t, map[string]string{"prod": fakeMembers[0], "dev": fakeMembers[2]})
	ctx := context.Background()
	c, accounts, err := NewProfileClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: s.URL, MaxAttempts: 2}, []string{"prod", "dev"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(accounts, []string{fakeMembers[0], fakeMembers[2]}) {
		t.Fatalf("accounts %v", accounts)
	}
	snap, res, _ := collect(ctx, t, c, Options{Accounts: accounts, Regions: []string{"us-east-1"}})
	if !res.Complete || len(snap.Accounts) != 2 {
		t.Fatalf("result %+v, accounts %d", res, len(snap.Accounts))
	}
	for _, acct := range accounts {
		keys := snap.Accounts[acct].Regions["us-east-1"].KMS.Keys
		if len(keys) != 1 || keys[0].KeyMetadata.Arn != s.KeyARN(acct, "us-east-1", 0) {
			t.Errorf("%s: keys %+v", acct, keys)
		}
	}
	if n := s.Calls("", "sts:AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls: profiles are read with their own credentials", n)
	}
	if _, _, err := NewProfileClients(ctx, AWSOptions{Region: "us-east-1", EndpointURL: s.URL}, []string{"prod", "nosuch"}); err == nil || !strings.Contains(err.Error(), "nosuch") {
		t.Errorf("an unknown profile: %v", err)
	}
}

// AWS_MAX_ATTEMPTS bounds the attempts, as for the AWS CLI, unless the
// options say otherwise.
func TestMaxAttemptsFromEnvironment(t *testing.T) {
	s := fakeaws.Start(t, &fakeaws.Server{Keys: 1, Roles: 1, Fault: func(c fakeaws.Call) *fakeaws.Fault {
		if c.Op == "ListSecrets" {
			return &fakeaws.Fault{Status: 500, Code: "InternalServiceError", Message: "broken"}
		}
		return nil
	}})
	mototest.UseEnv(t)
	t.Setenv("AWS_MAX_ATTEMPTS", "3")
	for _, tc := range []struct{ option, want int }{{0, 3}, {2, 2}} {
		before := s.Calls("", "secretsmanager:ListSecrets")
		c, err := newAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: s.URL, MaxAttempts: tc.option, maxBackoff: time.Millisecond}, &Stats{}, newLimiter())
		if err != nil {
			t.Fatal(err)
		}
		snap, _, err := Scan(context.Background(), c, Options{Regions: []string{"us-east-1"}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if n := s.Calls("", "secretsmanager:ListSecrets") - before; n != tc.want {
			t.Errorf("MaxAttempts %d: %d attempts, want %d", tc.option, n, tc.want)
		}
		if errs := snap.Accounts[s.Management].Errors; len(errs) != 1 || errs[0].Code != "InternalServiceError" {
			t.Errorf("errors %+v", errs)
		}
	}
}
