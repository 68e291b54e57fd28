package scanner

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Options say what to scan.
type Options struct {
	// Org scans every active account of the caller's organization.
	Org bool
	// Accounts scans these accounts (with Org, only these of the organization).
	Accounts []string
	// Regions to scan in every account; empty: every Region enabled for
	// each account (EC2 DescribeRegions from HomeRegion).
	Regions []string
	// HomeRegion is where Region discovery and global services are asked (default us-east-1).
	HomeRegion string
	// Concurrency bounds the accounts scanned at once (default 16).
	Concurrency int
	// Version is written into the snapshot's tool field.
	Version string
}

// Event reports progress, for a terminal or the TUI; it is plain data (no
// UI imports) sent on the channel given to Scan. Phases:
//
//   - "organization": the organization is being read;
//   - "account": an account starts;
//   - "error": a call failed and was recorded on Account; Region, Message
//     (service, operation and resource) and Err (AWS's error code and
//     message) say which;
//   - "done": an account ends; Message sums it up, AccountErrors counts its
//     recorded errors;
//   - "progress": a periodic update, every ProgressEvery.
//
// Every event carries the scan's totals so far.
type Event struct {
	Account string `json:"account,omitempty"`
	Phase   string `json:"phase"`
	Region  string `json:"region,omitempty"`
	Message string `json:"message,omitempty"`
	// Err is the failure an "error" event reports ("AccessDeniedException:
	// User: … is not authorized …"); never credentials.
	Err string `json:"error,omitempty"`
	// AccountsDone of AccountsTotal (0 until the accounts are known).
	AccountsDone  int `json:"accounts_done"`
	AccountsTotal int `json:"accounts_total"`
	// Errors are the calls recorded as failed so far, in every account;
	// AccountErrors those of the account a "done" event is about.
	Errors        int `json:"errors"`
	AccountErrors int `json:"account_errors,omitempty"`
	// Counts are the API calls so far: calls, throttled attempts (retried
	// by the SDK), other failed attempts.
	Counts
	// Elapsed since the scan started.
	Elapsed time.Duration `json:"elapsed_ns"`
}

// ProgressEvery is how often Scan sends a "progress" event while it runs.
var ProgressEvery = 500 * time.Millisecond

// Result says how complete a scan is.
type Result struct {
	// Complete is false when any call failed or the scan was cancelled.
	Complete bool
	Errors   int
	Accounts int
}

// Scan collects a snapshot. It fails only when nothing can be collected (no
// credentials, an organization that cannot be read when Org is asked); every
// other failure is recorded in the snapshot and the scan goes on. A cancelled
// context stops new calls; what was collected is returned, marked incomplete
// (the interrupted calls are recorded with code "Cancelled"). Events, when
// not nil, receive progress; Scan never closes it, and a send waits for the
// reader unless ctx is done.
func Scan(ctx context.Context, c Clients, opts Options, events chan<- Event) (*snapshot.Snapshot, Result, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	if opts.HomeRegion == "" {
		opts.HomeRegion = "us-east-1"
	}
	// actx stops the accounts' scans when the organization cannot be read.
	actx, stop := context.WithCancel(ctx)
	defer stop()
	r := &run{ctx: actx, events: events, start: time.Now()}
	if s, ok := c.(statser); ok {
		r.stats = s.Stats()
	}
	if events != nil {
		stop := r.tick()
		defer stop()
	}
	id, err := c.Caller().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, Result{}, fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	self := deref(id.Account)
	snap := &snapshot.Snapshot{
		Format: snapshot.Format, CollectedAt: time.Now().UTC().Format(time.RFC3339), Partition: "aws",
		Tool:     &snapshot.Tool{Name: "keyhound", Version: opts.Version},
		Scope:    &snapshot.Scope{Regions: opts.Regions, Services: []string{"iam", "kms", "s3", "ec2", "rds", "sqs", "secretsmanager", "sns", "dynamodb", "lambda", "logs"}},
		Accounts: map[string]*snapshot.Account{},
	}
	// Accounts are scanned as soon as they are known: with Org, while the
	// organization's later pages and policies are still being read.
	type result struct {
		id string
		a  *snapshot.Account
	}
	q := newQueue()
	var org *snapshot.Organization
	orgErr := make(chan error, 1)
	switch {
	case opts.Org:
		r.emit(Event{Phase: "organization", Account: self})
		for _, a := range opts.Accounts {
			q.push(a)
		}
		found := q.push
		if len(opts.Accounts) > 0 {
			found = nil // only these of the organization
		}
		go func() {
			defer q.close()
			var err error
			org, err = collectOrganization(ctx, c.Organizations(), found)
			if err != nil {
				stop() // the accounts queued meanwhile start cancelled
			}
			orgErr <- err
		}()
	default:
		for _, a := range opts.Accounts {
			q.push(a)
		}
		if len(opts.Accounts) == 0 {
			q.push(self)
		}
		q.close()
		orgErr <- nil
	}
	p := pool.NewWithResults[result]().WithMaxGoroutines(opts.Concurrency)
	for acct, ok := q.pop(); ok; acct, ok = q.pop() {
		r.total.Add(1)
		p.Go(func() result { return result{acct, r.account(c, acct, opts)} })
	}
	if err := <-orgErr; err != nil {
		stop()
		p.Wait()
		return nil, Result{}, fmt.Errorf("read the organization from account %s: %w", self, err)
	}
	if org != nil {
		snap.Organization = org
	}
	if opts.Org && q.len() == 0 {
		// An organization without active accounts: the caller's own.
		r.total.Add(1)
		p.Go(func() result { return result{self, r.account(c, self, opts)} })
	}
	res := Result{Complete: true}
	for _, d := range p.Wait() {
		snap.Accounts[d.id] = d.a
		res.Errors += len(d.a.Errors)
		res.Accounts++
	}
	if res.Errors > 0 || ctx.Err() != nil {
		res.Complete = false
	}
	return snap, res, nil
}

