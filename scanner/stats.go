package scanner

import (
	"context"
	"sync/atomic"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go/middleware"
)

// Stats counts a scan's API calls: calls made (one per operation, retries
// aside), attempts throttled by AWS (each retried by the standard retryer),
// and attempts that failed otherwise.
type Stats struct {
	calls, throttles, failures atomic.Int64
}

// Counts is a snapshot of Stats.
type Counts struct {
	Calls     int64 `json:"calls"`
	Throttles int64 `json:"throttles"`
	Failures  int64 `json:"failed_attempts"`
}

// Counts returns the counts so far; a nil Stats counts nothing.
func (s *Stats) Counts() Counts {
	if s == nil {
		return Counts{}
	}
	return Counts{Calls: s.calls.Load(), Throttles: s.throttles.Load(), Failures: s.failures.Load()}
}

// throttle is the SDK's own test for throttling errors (ThrottlingException,
// TooManyRequestsException, RequestLimitExceeded, SlowDown, …).
var throttle = retry.IsErrorThrottles(retry.DefaultThrottles)

// middleware counts calls (Initialize: once per operation) and, per attempt
// (Finalize, inside the retry loop), throttles and other failures.
func (s *Stats) middleware(st *middleware.Stack) error {
	if err := st.Initialize.Add(middleware.InitializeMiddlewareFunc("KeyhoundCountCalls",
		func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
			s.calls.Add(1)
			return next.HandleInitialize(ctx, in)
		}), middleware.Before); err != nil {
		return err
	}
	return st.Finalize.Add(middleware.FinalizeMiddlewareFunc("KeyhoundCountAttempts",
		func(ctx context.Context, in middleware.FinalizeInput, next middleware.FinalizeHandler) (middleware.FinalizeOutput, middleware.Metadata, error) {
			out, md, err := next.HandleFinalize(ctx, in)
			if err != nil {
				if throttle.IsErrorThrottle(err) == aws.TrueTernary {
					s.throttles.Add(1)
				} else {
					s.failures.Add(1)
				}
			}
			return out, md, err
		}), middleware.After)
}

// statser is what Scan asks of clients that count their calls.
type statser interface{ Stats() *Stats }
