package scanner

import (
	"math"
	"strings"
	"testing"
	"time"
)

// The scanner keeps about half of AWS's published quotas (KMS DG, request quotas).
func TestQuotas(t *testing.T) {
	cases := []struct {
		service, op string
		want        float64
	}{
		{"KMS", "ListGrants", 50},
		{"KMS", "DescribeKey", 1000},
		{"KMS", "GetKeyPolicy", 500},
		{"KMS", "ListAliases", 25},
		{"Secrets Manager", "GetResourcePolicy", 25},
		{"Organizations", "ListAccountsForParent", 2},
		{"Lambda", "ListFunctions", defaultQuota.perSecond},
		{"STS", "AssumeRole", 300},
		{"EC2", "DescribeSnapshots", 10},
		{"RDS", "DescribeDBClusterSnapshots", 6},
	}
	for _, tc := range cases {
		if got := quotaFor(tc.service, tc.op).perSecond; got != tc.want {
			t.Errorf("%s %s: %v rps, want %v", tc.service, tc.op, got, tc.want)
		}
	}
}

// Buckets are per account, Region and API: one account's throttling never
// slows another's.
func TestLimiterBucketsAreSeparate(t *testing.T) {
	l := newLimiter()
	a := l.bucket("111111111111", "us-east-1", "KMS", "ListGrants")
	if l.bucket("111111111111", "us-east-1", "KMS", "ListGrants") != a {
		t.Error("the same API shares one bucket")
	}
	for _, other := range [][4]string{
		{"222222222222", "us-east-1", "KMS", "ListGrants"},
		{"111111111111", "eu-west-1", "KMS", "ListGrants"},
		{"111111111111", "us-east-1", "KMS", "DescribeKey"},
	} {
		if l.bucket(other[0], other[1], other[2], other[3]) == a {
			t.Errorf("%v shares a bucket with 111111111111/us-east-1/ListGrants", other)
		}
	}
	if l.Calls() != 5 {
		t.Errorf("calls = %d", l.Calls())
	}
}

// A throttled attempt halves the bucket's rate and its burst; throttles of
// attempts sent before that cut (the same congestion) do not cut again;
// the rate never falls below the floor.
func TestAIMDHalvesOnThrottleDownToFloor(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a := newAdaptive(quota{40, 20}, t0)
	sent := t0.Add(time.Millisecond)
	a.throttled(sent, t0.Add(10*time.Millisecond))
	if r, _, cuts := a.state(); r != 20 || cuts != 1 || a.lim.Limit() != 20 || a.lim.Burst() != 10 {
		t.Fatalf("after one throttle: rate %v (limiter %v, burst %d), cuts %d; want 20, burst 10, 1 cut", r, a.lim.Limit(), a.lim.Burst(), cuts)
	}
	// Seven more attempts of the same wave, sent before the cut, answered after it.
	for i := range 7 {
		a.throttled(sent, t0.Add(time.Duration(20+i)*time.Millisecond))
	}
	if r, _, cuts := a.state(); r != 20 || cuts != 1 {
		t.Fatalf("attempts sent before the cut cut again: rate %v, %d cuts", r, cuts)
	}
	// Attempts sent after each cut, each throttled: down to the floor, never below.
	now := t0.Add(time.Second)
	for range 20 {
		now = now.Add(10 * time.Millisecond)
		a.throttled(now, now.Add(time.Millisecond))
	}
	if r, low, _ := a.state(); r != floorPerSecond || low != floorPerSecond || a.lim.Burst() != minBurst {
		t.Errorf("rate %v lowest %v burst %d; want the floor %v with a burst of %d", r, low, a.lim.Burst(), floorPerSecond, minBurst)
	}
}

// Once throttling stops, answered attempts raise the rate by a thirtieth
// of the ceiling a second, up to the ceiling and never beyond.
func TestAIMDGrowsBackAfterThrottlingStops(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a := newAdaptive(quota{30, 10}, t0)
	a.throttled(t0, t0)                                   // 15
	a.throttled(t0.Add(time.Second), t0.Add(time.Second)) // 7.5, at t0+1s
	prev := 7.5
	for s := 2; s <= 40; s++ {
		a.succeeded(t0.Add(time.Duration(s) * time.Second))
		r, low, _ := a.state()
		want := min(30, 7.5+float64(s-1)) // +1/s: a thirtieth of 30
		if math.Abs(r-want) > 1e-9 || low != 7.5 || r < prev {
			t.Fatalf("%d s: rate %v (lowest %v), want %v", s, r, low, want)
		}
		prev = r
	}
	if a.lim.Limit() != 30 || a.lim.Burst() != 10 {
		t.Errorf("limiter %v burst %d, want the ceiling 30 and its burst 10", a.lim.Limit(), a.lim.Burst())
	}
}

// The limiter grants tokens at the adapted rate: over 10 s of a fake
// clock, a bucket cut from 100/s to 25/s grants about 25 a second.
func TestAIMDLimiterFollowsTheRate(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a := newAdaptive(quota{100, 10}, t0)
	a.throttled(t0, t0)
	a.throttled(t0.Add(time.Millisecond), t0.Add(time.Millisecond))
	start := t0.Add(time.Second)
	if !a.lim.AllowN(start, a.lim.Burst()) { // drain the burst
		t.Fatal("the burst was not full")
	}
	granted := 0
	for ms := 1; ms <= 10_000; ms++ {
		if a.lim.AllowN(start.Add(time.Duration(ms)*time.Millisecond), 1) {
			granted++
		}
	}
	if granted < 245 || granted > 255 {
		t.Errorf("%d tokens in 10 s at 25/s", granted)
	}
}

// --quota-share sets the buckets' ceiling as a share of AWS's published
// quotas: the table holds DefaultQuotaShare of them, so a share of 1 doubles
// it and 0.25 halves it; outside (0, 1] is refused.
func TestQuotaShare(t *testing.T) {
	base := quotaFor("ec2", "DescribeSnapshotAttribute")
	for _, tc := range []struct {
		share float64
		want  float64
	}{{0, base.perSecond}, {DefaultQuotaShare, base.perSecond}, {1, 2 * base.perSecond}, {0.25, base.perSecond / 2}} {
		b := newLimiter().withShare(tc.share).bucket("111111111111", "us-east-1", "EC2", "DescribeSnapshotAttribute")
		if b.ceiling != tc.want {
			t.Errorf("share %v: ceiling %v, want %v", tc.share, b.ceiling, tc.want)
		}
	}
	for _, bad := range []float64{-0.1, 1.5} {
		if err := checkShare(bad); err == nil {
			t.Errorf("share %v accepted", bad)
		}
	}
	if _, err := newAWSClients(t.Context(), AWSOptions{Region: "us-east-1", QuotaShare: 2}, &Stats{}, newLimiter()); err == nil || !strings.Contains(err.Error(), "quota share") {
		t.Errorf("a share of 2: %v", err)
	}
}