// queue hands accounts from whoever finds them to the account pool, without
// ever blocking the finder; each account once.
type queue struct {
	mu     sync.Mutex
	items  []string
	seen   map[string]bool
	closed bool
	ready  chan struct{}
}

func newQueue() *queue { return &queue{seen: map[string]bool{}, ready: make(chan struct{}, 1)} }

func (q *queue) push(account string) {
	q.mu.Lock()
	if !q.seen[account] {
		q.seen[account] = true
		q.items = append(q.items, account)
	}
	q.mu.Unlock()
	q.signal()
}

func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// pop waits for the next account; ok is false once the queue is closed and empty.
func (q *queue) pop() (string, bool) {
	for {
		q.mu.Lock()
		if len(q.items) > 0 {
			a := q.items[0]
			q.items = q.items[1:]
			q.mu.Unlock()
			return a, true
		}
		if q.closed {
			q.mu.Unlock()
			return "", false
		}
		q.mu.Unlock()
		<-q.ready
	}
}

// len is how many accounts were ever pushed.
func (q *queue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.seen)
}

// run is one scan's progress: its counters and its events.
type run struct {
	ctx               context.Context
	events            chan<- Event
	start             time.Time
	stats             *Stats
	done, total, errs atomic.Int64
}

// emit sends e with the totals so far; it drops it once the scan is cancelled.
func (r *run) emit(e Event) {
	if r.events == nil {
		return
	}
	e.AccountsDone, e.AccountsTotal, e.Errors = int(r.done.Load()), int(r.total.Load()), int(r.errs.Load())
	e.Counts, e.Elapsed = r.stats.Counts(), time.Since(r.start)
	select {
	case r.events <- e:
	case <-r.ctx.Done():
	}
}

