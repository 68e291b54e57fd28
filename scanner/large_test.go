package scanner

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Large accounts through the SDK against fakeaws: every listing read to
// its end as AWS paginates it, every resource read on a bounded pool and
// kept in listing order, throttling absorbed.

const region1 = "us-east-1"

// pageLog records the pages of listings asked for, by operation and
// token. Pages are counted rather than calls: on loopback an answer may be
// cut and retried (the SDK closes a request's body as soon as the answer's
// headers arrive, and Go's transport then drops the connection:
// aws-sdk-go-v2#1825).
type pageLog struct {
	mu    sync.Mutex
	pages map[[2]string]int // operation, token → MaxResults asked
}

// record is a Server.Fault that fails nothing.
func (p *pageLog) record(c fakeaws.Call) *fakeaws.Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.pages == nil {
		p.pages = map[[2]string]int{}
	}
	p.pages[[2]string{c.Op, c.Token}] = c.MaxResults
	return nil
}

// of counts the distinct pages of op asked for with MaxResults maxResults.
func (p *pageLog) of(op string, maxResults int) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for k, m := range p.pages {
		if k[0] == op && m == maxResults {
			n++
		}
	}
	return n
}

// 1,005 queues: ListQueues is asked with MaxResults and followed to its
// second page (without MaxResults SQS answers 1,000 and no NextToken: SQS
// Developer Guide, "Amazon SQS list queue pagination"); every queue has
// its attributes, in listing order.
func TestFakeAWS1005Queues(t *testing.T) {
	pages := &pageLog{}
	s, c := startFake(t, &fakeaws.Server{Queues: 1005, Fault: pages.record}, 3)
	c.limits.scale = 100 // completeness, not pace: SQS at 5,000/s
	snap, res, _ := collect(context.Background(), t, c, Options{Regions: []string{region1}})
	if !res.Complete {
		t.Fatalf("result %+v: %+v", res, snap.Accounts[s.Management].Errors)
	}
	queues := snap.Accounts[s.Management].Regions[region1].SQS.Queues
	if len(queues) != 1005 {
		t.Fatalf("%d queues collected, want 1005", len(queues))
	}
	for i, q := range queues {
		if q.QueueURL != fakeaws.QueueURL(s.Management, region1, i) || q.Attributes["KmsMasterKeyId"] != s.KeyARN(s.Management, region1, 0) {
			t.Fatalf("queue %d: %+v", i, q)
		}
	}
	if n := pages.of("ListQueues", 1000); n != 2 {
		t.Errorf("%d ListQueues pages of 1,000, want 2", n)
	}
}

// 20,000 EBS snapshots in one Region: DescribeSnapshots in pages of 1,000
// (EC2 API Reference, DescribeSnapshots MaxResults), every snapshot's
// createVolumePermission read, in listing order.
func TestFakeAWS20000Snapshots(t *testing.T) {
	if testing.Short() {
		t.Skip("20,000 calls")
	}
	const n = 20000
	pages := &pageLog{}
	s, c := startFake(t, &fakeaws.Server{Snapshots: n, Keys: 1, Fault: pages.record}, 3)
	c.limits.scale = 1000 // completeness, not pace: EC2 at 10,000/s
	snap, res, _ := collect(context.Background(), t, c, Options{Regions: []string{region1}})
	if !res.Complete {
		t.Fatalf("result %+v", res)
	}
	got := snap.Accounts[s.Management].Regions[region1].EC2.Snapshots
	if len(got) != n {
		t.Fatalf("%d snapshots collected, want %d", len(got), n)
	}
	shared := 0
	for i, ss := range got {
		accounts, public := s.SnapshotShares(i)
		var want []snapshot.CreateVolumePermission
		for _, a := range accounts {
			want = append(want, snapshot.CreateVolumePermission{UserID: a})
		}
		if public {
			want = append(want, snapshot.CreateVolumePermission{Group: "all"})
		}
		if ss.SnapshotID != fakeaws.SnapshotID(i) || ss.CreateVolumePermissions == nil || !slices.Equal(ss.CreateVolumePermissions, want) ||
			!ss.Encrypted || ss.KmsKeyID != s.KeyARN(s.Management, region1, 0) {
			t.Fatalf("snapshot %d: %+v, want permissions %+v", i, ss, want)
		}
		if len(want) > 0 {
			shared++
		}
	}
	if shared != n/100 {
		t.Errorf("%d shared snapshots, want %d", shared, n/100)
	}
	if got := pages.of("DescribeSnapshots", 1000); got != n/1000 {
		t.Errorf("%d DescribeSnapshots pages of 1,000, want %d", got, n/1000)
	}
}

