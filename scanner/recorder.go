package scanner

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/keyhound/keyhound/graph/snapshot"
)

var errRegionNotEnabled = errors.New("not enabled for the account: not scanned")

// recorder collects an account's errors; safe for concurrent use. onAdd,
// when set, hears of each error as it is recorded.
type recorder struct {
	mu    sync.Mutex
	errs  []snapshot.CollectionError
	skips []snapshot.RegionSkip
	onAdd func(snapshot.CollectionError)
}

func (r *recorder) add(service, region, operation, resource string, err error) {
	// A regional call about the Region as a whole (a listing) that an SCP
	// refuses is the organization's rule, not a failure: a skip. Calls
	// about one item stay errors (a bucket whose policy could not be read
	// would otherwise read as having none).
	if region != "" && resource == "" && operation != "DescribeRegions" {
		if msg := scpDenial(err); msg != "" {
			r.skip(snapshot.RegionSkip{Region: region, Reason: snapshot.SkipReasonSCP, Service: service, Operation: operation, Message: msg})
			return
		}
	}
	e := snapshot.CollectionError{Service: service, Region: region, Operation: operation, Resource: resource, Message: err.Error()}
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
	case callTimedOut(err):
		e.Code, e.Message = CodeCallTimeout, callTimeoutMessage(err)
	case errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded):
		e.Code = "Cancelled"
	}
	r.record(e)
}

func (r *recorder) record(e snapshot.CollectionError) {
	r.mu.Lock()
	r.errs = append(r.errs, e)
	r.mu.Unlock()
	if r.onAdd != nil {
		r.onAdd(e)
	}
}

// skip records a Region, or a call in it, not read.
func (r *recorder) skip(k snapshot.RegionSkip) {
	r.mu.Lock()
	r.skips = append(r.skips, k)
	r.mu.Unlock()
}

// skipped returns the skips in a stable order, nil when none.
func (r *recorder) skipped() []snapshot.RegionSkip {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.skips)
	slices.SortStableFunc(out, func(x, y snapshot.RegionSkip) int {
		return cmp.Or(strings.Compare(x.Region, y.Region), strings.Compare(x.Service, y.Service), strings.Compare(x.Operation, y.Operation))
	})
	return out
}

// sorted returns the errors in a stable order: Regions, services and keys
// are read concurrently, and a snapshot must not depend on timing.
func (r *recorder) sorted() []snapshot.CollectionError {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := slices.Clone(r.errs)
	slices.SortStableFunc(out, func(x, y snapshot.CollectionError) int {
		return cmp.Or(strings.Compare(x.Region, y.Region), strings.Compare(x.Service, y.Service),
			strings.Compare(x.Operation, y.Operation), strings.Compare(x.Resource, y.Resource),
			strings.Compare(x.Code, y.Code), strings.Compare(x.Message, y.Message))
	})
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CodeCallTimeout is the error code of a call that had no answer within
// AWSOptions.CallTimeout on any of its attempts.
const CodeCallTimeout = "Timeout"

// callTimedOut reports whether err is the HTTP client's timeout of an
// attempt (http.Client.Timeout, set by AWSOptions.CallTimeout), not a
// cancelled scan: the SDK reports a cancelled context as a
// smithy.CanceledError, and a failure to send (or to hear back) as a
// RequestSendError around the transport's error.
func callTimedOut(err error) bool {
	var ce *smithy.CanceledError
	var se *smithyhttp.RequestSendError
	var te interface{ Timeout() bool }
	return !errors.As(err, &ce) && errors.As(err, &se) && errors.As(se.Err, &te) && te.Timeout()
}

func callTimeoutMessage(err error) string {
	return "no answer within the per-call timeout (--call-timeout) on any attempt: " + err.Error()
}