// tick sends a "progress" event every ProgressEvery until the returned
// function is called.
func (r *run) tick() (stop func()) {
	t := time.NewTicker(ProgressEvery)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.emit(Event{Phase: "progress"})
			case <-quit:
				return
			case <-r.ctx.Done():
				return
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// account scans one account, announcing it, its errors as they are
// recorded, and its end.
func (r *run) account(c Clients, acct string, opts Options) (a *snapshot.Account) {
	rec := &recorder{onAdd: func(e snapshot.CollectionError) {
		r.errs.Add(1)
		r.emit(Event{Account: acct, Phase: "error", Region: e.Region, Message: describeCall(e), Err: errText(e)})
	}}
	// A bug in one collector must not lose the other accounts: the account
	// keeps the errors recorded so far and gets one more, the scan goes on.
	defer func() {
		if p := recover(); p != nil {
			// conc's pools re-panic with the first panic wrapped, stack and all:
			// the snapshot keeps the value only.
			for {
				rp, ok := p.(*panics.Recovered)
				if !ok {
					break
				}
				p = rp.Value
			}
			rec.record(snapshot.CollectionError{Operation: "scan", Resource: acct, Code: "InternalError", Message: fmt.Sprint("keyhound: ", p)})
			a = &snapshot.Account{Errors: rec.sorted()}
		}
		r.done.Add(1)
		msg := fmt.Sprintf("%d Regions", len(a.Regions))
		if n := len(a.Errors); n > 0 {
			first := a.Errors[0]
			what := first.Code
			if what == "" {
				what = first.Message
			}
			msg = fmt.Sprintf("%d errors, first %s on %s %s; %s", n, what, first.Service, first.Operation, msg)
		}
		r.emit(Event{Account: acct, Phase: "done", AccountErrors: len(a.Errors), Message: msg})
	}()
	r.emit(Event{Account: acct, Phase: "account"})
	return scanAccount(r.ctx, c, acct, opts.Regions, opts.HomeRegion, rec)
}

// describeCall names a failed call: service, operation and resource.
func describeCall(e snapshot.CollectionError) string {
	s := strings.TrimSpace(e.Service + " " + e.Operation)
	if e.Resource != "" {
		s += " " + e.Resource
	}
	return s
}

// errText is a recorded failure as "Code: message".
func errText(e snapshot.CollectionError) string {
	switch {
	case e.Code == "":
		return e.Message
	case e.Message == "":
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// scanAccount collects one account; failures go into its errors. IAM, S3
// (every bucket of the account, once) and the Regions are read at the same
// time: an account takes as long as the slowest of them, not their sum.
func scanAccount(ctx context.Context, c Clients, acct string, regions []string, home string, rec *recorder) *snapshot.Account {
	a := &snapshot.Account{Regions: map[string]*snapshot.Region{}}
	ac, err := c.Account(ctx, acct)
	if err != nil {
		rec.add("sts", "", "AssumeRole", acct, err)
		a.Errors = rec.sorted()
		return a
	}
	var wg conc.WaitGroup
	// Also when a Region panics: nothing of this account may run on once it
	// has returned.
	defer wg.Wait()
	wg.Go(func() { a.IAM = collectIAM(ctx, ac.IAM(), rec) })
	if ec := ac.EC2(home); ec != nil {
		enabled, err := enabledRegions(ctx, ec)
		if err != nil {
			rec.add("ec2", home, "DescribeRegions", "", err)
		} else {
			a.EnabledRegions = enabled
			if len(regions) == 0 {
				regions = enabled
			} else {
				// Asked-for Regions the account has not enabled are not scanned.
				regions = slices.DeleteFunc(slices.Clone(regions), func(r string) bool {
					if slices.Contains(enabled, r) {
						return false
					}
					rec.add("ec2", r, "DescribeRegions", "", errRegionNotEnabled)
					return true
				})
			}
		}
	}
	if len(regions) == 0 {
		wg.Wait()
		a.Errors = rec.sorted()
		return a
	}
	inScope := map[string]bool{}
	for _, region := range regions {
		inScope[region] = true
	}
	// S3 lists every bucket of the account once; each lands under its own Region.
	var buckets map[string]*snapshot.S3
	if ac.S3(home) != nil {
		wg.Go(func() { buckets = collectS3(ctx, ac.S3, home, inScope, rec) })
	}
	var mu sync.Mutex
	rp := pool.New().WithMaxGoroutines(RegionWorkers)
	for _, region := range regions {
		rp.Go(func() {
			reg := scanRegion(ctx, ac, acct, region, rec)
			mu.Lock()
			a.Regions[region] = reg
			mu.Unlock()
		})
	}
	rp.Wait()
	wg.Wait()
	for region, reg := range a.Regions {
		reg.S3 = buckets[region]
	}
	a.Errors = rec.sorted()
	return a
}

// scanRegion collects one Region of an account (S3 aside: buckets are
// listed once per account); its services are read at the same time.
func scanRegion(ctx context.Context, ac AccountClients, acct, region string, rec *recorder) *snapshot.Region {
	reg := &snapshot.Region{}
	var wg conc.WaitGroup
	// Each goroutine sets its own field of reg.
	wg.Go(func() { reg.KMS = collectKMS(ctx, ac.KMS(region), region, rec) })
	if c := ac.SQS(region); c != nil {
		wg.Go(func() { reg.SQS = collectSQS(ctx, c, region, rec) })
	}
	if c := ac.SecretsManager(region); c != nil {
		wg.Go(func() { reg.SecretsManager = collectSecrets(ctx, c, region, rec) })
	}
	if c := ac.SNS(region); c != nil {
		wg.Go(func() { reg.SNS = collectSNS(ctx, c, region, rec) })
	}
	if c := ac.DynamoDB(region); c != nil {
		wg.Go(func() { reg.DynamoDB = collectDynamoDB(ctx, c, region, rec) })
	}
	if c := ac.EC2(region); c != nil {
		wg.Go(func() { reg.EC2 = collectEC2(ctx, c, acct, region, rec) })
	}
	if c := ac.RDS(region); c != nil {
		wg.Go(func() { reg.RDS = collectRDS(ctx, c, region, rec) })
	}
	if c := ac.Lambda(region); c != nil {
		wg.Go(func() { reg.Lambda = collectLambda(ctx, c, region, rec) })
	}
	if c := ac.Logs(region); c != nil {
		wg.Go(func() { reg.Logs = collectLogs(ctx, c, region, rec) })
	}
	wg.Wait()
	return reg
}

var errRegionNotEnabled = errors.New("not enabled for the account: not scanned")

// recorder collects an account's errors; safe for concurrent use. onAdd,
// when set, hears of each error as it is recorded.
type recorder struct {
	mu    sync.Mutex
	errs  []snapshot.CollectionError
	onAdd func(snapshot.CollectionError)
}

func (r *recorder) add(service, region, operation, resource string, err error) {
	e := snapshot.CollectionError{Service: service, Region: region, Operation: operation, Resource: resource, Message: err.Error()}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
	} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
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