// Volumes in pages of 500 and buckets in the pages S3 gives (here 2 a
// page, whatever max-buckets asks), each bucket's Region taken from its
// ListBuckets entry: no GetBucketLocation.
func TestFakeAWSVolumesAndBucketsPaginated(t *testing.T) {
	pages := &pageLog{}
	s, c := startFake(t, &fakeaws.Server{Volumes: 1200, Buckets: 5, BucketsPerPage: 2, Keys: 1, Fault: pages.record}, 3)
	snap, res, _ := collect(context.Background(), t, c, Options{Regions: []string{region1}})
	if !res.Complete {
		t.Fatalf("result %+v", res)
	}
	r := snap.Accounts[s.Management].Regions[region1]
	if len(r.EC2.Volumes) != 1200 || r.EC2.Volumes[1199].VolumeID != fakeaws.VolumeID(1199) {
		t.Errorf("%d volumes", len(r.EC2.Volumes))
	}
	if len(r.S3.Buckets) != 5 {
		t.Errorf("%d buckets, want 5", len(r.S3.Buckets))
	}
	if v, b := pages.of("DescribeVolumes", 500), pages.of("ListBuckets", 1000); v != 3 || b != 3 {
		t.Errorf("%d DescribeVolumes pages of 500, %d ListBuckets pages of 1,000; want 3 and 3", v, b)
	}
	if n := s.Calls(s.Management, "s3:GetBucketLocation"); n != 0 {
		t.Errorf("%d GetBucketLocation calls: ListBuckets gives each bucket's Region", n)
	}
}

// A resource whose own call fails keeps what its listing gave, with the
// failure recorded under its name; the others are read, in listing order.
func TestFakeAWSPerResourceFailures(t *testing.T) {
	badQueue := fakeaws.QueueURL("100000000000", region1, 7)
	s, c := startFake(t, &fakeaws.Server{Queues: 20, Snapshots: 30, Keys: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Resource == badQueue || call.Resource == fakeaws.SnapshotID(12) {
			return &fakeaws.Fault{Code: "AccessDenied", Message: "not authorized"}
		}
		return nil
	}}, 2)
	snap, res, _ := collect(context.Background(), t, c, Options{Regions: []string{region1}})
	a := snap.Accounts[s.Management]
	if res.Complete || len(a.Errors) != 2 {
		t.Fatalf("want the two failures recorded: %+v", a.Errors)
	}
	r := a.Regions[region1]
	for i, q := range r.SQS.Queues {
		if q.QueueURL != fakeaws.QueueURL(s.Management, region1, i) || (q.Attributes == nil) != (i == 7) {
			t.Errorf("queue %d: %+v", i, q)
		}
	}
	for i, ss := range r.EC2.Snapshots {
		if ss.SnapshotID != fakeaws.SnapshotID(i) || (ss.CreateVolumePermissions == nil) != (i == 12) {
			t.Errorf("snapshot %d: %+v", i, ss)
		}
	}
	byResource := map[string]string{}
	for _, e := range a.Errors {
		byResource[e.Resource] = e.Operation
	}
	if byResource[badQueue] != "GetQueueAttributes" || byResource[fakeaws.SnapshotID(12)] != "DescribeSnapshotAttribute" {
		t.Errorf("errors %+v", a.Errors)
	}
}

