package scanner

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
)

// quota is a request rate the scanner allows itself for one API in one
// account and Region: about half of AWS's published quota, because the
// scan shares those quotas with the account's production traffic.
type quota struct {
	perSecond float64
	burst     int
}

// quotas by "service:Operation" (service as the SDK's service ID, lower
// case), then by service. Sources: KMS DG "Request quotas" (ListGrants 100
// rps per account and Region, DescribeKey 2,000, GetKeyPolicy 1,000, others
// shared); Secrets Manager quotas (GetResourcePolicy 50); Organizations
// (2–4 calls at once); STS AssumeRole 600 rps per account and Region; EC2
// non-mutating actions (a bucket of 100, refilled at 20 a second); RDS
// (about 12 a second sustained); IAM and STS shared account quotas.
var quotas = map[string]quota{
	"kms:ListGrants":                    {50, 10},
	"kms:DescribeKey":                   {1000, 100},
	"kms:GetKeyPolicy":                  {500, 50},
	"kms":                               {25, 10},
	"secrets manager:GetResourcePolicy": {25, 5},
	"secrets manager":                   {25, 5},
	"organizations":                     {2, 4},
	"iam":                               {5, 5},
	"sts:AssumeRole":                    {300, 50},
	"sts":                               {10, 5},
	"ec2":                               {10, 50},
	"rds":                               {6, 10},
	"s3":                                {50, 20},
	"sqs":                               {50, 20},
	"sns":                               {15, 5},
	"dynamodb":                          {10, 5},
	"lambda":                            {10, 5},
	"cloudwatch logs":                   {5, 5},
}

var defaultQuota = quota{10, 5}

// quotaFor returns the quota of an API.
func quotaFor(service, operation string) quota {
	service = strings.ToLower(service)
	if q, ok := quotas[service+":"+operation]; ok {
		return q
	}
	if q, ok := quotas[service]; ok {
		return q
	}
	return defaultQuota
}

// limiter holds one adaptive token bucket per (account, Region, API),
// counts the attempts that went through them, and bounds the requests in
// flight across every client that shares it.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*adaptive
	calls   int
	// inFlight holds a token per request in flight; nil: no bound.
	inFlight chan struct{}
	// scale multiplies the quotas (0 or 1: as listed, DefaultQuotaShare of
	// AWS's): --quota-share, and tests that raise them.
	scale float64
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*adaptive{}} }

// DefaultMaxRequests bounds the requests in flight across a scan unless
// AWSOptions.MaxRequests says otherwise.
const DefaultMaxRequests = 256

// withMaxRequests bounds the requests in flight at once to n (default
// DefaultMaxRequests).
func (l *limiter) withMaxRequests(n int) *limiter {
	if n <= 0 {
		n = DefaultMaxRequests
	}
	l.inFlight = make(chan struct{}, n)
	return l
}

// DefaultQuotaShare is the share of AWS's quotas the quota table holds.
const DefaultQuotaShare = 0.5

// withShare sets the share of AWS's quotas the buckets allow (0: the
// default, DefaultQuotaShare).
func (l *limiter) withShare(share float64) *limiter {
	if share > 0 {
		l.scale = share / DefaultQuotaShare
	}
	return l
}

// checkShare refuses a share of AWS's quotas above 1 or below 0 (0: the
// default).
func checkShare(share float64) error {
	if share < 0 || share > 1 || math.IsNaN(share) {
		return fmt.Errorf("quota share %v: want more than 0 and at most 1 (a share of AWS's published quotas)", share)
	}
	return nil
}

func (l *limiter) bucket(account, region, service, operation string) *adaptive {
	key := account + "/" + region + "/" + strings.ToLower(service) + ":" + operation
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	b, ok := l.buckets[key]
	if !ok {
		q := quotaFor(service, operation)
		if l.scale > 0 && l.scale != 1 {
			q.perSecond, q.burst = q.perSecond*l.scale, max(1, int(float64(q.burst)*l.scale))
		}
		b = newAdaptive(q, time.Now())
		l.buckets[key] = b
	}
	return b
}

// Calls returns how many attempts went through the limiter.
func (l *limiter) Calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// middleware makes every attempt of an account's clients wait for its
// bucket, and tells the bucket how AWS answered. It sits right after the
// SDK's retry loop (Finalize, after "Retry", before the credentials and
// the signature), so that each attempt — retries included — waits for a
// token and every throttled answer slows the bucket down; the retryer's
// backoff still applies between attempts. A second step, last in
// Finalize (after signing, before the request is sent), holds one of the
// limiter's in-flight tokens while the request is out: credentials are
// fetched before it, so an AssumeRole refreshing them never waits behind
// the calls that need them.
func (l *limiter) middleware(account string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		pace := middleware.FinalizeMiddlewareFunc("KeyhoundRateLimit",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				b := l.bucket(account, awsmiddleware.GetRegion(ctx), awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
				sent, err := b.wait(ctx)
				if err != nil {
					return middleware.FinalizeOutput{}, middleware.Metadata{}, &aws.RequestCanceledError{Err: fmt.Errorf("rate limit: %w", err)}
				}
				out, md, err := next.HandleFinalize(ctx, in)
				switch {
				case err == nil:
					b.succeeded(time.Now())
				case throttle.IsErrorThrottle(err) == aws.TrueTernary:
					b.throttled(sent, time.Now())
				}
				return out, md, err
			})
		var err error
		if _, ok := st.Finalize.Get("Retry"); ok {
			err = st.Finalize.Insert(pace, "Retry", middleware.After)
		} else {
			err = st.Finalize.Add(pace, middleware.Before)
		}
		if err != nil || l.inFlight == nil {
			return err
		}
		return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("KeyhoundInFlight",
			func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
				select {
				case l.inFlight <- struct{}{}:
				case <-ctx.Done():
					return middleware.FinalizeOutput{}, middleware.Metadata{}, &aws.RequestCanceledError{Err: fmt.Errorf("requests in flight: %w", ctx.Err())}
				}
				defer func() { <-l.inFlight }()
				return next.HandleFinalize(ctx, in)
			}), middleware.After)
	}
}
