package fakeaws

import (
	"strings"
	"sync"

	"golang.org/x/time/rate"
)

// Quota is a request rate and the burst above it, as a token bucket.
type Quota struct {
	PerSecond float64
	Burst     int
}

// published are AWS's request quotas per account, Region and API, by
// "service:Op" (the signing name) then by service. EC2: "Request throttling
// for the Amazon EC2 API" (non-mutating actions: a bucket of 100 refilled
// at 20 a second; DescribeSnapshots and DescribeVolumes without pagination
// or filter: 50 and 10). KMS: "Request quotas" (DescribeKey 2,000 a second,
// GetKeyPolicy 1,000, ListGrants 100). STS AssumeRole 600 a second. The
// others as the scanner's own table (scanner/ratelimit.go) reads them,
// which keeps to about half.
var published = map[string]Quota{
	"ec2":              {20, 100},
	"ec2:unpaginated":  {10, 50},
	"kms:DescribeKey":  {2000, 200},
	"kms:GetKeyPolicy": {1000, 100},
	"kms:ListGrants":   {100, 20},
	"kms":              {50, 20},
	"secretsmanager":   {50, 10},
	"organizations":    {4, 8},
	"iam":              {10, 10},
	"sts:AssumeRole":   {600, 100},
	"sts":              {20, 10},
	"rds":              {12, 20},
	"s3":               {100, 40},
	"sqs":              {100, 40},
	"sns":              {30, 10},
	"dynamodb":         {20, 10},
	"lambda":           {20, 10},
	"logs":             {10, 10},
}

// Published is AWS's published quota of a call (published, above); an
// EC2 DescribeSnapshots or DescribeVolumes without MaxResults takes the
// smaller bucket of unpaginated calls.
func Published(c Call) Quota {
	if key := quotaKey(c); key != "" {
		return published[key]
	}
	return Quota{10, 5}
}

// quotaKey names the bucket of a call in published ("" when none applies).
func quotaKey(c Call) string {
	svc := strings.ToLower(c.Service)
	if svc == "ec2" && c.MaxResults == 0 && (c.Op == "DescribeSnapshots" || c.Op == "DescribeVolumes") {
		return "ec2:unpaginated"
	}
	if _, ok := published[svc+":"+c.Op]; ok {
		return svc + ":" + c.Op
	}
	if _, ok := published[svc]; ok {
		return svc
	}
	return ""
}

// Quotas is AWS's side of the request quotas: a token bucket per account,
// Region and API, each refilled at its quota. Use its Allow as a Server's
// Allow. The zero value applies the Published quotas.
type Quotas struct {
	// Quota, when set, gives a call's quota instead of Published.
	Quota func(Call) Quota

	mu      sync.Mutex
	buckets map[string]*rate.Limiter
}

// Allow takes a token from the call's bucket; false means AWS throttles it.
func (q *Quotas) Allow(c Call) bool {
	quota := q.Quota
	if quota == nil {
		quota = Published
	}
	key := c.Account + "/" + c.Region + "/" + strings.ToLower(c.Service) + ":" + c.Op
	if quotaKey(c) == "ec2:unpaginated" {
		key += ":unpaginated"
	}
	q.mu.Lock()
	b, ok := q.buckets[key]
	if !ok {
		if q.buckets == nil {
			q.buckets = map[string]*rate.Limiter{}
		}
		qu := quota(c)
		b = rate.NewLimiter(rate.Limit(qu.PerSecond), qu.Burst)
		q.buckets[key] = b
	}
	q.mu.Unlock()
	return b.Allow()
}
