package scanner

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

// BenchmarkScanRegionDenySCP scans an organization of 100 and 1,000
// accounts through fakeaws with a Region-deny SCP on the root: 4 Regions
// enabled in every account, 2 of them denied to the members (the
// management account, which SCPs do not restrict, reads all 4). Members
// sit in two OUs, listed 20 a page. Per account (scaled down from
// BenchmarkScanFakeAWS to keep 1,000 accounts near a minute on 2 cores):
// 50 roles (one IAM page), 4 buckets (one per Region), and per Region 5
// keys with an Aurora cluster snapshot and empty listings of the other
// services. Latencies and AWS's quotas are BenchmarkScanFakeAWS's
// (-scan.regional, -scan.org, -scan.iam; AWS's side throttles an
// (account, Region, API) past twice the scanner's bucket).
//
// It reports the wall time against the lower bound regionDenyBound, the
// calls and calls/s, the attempts AWS throttled and those the SDK retried,
// the Regions skipped, the members' calls in denied Regions (0: they are
// never called), and the peak heap (runtime/metrics, sampled) and the
// memory the runtime got from the OS at the end (runtime.MemStats.Sys).
//
// Run: go test -run '^$' -bench ScanRegionDenySCP -benchtime 1x ./scanner/
// (-short runs 100 accounts only).
func BenchmarkScanRegionDenySCP(b *testing.B) {
	const (
		keys, buckets, roles, concurrency = 5, 4, 50, 16
		scp                               = `{"Version":"2012-10-17","Statement":[{"Sid":"DenyOutsideAllowedRegions","Effect":"Deny",
			"NotAction":["iam:*","organizations:*","sts:*","support:*","s3:ListAllMyBuckets","s3:GetBucketLocation"],"Resource":"*",
			"Condition":{"StringNotEquals":{"aws:RequestedRegion":["eu-west-1","us-east-1"]}}}]}`
	)
	regions := []string{"eu-west-1", "us-east-1", "ap-south-1", "sa-east-1"}
	denied := regions[2:]
	for _, accounts := range []int{100, 1000} {
		b.Run(strconv.Itoa(accounts), func(b *testing.B) {
			if accounts > 100 && testing.Short() {
				b.Skip("1,000 accounts take a minute or more")
			}
			members := make([]string, accounts-1)
			parents := map[string]string{}
			for i := range members {
				members[i] = fmt.Sprintf("%012d", 200000000000+i)
				parents[members[i]] = "ou-fake-" + strconv.Itoa(i%2)
			}
			ous := []fakeaws.OU{{ID: "ou-fake-0", Name: "prod"}, {ID: "ou-fake-1", Name: "dev"}}
			bound := regionDenyBound(accounts, len(ous), keys, buckets, len(regions), concurrency)
			var calls, throttled, retried, skipped int
			var deniedCalls atomic.Int64
			var heap, sys uint64
			for b.Loop() {
				b.StopTimer()
				awsSide := &fakeaws.Quotas{} // AWS's published quotas
				deniedCalls.Store(0)
				s := fakeaws.Start(b, &fakeaws.Server{
					Members: members, Regions: regions, Keys: keys, Buckets: buckets, Roles: roles,
					OUs: ous, Parents: parents,
					SCPs:    []fakeaws.SCP{{ID: "p-regions", Name: "AllowedRegions", Content: scp, Targets: []string{fakeaws.Root}}},
					Latency: benchLatency,
					Fault: func(c fakeaws.Call) *fakeaws.Fault {
						if c.Account != "100000000000" && slices.Contains(denied, c.Region) {
							deniedCalls.Add(1)
						}
						return nil
					},
					Allow: awsSide.Allow,
				})
				mototest.UseEnv(b)
				c, err := newAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: s.URL, MaxConns: 1024}, &Stats{}, newLimiter())
				if err != nil {
					b.Fatal(err)
				}
				stopHeap := sampleHeap(&heap)
				b.StartTimer()
				snap, res, err := Scan(context.Background(), c, Options{Org: true, Concurrency: concurrency}, nil)
				b.StopTimer()
				stopHeap()
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				sys = ms.Sys
				if err != nil || len(snap.Accounts) != accounts || res.Errors != 0 || !res.Complete || res.Skipped != 2*(accounts-1) {
					b.Fatalf("%v %+v", err, res)
				}
				calls, throttled, retried, skipped = s.Total(), s.Throttled(), int(c.Stats().Counts().Throttles), res.Skipped
				b.StartTimer()
			}
			wall := b.Elapsed() / time.Duration(b.N)
			b.ReportMetric(float64(calls), "calls")
			b.ReportMetric(float64(calls)/wall.Seconds(), "calls/s")
			b.ReportMetric(float64(throttled), "throttled")
			b.ReportMetric(float64(retried), "retried")
			b.ReportMetric(float64(skipped), "skipped")
			b.ReportMetric(float64(deniedCalls.Load()), "denied-calls")
			b.ReportMetric(float64(heap)/(1<<20), "peak-heap-MB")
			b.ReportMetric(float64(sys)/(1<<20), "sys-MB")
			b.ReportMetric(wall.Seconds(), "wall-s")
			b.ReportMetric(bound.Seconds(), "bound-s")
			b.ReportMetric(wall.Seconds()/bound.Seconds(), "x-bound")
		})
	}
}

