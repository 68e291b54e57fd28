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

// Event reports progress, for a terminal or the TUI. Phases: "organization"
// (reading it), "account" (an account starts), "done" (an account ends),
// "progress" (a periodic update). Every event carries the scan's totals so
// far.
type Event struct {
	Account string `json:"account,omitempty"`
	Phase   string `json:"phase"`
	Region  string `json:"region,omitempty"`
	Message string `json:"message,omitempty"`
	// AccountsDone of AccountsTotal (0 until the accounts are known).
	AccountsDone  int `json:"accounts_done"`
	AccountsTotal int `json:"accounts_total"`
	// Errors are the calls recorded as failed so far, in every account;
	// AccountErrors those of the account a "done" event is about.
	Errors        int `json:"errors"`
	AccountErrors int `json:"account_errors,omitempty"`
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
// context stops new calls; what was collected is returned, marked incomplete.
func Scan(ctx context.Context, c Clients, opts Options, events chan<- Event) (*snapshot.Snapshot, Result, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	start := time.Now()
	var stats *Stats
	if s, ok := c.(statser); ok {
		stats = s.Stats()
	}
	var done, total, errs atomic.Int64
	emit := func(e Event) {
		if events == nil {
			return
		}
		e.AccountsDone, e.AccountsTotal, e.Errors = int(done.Load()), int(total.Load()), int(errs.Load())
		e.Counts, e.Elapsed = stats.Counts(), time.Since(start)
		select {
		case events <- e:
		case <-ctx.Done():
		}
	}
	if events != nil {
		tick := time.NewTicker(ProgressEvery)
		stop := make(chan struct{})
		var ticking sync.WaitGroup
		ticking.Add(1)
		go func() {
			defer ticking.Done()
			defer tick.Stop()
			for {
				select {
				case <-tick.C:
					emit(Event{Phase: "progress"})
				case <-stop:
					return
				case <-ctx.Done():
					return
				}
			}
		}()
		defer func() { close(stop); ticking.Wait() }()
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
	accounts := slices.Clone(opts.Accounts)
	if opts.Org {
		emit(Event{Phase: "organization", Account: self})
		org, members, err := collectOrganization(ctx, c.Organizations())
		if err != nil {
			return nil, Result{}, fmt.Errorf("read the organization: %w", err)
		}
		snap.Organization = org
		if len(accounts) == 0 {
			accounts = members
		}
	}
	if len(accounts) == 0 {
		accounts = []string{self}
	}
	slices.Sort(accounts)
	accounts = slices.Compact(accounts)
	total.Store(int64(len(accounts)))

	type result struct {
		id string
		a  *snapshot.Account
	}
	p := pool.NewWithResults[result]().WithMaxGoroutines(opts.Concurrency)
	for _, acct := range accounts {
		p.Go(func() (d result) {
			// A bug in one collector must not lose the other accounts: the
			// account gets an error, the scan goes on.
			defer func() {
				if r := recover(); r != nil {
					d = result{acct, &snapshot.Account{Errors: []snapshot.CollectionError{{Operation: "scan", Code: "InternalError", Message: fmt.Sprint("keyhound: ", r)}}}}
				}
				done.Add(1)
				errs.Add(int64(len(d.a.Errors)))
				msg := fmt.Sprintf("%d Regions", len(d.a.Regions))
				if n := len(d.a.Errors); n > 0 {
					first := d.a.Errors[0]
					what := first.Code
					if what == "" {
						what = first.Message
					}
					msg = fmt.Sprintf("%d errors, first %s on %s %s; %s", n, what, first.Service, first.Operation, msg)
				}
				emit(Event{Account: acct, Phase: "done", AccountErrors: len(d.a.Errors), Message: msg})
			}()
			emit(Event{Account: acct, Phase: "account"})
			return result{acct, scanAccount(ctx, c, acct, opts.Regions, opts.HomeRegion)}
		})
	}
	res := Result{Complete: true, Accounts: len(accounts)}
	for _, d := range p.Wait() {
		snap.Accounts[d.id] = d.a
		res.Errors += len(d.a.Errors)
	}
	if res.Errors > 0 || ctx.Err() != nil {
		res.Complete = false
	}
	return snap, res, nil
}

// scanAccount collects one account; failures go into its errors.
func scanAccount(ctx context.Context, c Clients, acct string, regions []string, home string) *snapshot.Account {
	rec := &recorder{}
	a := &snapshot.Account{Regions: map[string]*snapshot.Region{}}
	ac, err := c.Account(ctx, acct)
	if err != nil {
		rec.add("sts", "", "AssumeRole", "", err)
		a.Errors = rec.errs
		return a
	}
	a.IAM = collectIAM(ctx, ac.IAM(), rec)
	if home == "" {
		home = "us-east-1"
	}
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
		a.Errors = rec.errs
		return a
	}
	inScope := map[string]bool{}
	for _, region := range regions {
		inScope[region] = true
	}
	// S3 lists every bucket of the account once; each lands under its own Region.
	var buckets map[string]*snapshot.S3
	if c := ac.S3(regions[0]); c != nil {
		buckets = collectS3(ctx, c, inScope, rec)
	}
	var mu sync.Mutex
	rp := pool.New().WithMaxGoroutines(RegionWorkers)
	for _, region := range regions {
		rp.Go(func() {
			reg := scanRegion(ctx, ac, acct, region, buckets[region], rec)
			mu.Lock()
			a.Regions[region] = reg
			mu.Unlock()
		})
	}
	rp.Wait()
	// Regions and keys are read concurrently: sort the errors, so that the
	// snapshot does not depend on timing.
	slices.SortStableFunc(rec.errs, func(x, y snapshot.CollectionError) int {
		return cmp.Or(strings.Compare(x.Region, y.Region), strings.Compare(x.Service, y.Service),
			strings.Compare(x.Operation, y.Operation), strings.Compare(x.Resource, y.Resource))
	})
	a.Errors = rec.errs
	return a
}

// scanRegion collects one Region of an account.
func scanRegion(ctx context.Context, ac AccountClients, acct, region string, buckets *snapshot.S3, rec *recorder) *snapshot.Region {
	reg := &snapshot.Region{KMS: collectKMS(ctx, ac.KMS(region), region, rec), S3: buckets}
	if c := ac.SQS(region); c != nil {
		reg.SQS = collectSQS(ctx, c, region, rec)
	}
	if c := ac.SecretsManager(region); c != nil {
		reg.SecretsManager = collectSecrets(ctx, c, region, rec)
	}
	if c := ac.SNS(region); c != nil {
		reg.SNS = collectSNS(ctx, c, region, rec)
	}
	if c := ac.DynamoDB(region); c != nil {
		reg.DynamoDB = collectDynamoDB(ctx, c, region, rec)
	}
	if c := ac.EC2(region); c != nil {
		reg.EC2 = collectEC2(ctx, c, acct, region, rec)
	}
	if c := ac.RDS(region); c != nil {
		reg.RDS = collectRDS(ctx, c, region, rec)
	}
	if c := ac.Lambda(region); c != nil {
		reg.Lambda = collectLambda(ctx, c, region, rec)
	}
	if c := ac.Logs(region); c != nil {
		reg.Logs = collectLogs(ctx, c, region, rec)
	}
	return reg
}

var errRegionNotEnabled = errors.New("not enabled for the account: not scanned")

// recorder collects an account's errors; safe for concurrent use.
type recorder struct {
	mu   sync.Mutex
	errs []snapshot.CollectionError
}

func (r *recorder) add(service, region, operation, resource string, err error) {
	e := snapshot.CollectionError{Service: service, Region: region, Operation: operation, Resource: resource, Message: err.Error()}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		e.Code, e.Message = ae.ErrorCode(), ae.ErrorMessage()
	} else if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		e.Code = "Cancelled"
	}
	r.mu.Lock()
	r.errs = append(r.errs, e)
	r.mu.Unlock()
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
