package scanner

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
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
	// Regions to scan in every account. Required for now.
	Regions []string
	// Concurrency bounds the accounts scanned at once (default 16).
	Concurrency int
	// Version is written into the snapshot's tool field.
	Version string
}

// Event reports progress, for a terminal or the TUI.
type Event struct {
	Account string
	Phase   string // "organization", "iam", "kms", "done", "error"
	Region  string
	Message string
}

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
	if len(opts.Regions) == 0 {
		return nil, Result{}, errors.New("no Regions to scan: give --regions")
	}
	if opts.Concurrency <= 0 {
		opts.Concurrency = 16
	}
	emit := func(e Event) {
		if events != nil {
			select {
			case events <- e:
			case <-ctx.Done():
			}
		}
	}
	id, err := c.Caller().GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, Result{}, fmt.Errorf("who am I (sts:GetCallerIdentity): %w", err)
	}
	self := deref(id.Account)
	snap := &snapshot.Snapshot{
		Format: snapshot.Format, CollectedAt: time.Now().UTC().Format(time.RFC3339), Partition: "aws",
		Tool:     &snapshot.Tool{Name: "keyhound", Version: opts.Version},
		Scope:    &snapshot.Scope{Regions: opts.Regions, Services: []string{"iam", "kms", "s3", "sqs", "secretsmanager", "sns", "dynamodb"}},
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

	type done struct {
		id string
		a  *snapshot.Account
	}
	p := pool.NewWithResults[done]().WithMaxGoroutines(opts.Concurrency)
	for _, acct := range accounts {
		p.Go(func() done {
			emit(Event{Account: acct, Phase: "iam"})
			a := scanAccount(ctx, c, acct, opts.Regions)
			emit(Event{Account: acct, Phase: "done", Message: fmt.Sprintf("%d errors", len(a.Errors))})
			return done{acct, a}
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
func scanAccount(ctx context.Context, c Clients, acct string, regions []string) *snapshot.Account {
	rec := &recorder{}
	a := &snapshot.Account{Regions: map[string]*snapshot.Region{}}
	ac, err := c.Account(ctx, acct)
	if err != nil {
		rec.add("sts", "", "AssumeRole", "", err)
		a.Errors = rec.errs
		return a
	}
	a.IAM = collectIAM(ctx, ac.IAM(), rec)
	inScope := map[string]bool{}
	for _, region := range regions {
		inScope[region] = true
	}
	// S3 lists every bucket of the account once; each lands under its own Region.
	var buckets map[string]*snapshot.S3
	if c := ac.S3(regions[0]); c != nil {
		buckets = collectS3(ctx, c, inScope, rec)
	}
	for _, region := range regions {
		reg := &snapshot.Region{KMS: collectKMS(ctx, ac.KMS(region), region, rec), S3: buckets[region]}
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
		a.Regions[region] = reg
	}
	a.Errors = rec.errs
	return a
}

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