// regionDenyBound is the least time BenchmarkScanRegionDenySCP's scan can
// take at the scanner's own rates (a token bucket per account, Region and
// API: ratelimit.go), the latencies and the concurrency allowed:
//
//	bound = max(listing, first + perAccount × ⌈accounts / concurrency⌉)
//
// The organization is read one call after another: GetCallerIdentity, then
// DescribeOrganization, ListRoots, the SCPs (ListPolicies, then
// DescribePolicy and ListTargetsForPolicy for FullAWSAccess and the
// Region-deny SCP), the RCPs' ListPolicies — the policies come before the
// tree, so an account's Regions never wait for them — then the root's OUs
// and accounts (the management account), and the first OU's OUs and first
// page of members. No operation is called more than its bucket's burst
// (4) times before that, so first is 12 Organizations latencies: when the
// first member can start. listing is when the last page is read: at least
// every call's latency one after the other, and at least the
// ListAccountsForParent pages (⌈members/OUs/20⌉ per OU) at that API's rate
// (sequentialCalls). An account assumes its role, then reads IAM (one
// page) while it lists its Regions (DescribeRegions) and then reads S3
// (ListBuckets, then BucketWorkers buckets at a time, three calls each)
// and its Regions (RegionWorkers at a time: the management account's 4
// Regions and a member's 2 alike take one wave; a Region's slowest service
// is KMS: ListKeys and ListAliases at once, then KeyWorkers keys at a
// time, five calls each); perAccount is that slowest path.
func regionDenyBound(accounts, ous, keys, buckets, regions, concurrency int) time.Duration {
	regional, org := *benchRegional, *benchOrg
	waves := func(n, workers int) time.Duration { return time.Duration((n + workers - 1) / workers) }
	const policyCalls = 2 + 1 + 2*2 + 1 // DescribeOrganization, ListRoots; the SCPs; the RCPs' ListPolicies
	first := regional + (policyCalls+4)*org
	pages := ous * ((accounts - 1 + ous*20 - 1) / (ous * 20))
	listing := regional + max(time.Duration(policyCalls+2+ous+pages)*org,
		sequentialCalls(pages, org, quotaFor("organizations", "")))
	kms := regional + waves(keys, KeyWorkers)*5*regional
	s3 := regional + waves(buckets, BucketWorkers)*3*regional
	perAccount := regional + max(*benchIAMPage, regional+max(s3, kms*waves(regions, RegionWorkers)))
	return max(listing, first+perAccount*waves(accounts, concurrency))
}
