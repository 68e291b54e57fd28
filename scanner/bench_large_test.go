package scanner

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/keyhound/keyhound/internal/mototest"
	"github.com/keyhound/keyhound/scanner/fakeaws"
)

var (
	benchSnapshots = flag.Int("scan.snapshots", 20000, "BenchmarkScanSnapshots20000: EBS snapshots in the account's Region")
	benchShare     = flag.Float64("scan.share", DefaultQuotaShare, "BenchmarkScanSnapshots20000: --quota-share, the share of AWS's quotas the scan may use")
)

// BenchmarkScanSnapshots20000 scans one account whose one Region holds
// 20,000 EBS snapshots (-scan.snapshots), through the real SDK clients
// against fakeaws: DescribeSnapshots pages, then DescribeSnapshotAttribute
// for each snapshot. Every call takes -scan.regional (default 100 ms), and
// AWS's side throttles at its published quotas (fakeaws.Quotas: EC2
// non-mutating actions 20 a second, bursts of 100). It reports the wall
// time, the calls, snapshots/s, the calls AWS throttled, and the least
// time the scanner's own EC2 quota allows (n ÷ its rate, at -scan.share of
// AWS's quota, as --quota-share).
//
// Run: go test -run '^$' -bench 'Snapshots20000' -benchtime 1x ./scanner/
func BenchmarkScanSnapshots20000(b *testing.B) {
	n := *benchSnapshots
	latency := func(fakeaws.Call) time.Duration { return *benchRegional }
	var calls, throttled int
	for b.Loop() {
		b.StopTimer()
		s := fakeaws.Start(b, &fakeaws.Server{Snapshots: n, Keys: 1, Latency: latency, Allow: (&fakeaws.Quotas{}).Allow})
		mototest.UseEnv(b)
		c, err := newAWSClients(context.Background(), AWSOptions{Region: "us-east-1", EndpointURL: s.URL}, &Stats{}, newLimiter().withShare(*benchShare))
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		snap, res, err := Scan(context.Background(), c, Options{Regions: []string{"us-east-1"}}, nil)
		b.StopTimer()
		if err != nil || res.Errors != 0 {
			b.Fatalf("%v %+v", err, res)
		}
		got := snap.Accounts[s.Management].Regions["us-east-1"].EC2.Snapshots
		if len(got) != n || got[n-1].CreateVolumePermissions == nil {
			b.Fatalf("%d snapshots collected of %d", len(got), n)
		}
		calls, throttled = s.Total(), s.Throttled()
		b.StartTimer()
	}
	wall := b.Elapsed() / time.Duration(b.N)
	b.ReportMetric(float64(calls), "calls")
	b.ReportMetric(float64(n)/wall.Seconds(), "snapshots/s")
	b.ReportMetric(float64(throttled), "throttled")
	b.ReportMetric(wall.Seconds(), "wall-s")
	b.ReportMetric(float64(n)/newLimiter().withShare(*benchShare).bucket("", "", "ec2", "DescribeSnapshotAttribute").ceiling, "quota-bound-s")
}
