package scanner

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/sourcegraph/conc"
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
	// Partition written into the snapshot (default: HomeRegion's, PartitionOf).
	Partition string
	// Concurrency bounds the accounts scanned at once (default 16).
	Concurrency int
	// Version is written into the snapshot's tool field.
	Version string
	// Resume, when set, is an earlier snapshot of the same scan (same
	// Regions): its complete accounts are kept as they are, with no call
	// made; of the others, only what failed is read again (resume.go).
	Resume *snapshot.Snapshot
	// OnAccount, when set, is called with each account this scan reads as
	// it completes (not those kept from Resume), one call at a time; a slow
	// OnAccount holds up the account pool.
	OnAccount func(id string, a *snapshot.Account)
}

// Result says how complete a scan is.
type Result struct {
	// Complete is false when any call failed or the scan was cancelled.
	// Regions skipped because SCPs deny them are no failure.
	Complete bool
	Errors   int
	Accounts int
	// Skipped counts the Regions, or calls in a Region, not read because
	// the organization's SCPs deny the scanner there (regions_skipped).
	Skipped int
	// Kept counts the accounts kept from Options.Resume without a call.
	Kept int
}

// scannedServices are the services a scan reads (the snapshot's scope).
var scannedServices = []string{"iam", "kms", "s3", "ec2", "rds", "sqs", "secretsmanager", "sns", "dynamodb", "lambda", "logs"}

// Scan collects a snapshot. It fails only when nothing can be collected (no
// credentials, or with Org an organization that cannot even be described);
// every other failure is recorded in the snapshot and the scan goes on: an
// organization's listing that fails midway keeps what it read, and the
// accounts found so far are scanned. With Org, an account's Regions are
// scanned once the organization's SCPs are read, and those the SCPs deny
// the audit role are skipped (regions_skipped), not failed. A cancelled
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
	rs, err := newResumer(opts)
	if err != nil {
		return nil, Result{}, err
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
		Format: snapshot.Format, CollectedAt: time.Now().UTC().Format(time.RFC3339), Partition: cmp.Or(opts.Partition, PartitionOf(opts.HomeRegion)),
		Tool:     &snapshot.Tool{Name: "keyhound", Version: opts.Version},
		Scope:    &snapshot.Scope{Regions: opts.Regions, Services: slices.Clone(scannedServices)},
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
	orgRec := r.newRecorder(self) // the organization's failed calls
	orgErr := make(chan error, 1)
	switch {
	case opts.Org:
		r.emit(Event{Phase: "organization", Account: self})
		for _, a := range opts.Accounts {
			q.push(a)
		}
		r.gate = newSCPGate()
		found := func(a snapshot.OrgAccount, path []string) {
			r.gate.setPath(a.ID, path)
			if active(a) && len(opts.Accounts) == 0 { // else only those asked for
				q.push(a.ID)
			}
		}
		go func() {
			defer q.close()
			defer r.gate.finish()
			var err error
			org, err = collectOrganization(ctx, c.Organizations(), orgRec, found, r.gate.setPolicies)
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
		p.Go(func() result { return result{acct, rs.account(r, c, acct, opts)} })
	}
	if err := <-orgErr; err != nil {
		stop()
		p.Wait()
		return nil, Result{}, fmt.Errorf("read the organization from account %s: %w", self, err)
	}
	if opts.Org && q.len() == 0 {
		// An organization without active accounts: the caller's own.
		r.total.Add(1)
		p.Go(func() result { return result{self, rs.account(r, c, self, opts)} })
	}
	res := Result{Complete: true}
	for _, d := range p.Wait() {
		snap.Accounts[d.id] = d.a
		res.Errors += len(d.a.Errors)
		res.Skipped += len(d.a.RegionsSkipped)
		res.Accounts++
	}
	res.Kept = rs.kept() // once every account is done
	if org != nil {
		org.Errors = orgRec.sorted()
		res.Errors += len(org.Errors)
		snap.Organization = org
		if len(opts.Accounts) == 0 {
			res.Errors += r.notScanned(org, snap)
		}
	}
	if res.Errors > 0 || ctx.Err() != nil {
		res.Complete = false
	}
	return snap, res, nil
}

// scanAccount collects one account; failures go into its errors. IAM, S3
// (every bucket of the account, once) and the Regions are read at the same
// time: an account takes as long as the slowest of them, not their sum.
func scanAccount(ctx context.Context, c Clients, acct string, regions []string, home string, rec *recorder, gate *scpGate) *snapshot.Account {
	a := &snapshot.Account{Regions: map[string]*snapshot.Region{}}
	ac, err := c.Account(ctx, acct)
	if err != nil {
		recordAssume(rec, acct, err)
		a.Errors = rec.sorted()
		return a
	}
	if p, ok := ac.(interface{ Principal() string }); ok {
		a.ScannedAs = p.Principal()
	}
	var wg conc.WaitGroup
	// Also when a Region panics: nothing of this account may run on once it
	// has returned.
	defer wg.Wait()
	if ic := ac.IAM(); ic != nil {
		wg.Go(func() { a.IAM = collectIAM(ctx, ic, rec) })
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
	// Regions the SCPs deny the audit role are not called (regiongate.go).
	for _, k := range gate.denied(ctx, acct, auditPrincipal(ac), partitionOf(home), regions) {
		rec.skip(k)
		regions = slices.DeleteFunc(slices.Clone(regions), func(r string) bool { return r == k.Region })
	}
	defer func() { a.RegionsSkipped = rec.skipped() }()
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
	if c := ac.S3Control(home); c != nil {
		wg.Go(func() { a.S3Control = collectS3Control(ctx, c, acct, home, rec) })
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
		wg.Go(func() { reg.DynamoDB = collectDynamoDB(ctx, c, acct, region, rec) })
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
