package scanner

import (
	"context"
	"fmt"
	"strings"
	"sync"

	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"
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

// limiter holds one token bucket per (account, Region, API) and counts calls.
type limiter struct {
	mu      sync.Mutex
	buckets map[string]*rate.Limiter
	calls   int
	// scale multiplies the quotas (0 or 1: as listed); tests simulate AWS's
	// side with 2.
	scale float64
}

func newLimiter() *limiter { return &limiter{buckets: map[string]*rate.Limiter{}} }

func (l *limiter) bucket(account, region, service, operation string) *rate.Limiter {
	key := account + "/" + region + "/" + strings.ToLower(service) + ":" + operation
	l.mu.Lock()
	defer l.mu.Unlock()
	l.calls++
	b, ok := l.buckets[key]
	if !ok {
		q := quotaFor(service, operation)
		if l.scale > 1 {
			q.perSecond, q.burst = q.perSecond*l.scale, int(float64(q.burst)*l.scale)
		}
		b = rate.NewLimiter(rate.Limit(q.perSecond), q.burst)
		l.buckets[key] = b
	}
	return b
}

// Calls returns how many calls went through the limiter.
func (l *limiter) Calls() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.calls
}

// middleware makes every call of an account's clients wait for its bucket.
func (l *limiter) middleware(account string) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("KeyhoundRateLimit",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				b := l.bucket(account, awsmiddleware.GetRegion(ctx), awsmiddleware.GetServiceID(ctx), awsmiddleware.GetOperationName(ctx))
				if err := b.Wait(ctx); err != nil {
					return middleware.InitializeOutput{}, middleware.Metadata{}, fmt.Errorf("rate limit: %w", err)
				}
				return next.HandleInitialize(ctx, in)
			}), middleware.Before)
	}
}