// AWS's side of a quota at a fixed rate below the scanner's (GetQueueAttributes:
// 20 a second, bursts of 4, against the scanner's 50 and 20): the scan
// completes with nothing failed, the bucket's rate falls below AWS's,
// and far fewer attempts are throttled than made (at the fixed rate the
// scanner had before, most were).
func TestFakeAWSAdaptsToAWSQuota(t *testing.T) {
	const queues, awsRate = 60, 20.0
	aws := &fakeaws.Quotas{Quota: func(c fakeaws.Call) fakeaws.Quota {
		if c.Op == "GetQueueAttributes" {
			return fakeaws.Quota{PerSecond: awsRate, Burst: 4}
		}
		return fakeaws.Published(c)
	}}
	s := fakeaws.Start(t, &fakeaws.Server{Queues: queues, Allow: aws.Allow})
	mototest.UseEnv(t)
	// The SDK's standard retryer with a short backoff: the buckets, not the
	// backoff, must keep the calls within AWS's quota.
	c, err := newAWSClients(context.Background(), AWSOptions{Region: region1, EndpointURL: s.URL, MaxAttempts: 10, maxBackoff: 10 * time.Millisecond}, &Stats{}, newLimiter())
	if err != nil {
		t.Fatal(err)
	}
	snap, res, _ := collect(context.Background(), t, c, Options{Regions: []string{region1}})
	if !res.Complete || res.Errors != 0 {
		t.Fatalf("a throttled scan must complete: %+v %+v", res, snap.Accounts[s.Management].Errors)
	}
	if got := snap.Accounts[s.Management].Regions[region1].SQS.Queues; len(got) != queues || got[queues-1].Attributes == nil {
		t.Fatalf("%d queues", len(got))
	}
	attempts := s.Calls(s.Management, "sqs:GetQueueAttributes")
	throttled := attempts - queues
	_, lowest, cuts := c.limits.bucket(s.Management, region1, "SQS", "GetQueueAttributes").state()
	t.Logf("%d attempts, %d throttled, %d cuts, lowest %.1f/s", attempts, throttled, cuts, lowest)
	if cuts == 0 || lowest >= awsRate {
		t.Errorf("the bucket never went below AWS's %v/s: lowest %v, %d cuts", awsRate, lowest, cuts)
	}
	if throttled > queues/3 {
		t.Errorf("%d of %d attempts throttled: the rate did not adapt", throttled, attempts)
	}
	if st := c.Stats().Counts(); int(st.Throttles) != s.Throttled() {
		t.Errorf("throttles counted %d, the server refused %d", st.Throttles, s.Throttled())
	}
}

// --max-requests: however many accounts, Regions, keys and queues are read
// at once, no more requests than the bound are out together; without it
// the same scan has more.
func TestMaxRequestsBoundsRequestsInFlight(t *testing.T) {
	for _, tc := range []struct{ bound, atMost, moreThan int }{{bound: 3, atMost: 3, moreThan: 1}, {bound: 64, atMost: 64, moreThan: 3}} {
		s := fakeaws.Start(t, &fakeaws.Server{
			Members: fakeMembers, Keys: 8, Queues: 16, Roles: 1,
			Latency: func(fakeaws.Call) time.Duration { return 20 * time.Millisecond },
		})
		mototest.UseEnv(t)
		c, err := newAWSClients(context.Background(), AWSOptions{Region: region1, EndpointURL: s.URL, MaxAttempts: 2}, &Stats{}, newLimiter().withMaxRequests(tc.bound))
		if err != nil {
			t.Fatal(err)
		}
		_, res, _ := collect(context.Background(), t, c, Options{Org: true, Regions: []string{region1}})
		if !res.Complete {
			t.Fatalf("bound %d: %+v", tc.bound, res)
		}
		if p := s.PeakInFlight(); p > tc.atMost || p <= tc.moreThan {
			t.Errorf("bound %d: %d requests in flight at once, want more than %d and at most %d", tc.bound, p, tc.moreThan, tc.atMost)
		}
	}
}

// The middleware sits after the SDK's retry loop: each retry waits for a
// token of its own (the limiter counts attempts, not calls).
func TestEveryAttemptWaitsForItsBucket(t *testing.T) {
	s, c := startFake(t, &fakeaws.Server{Keys: 1, Fault: func(call fakeaws.Call) *fakeaws.Fault {
		if call.Op == "ListSecrets" {
			return &fakeaws.Fault{Status: 500, Code: "InternalServiceError", Message: "again"}
		}
		return nil
	}}, 4)
	collect(context.Background(), t, c, Options{Regions: []string{region1}})
	if n := s.Calls(s.Management, "secretsmanager:ListSecrets"); n != 4 {
		t.Fatalf("%d attempts, want 4", n)
	}
	if got := c.limits.Calls(); got != s.Total() {
		t.Errorf("the limiter saw %d attempts, the server %d", got, s.Total())
	}
}
