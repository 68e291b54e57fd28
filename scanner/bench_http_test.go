package scanner

import (
	"context"
	"flag"
	"fmt"
	"runtime/metrics"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// Latencies of the simulated AWS in BenchmarkScanFakeAWS; override with
// e.g. -scan.regional=30ms.
var (
	benchRegional = flag.Duration("scan.regional", 100*time.Millisecond, "BenchmarkScanFakeAWS: latency of a regional call")
	benchOrg      = flag.Duration("scan.org", 300*time.Millisecond, "BenchmarkScanFakeAWS: latency of an Organizations call")
	benchIAMPage  = flag.Duration("scan.iam", time.Second, "BenchmarkScanFakeAWS: latency of an IAM authorization-details page")
)

// BenchmarkScanFakeAWS scans a simulated organization of 100 and 1,000
// accounts × 2 Regions — per account 50 roles (one IAM page), 20 buckets,
// and per Region 20 keys (each with an alias, a grant or none, tags), an
// Aurora cluster snapshot and empty SQS, Secrets Manager, SNS, DynamoDB,
// Lambda, Logs, EBS and RDS listings — through the real SDK clients
// (NewAWSClients: signing, AssumeRole per account, the standard retryer,
// the token buckets) against fakeaws on loopback. Every call takes its
// latency (-scan.regional, default 100 ms; -scan.org 300 ms; -scan.iam 1 s
// a page), and AWS's side answers the throttling error of each protocol
// when an (account, Region, API) exceeds AWS's published quota
// (fakeaws.Quotas, about twice the scanner's own bucket). It reports the wall time, the calls and calls/s,
// the calls AWS throttled (the buckets should leave none), the peak heap,
// and the lower bound that the latency, the quotas and the allowed
// concurrency set, with their ratio.
//
// Run: go test -run '^$' -bench ScanFakeAWS -benchtime 1x ./scanner/
// (1,000 accounts take about two minutes; -short runs 100 only).
func BenchmarkScanFakeAWS(b *testing.B) {
	const (
		keys, buckets, roles, concurrency = 20, 20, 50, 16
	)
	regions := []string{"eu-west-1", "us-east-1"}
	for _, accounts := range []int{100, 1000} {
		b.Run(strconv.Itoa(accounts), func(b *testing.B) {
			if accounts > 100 && testing.Short() {
				b.Skip("1,000 accounts take minutes")
			}
			members := make([]string, accounts-1)
			for i := range members {
				members[i] = fmt.Sprintf("%012d", 200000000000+i)
			}
			bound := fakeAWSBound(accounts, keys, buckets, len(regions), concurrency)
			var calls, throttled, retried int
			var heap uint64
			for b.Loop() {
				b.StopTimer()
				s := fakeaws.Start(b, &fakeaws.Server{
					Members: members, Regions: regions, Keys: keys, Buckets: buckets, Roles: roles,
					Latency: benchLatency,
					Allow:   (&fakeaws.Quotas{}).Allow,
				})
				mototest.UseEnv(b)
				c, err := newAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: s.URL, MaxConns: 1024}, &Stats{}, newLimiter())
				if err != nil {
					b.Fatal(err)
				}
				stopHeap := sampleHeap(&heap)
				b.StartTimer()
				snap, res, err := Scan(context.Background(), c, Options{Org: true, Regions: regions, Concurrency: concurrency}, nil)
				b.StopTimer()
				stopHeap()
				if err != nil || len(snap.Accounts) != accounts || res.Errors != 0 {
					b.Fatalf("%v %+v", err, res)
				}
				calls, throttled, retried = s.Total(), s.Throttled(), int(c.Stats().Counts().Throttles)
				b.StartTimer()
			}
			wall := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(calls)/wall.Seconds(), "calls/s")
			b.ReportMetric(float64(throttled), "throttled")
			b.ReportMetric(float64(retried), "retried")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(wall.Seconds(), "wall-s")
			b.ReportMetric(bound.Seconds(), "bound-s")
			b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
		})
	}
}

// fakeAWSBound is the least time the scan can take given the latencies,
// the scanner's token buckets and the concurrency it allows. Accounts are
// scanned as soon as the organization lists them: the scan takes the
// organization's calls up to the first page of accounts (GetCallerIdentity,
// DescribeOrganization, ListRoots, the root's OUs, then 20 accounts a page),
// then the accounts `concurrency` at a time — or the organization's
// sequential calls to its last account page, if longer. An account assumes
// its role and lists its Regions, then reads IAM (one page), S3
// (ListBuckets, then BucketWorkers buckets at a time, three calls each) and
// its Regions at once; a Region's slowest service is KMS (ListKeys and
// ListAliases at once, then KeyWorkers keys at a time, five calls each).
func fakeAWSBound(accounts, keys, buckets, regions, concurrency int) time.Duration {
	regional := *benchRegional
	waves := func(n, workers int) time.Duration { return time.Duration((n + workers - 1) / workers) }
	q := quotaFor("organizations", "")
	firstPage := regional + sequentialCalls(4, *benchOrg, q)
	lastPage := regional + sequentialCalls(3+(accounts+19)/20, *benchOrg, q)
	kms := regional + waves(keys, KeyWorkers)*5*regional
	s3 := regional + waves(buckets, BucketWorkers)*3*regional
	slowest := max(*benchIAMPage, s3, kms*waves(regions, RegionWorkers))
	perAccount := 2*regional + slowest
	return max(lastPage, firstPage+perAccount*waves(accounts, concurrency))
}

// sequentialCalls is how long n calls one after the other take when each
// takes latency and waits for a token bucket of quota q.
func sequentialCalls(n int, latency time.Duration, q quota) time.Duration {
	var t time.Duration
	tokens := float64(q.burst)
	for range n {
		if tokens < 1 {
			wait := time.Duration((1 - tokens) / q.perSecond * float64(time.Second))
			t += wait
			tokens = 1
		}
		tokens--
		t += latency
		tokens = min(float64(q.burst), tokens+latency.Seconds()*q.perSecond)
	}
	return t
}

// sampleHeap records the peak of the heap's objects, sampled every 100 ms
// until stopped, through runtime/metrics (runtime.ReadMemStats stops the
// world, and sampled that often it stalled the scan's calls for seconds).
func sampleHeap(peak *uint64) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		for {
			select {
			case <-t.C:
				metrics.Read(sample)
				if sample[0].Value.Kind() == metrics.KindUint64 {
					*peak = max(*peak, sample[0].Value.Uint64())
				}
			case <-quit:
				return
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// benchLatency is how long the fake takes to answer a call in the HTTP
// benchmarks: -scan.org for Organizations, -scan.iam for an IAM page,
// -scan.regional for the rest.
func benchLatency(c fakeaws.Call) time.Duration {
	switch c.Service {
	case "organizations":
		return *benchOrg
	case "iam":
		return *benchIAMPage
	}
	return *benchRegional
}
