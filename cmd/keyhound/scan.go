package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/internal/version"
	"github.com/keyhound/keyhound/scanner"
)

// Exit codes of keyhound scan.
const (
	exitScanPartial = 4 // written, but some calls failed: see each account's errors
)

// scanFlags are the flags of keyhound scan, shared with keyhound tui --scan.
type scanFlags struct {
	ao                scanner.AWSOptions
	so                scanner.Options
	accounts, regions string
	profiles          string
	out               string
	timeout           time.Duration
	// roleNames (comma-separated) and rolesFile become ao's RoleNames and
	// RoleARNs (scanaccess.go).
	roleNames, rolesFile string
	// Never losing a scan (scanout.go).
	resume         string
	force          bool
	log            io.Writer // notes about what is resumed
	journal        *scanner.Journal
	journalExisted bool
}

func (f *scanFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.out, "output", "o", "", "snapshot file to write (gzip when it ends in .gz; mode 0600)")
	fs.BoolVar(&f.so.Org, "org", false, "scan every active account of the caller's organization (management or delegated-administrator account)")
	fs.StringVar(&f.accounts, "accounts", "", "comma-separated account IDs to scan")
	fs.StringVar(&f.regions, "regions", "", "comma-separated Regions to scan in every account (default: every Region enabled for the account)")
	fs.IntVar(&f.so.Concurrency, "concurrency", 16, "accounts scanned at once (within each, its Regions, services and resources are read concurrently; --max-requests bounds the requests)")
	fs.IntVar(&f.ao.MaxRequests, "max-requests", scanner.DefaultMaxRequests, "AWS requests in flight at once across the whole scan (every account, Region and retry)")
	fs.Float64Var(&f.ao.QuotaShare, "quota-share", scanner.DefaultQuotaShare, "share of AWS's published request quotas the scan may use, per account, Region and API (more than 0, at most 1; the rest is left to the accounts' own traffic)")
	fs.StringVar(&f.ao.Profile, "profile", "", "AWS profile")
	fs.StringVar(&f.profiles, "profiles", "", "comma-separated AWS profiles, one account each, read with their own credentials (no organization, no role assumed)")
	fs.StringVar(&f.ao.Region, "region", "", "home Region for AWS Organizations and STS")
	fs.StringVar(&f.ao.EndpointURL, "endpoint-url", "", "send every call to this endpoint (an emulator such as moto)")
	fs.StringVar(&f.roleNames, "role-name", scanner.DefaultRoleName, "audit roles to try in each account, in order, comma-separated: the first AssumeRole accepts reads it (e.g. KeyhoundAudit,OrganizationAccountAccessRole)")
	fs.StringVar(&f.rolesFile, "roles", "", "file of per-account audit role ARNs (JSON {\"ACCOUNT\": \"ROLE-ARN\"} or CSV lines ACCOUNT,ROLE-ARN); overrides --role-name and --role-arn-template for those accounts")
	fs.StringVar(&f.ao.RoleARNTemplate, "role-arn-template", "", "audit role ARN, with {account} for the account ID and {partition} for the partition (overrides --role-name)")
	fs.StringVar(&f.ao.ExternalID, "external-id", "", "external ID for the audit role")
	fs.StringVar(&f.ao.SessionName, "role-session-name", "keyhound", "session name for the audit role")
	fs.StringVar(&f.ao.SourceIdentity, "source-identity", "", "source identity set on every audit role session (the role's trust policy and the caller's policy must allow sts:SetSourceIdentity)")
	fs.DurationVar(&f.ao.CallTimeout, "call-timeout", scanner.DefaultCallTimeout, "longest wait for one attempt of an AWS call; the retryer then tries again")
	fs.DurationVar(&f.timeout, "timeout", 0, "stop after this long and write what was collected (0: no limit)")
	fs.StringVar(&f.resume, "resume", "", "finish an earlier scan (same flags): keep the accounts and Regions complete in this snapshot or journal, read the rest")
	fs.BoolVar(&f.force, "force", false, "let a partial scan replace the snapshot at -o (default: written beside it, NAME.partial.json.gz)")
}

// start begins a scan: its events arrive on the returned channel, which is
// closed when it ends; then done receives how it ended.
func (f *scanFlags) start(ctx context.Context) (<-chan scanner.Event, <-chan scanDone, context.CancelFunc, error) {
	f.so.Version = version.String()
	f.so.Regions = splitList(f.regions)
	f.so.Accounts = splitList(f.accounts)
	if f.log == nil {
		f.log = io.Discard
	}
	// Before any AWS call: where the snapshot goes, what is resumed.
	if err := f.prepare(); err != nil {
		return nil, nil, nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	if f.timeout > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, f.timeout)
		prev := cancel
		cancel = func() { c2(); prev() }
	}
	clients, err := f.clients(ctx)
	if err == nil {
		err = f.openJournal()
	}
	if err != nil {
		cancel()
		return nil, nil, nil, err
	}
	events := make(chan scanner.Event, 256)
	done := make(chan scanDone, 1)
	go func() {
		snap, res, err := scanner.Scan(ctx, clients, f.so, events)
		close(events)
		done <- f.finish(scanDone{snap: snap, res: res, err: err})
	}()
	return events, done, cancel, nil
}

func newScanCmd() *cobra.Command {
	var (
		f                           scanFlags
		quiet, jsonP, asJSON, check bool
		sample                      int
	)
	cmd := &cobra.Command{
		Use:   "scan (-o FILE | --check) [--org | --accounts ID,…] [--regions R,…]",
		Short: "Collect an organization's keys, policies and principals into a snapshot (read-only)",
		Long: `Collect, read-only, AWS Organizations (accounts, OUs, SCPs, RCPs), and in each
account IAM (GetAccountAuthorizationDetails) and, per Region, KMS (keys, key
policies, grants, aliases, rotation, tags, last use), S3 buckets (and the
account's Block Public Access), EBS volumes, snapshots and encryption defaults,
VPC endpoints and their policies, RDS instances, DB snapshots and Aurora cluster
snapshots, SQS, Secrets Manager (never values), SNS, DynamoDB, Lambda and
CloudWatch Logs into a snapshot file. Without --regions, every Region enabled
for each account is scanned.

--concurrency bounds the accounts scanned at once; --max-requests (default
256) the AWS requests in flight across the whole scan. Every API of every
account and Region has its own token bucket, at --quota-share (default 0.5) of
AWS's published quota, which halves its rate when AWS throttles and grows back
while it does not.

Credentials come from the standard AWS chain, as for the AWS CLI (environment,
shared credentials and config files, SSO, credential_process, web identity,
container and instance metadata; a profile's mfa_serial asks for the code on
the terminal). The home Region (--region, else AWS_REGION or the profile's)
sets the partition: us-gov-* scans GovCloud, cn-* China. Each account other
than the caller's is read through the first role of --role-name that
AssumeRole accepts (default KeyhoundAudit, the read-only role of
deploy/keyhound-audit-role.yaml; e.g. KeyhoundAudit,OrganizationAccountAccessRole
to fall back on the admin role), or --role-arn-template, or the account's ARN
in --roles FILE; an account where none works is recorded with each role's
error. With --profiles, each named profile is one account, read with its own
credentials (no organization, no role assumed). Failures are recorded on their
account and the scan goes on; an attempt without an answer within
--call-timeout is retried, then recorded (code Timeout); Ctrl-C or --timeout
still writes what was collected.

--check is a preflight, writing nothing: it assumes the role in each account
(all when there are at most 20, else --sample N of them, always with the
management account and the caller's) and makes one cheap read of each
service, then prints a table of OK / DENIED (with the IAM action to allow) /
ERROR per account and service (--json: the same as JSON); exit 0 when
everything works, 4 when something is missing.

Progress goes to standard error: one updating line on a terminal (accounts
done of all, calls, throttled attempts, errors, time left from the accounts'
completion rate), a line per account otherwise; --quiet silences it.
--json-progress writes every event as one JSON object per line instead, and
nothing else (the SDK's own warnings are dropped; a scan that cannot run ends
with a "failed" event): phase ("organization", "account", "error", "done",
"progress", "failed"), account,
region, message, error (the failure of an "error" event), accounts_done,
accounts_total, errors, account_errors, calls, throttles, failed_attempts,
elapsed_ns; docs/scan.md describes them. keyhound tui --scan shows it live.

When it ends, the calls that failed are listed by account, service and error
code (--json prints every one, and those counts, on stdout); what they would
have read is unknown in every answer, never "none".

Exit codes: 0 complete, 4 partial (written; some calls failed), 3 failed.`,
		Example: `  keyhound scan --org --regions us-east-1,eu-west-1 -o org.json.gz
  keyhound scan --accounts 111111111111 --regions us-east-1 --endpoint-url http://127.0.0.1:5000 -o test.json
  keyhound scan --profiles prod,staging,dev -o accounts.json.gz      # no organization
  keyhound scan --org --check                                         # can the scan get in everywhere?
  keyhound scan --org --role-name KeyhoundAudit,OrganizationAccountAccessRole -o org.json.gz`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setGCBase(longRun) // a long run that keeps what it reads: loadgc.go
			stderr := cmd.ErrOrStderr()
			p := &progress{w: stderr, live: isTerminal(stderr), json: jsonP, quiet: quiet}
			if check {
				return runScanCheck(cmd, &f, sample, asJSON)
			}
			if f.out == "" {
				return p.fail(errors.New("-o FILE is required"))
			}
			// The SDK's own warnings go to standard error with plain
			// progress; with --json-progress (JSON lines only) or --quiet,
			// nowhere.
			if !jsonP && !quiet {
				f.ao.SDKLog = sdkLog{p}
			}
			if !quiet && !jsonP {
				f.log = stderr
			}
			events, done, cancel, err := f.start(cmd.Context())
			if err != nil {
				return p.fail(err)
			}
			defer cancel()
			for e := range events {
				p.event(e)
			}
			p.end()
			d := <-done
			if d.err != nil {
				if d.journal != "" {
					d.err = fmt.Errorf("%w (the accounts finished are in %s: --resume it)", d.err, d.journal)
				}
				return p.fail(d.err)
			}
			if d.journalErr != nil {
				_, _ = fmt.Fprintf(stderr, "keyhound: warning: %v (the scan went on; a crash would have lost more)\n", d.journalErr)
			}
			errs := d.snap.CollectionErrors()
			if !quiet && !jsonP {
				reportWritten(stderr, f.out, d)
				if err := writeErrorGroups(stderr, snapshot.GroupErrors(errs)); err != nil {
					return err
				}
				if err := writeSkips(stderr, d.snap.SkippedRegions()); err != nil {
					return err
				}
			}
			if asJSON {
				if errs == nil {
					errs = []snapshot.AccountError{}
				}
				groups := snapshot.GroupErrors(errs)
				if groups == nil {
					groups = []snapshot.ErrorGroup{}
				}
				skips := d.snap.SkippedRegions()
				if skips == nil {
					skips = []snapshot.AccountSkip{}
				}
				if err := writeJSON(cmd.OutOrStdout(), scanSummary{File: f.out, Accounts: d.res.Accounts, Complete: d.res.Complete, Errors: errs, Groups: groups, RegionsSkipped: skips, Written: d.written, Kept: d.res.Kept}); err != nil {
					return err
				}
			}
			if !d.res.Complete {
				return &exitError{code: exitScanPartial}
			}
			return nil
		},
	}
	f.register(cmd.Flags())
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress on stderr")
	cmd.Flags().BoolVar(&jsonP, "json-progress", false, "progress as one JSON object per event on stderr")
	cmd.Flags().BoolVar(&asJSON, "json", false, "when done, print the result on stdout as JSON: every collection error, and their counts by account, service and code")
	cmd.Flags().BoolVar(&check, "check", false, "preflight: assume the audit role in each account (or a sample) and make one cheap read of each service; no snapshot is written")
	cmd.Flags().IntVar(&sample, "sample", 0, fmt.Sprintf("with --check, how many accounts to try (default: all when at most %d, else %d, always with the management account and the caller's)", scanner.DefaultCheckSample, scanner.DefaultCheckSample))
	return cmd
}

// scanSummary is keyhound scan --json's answer.
type scanSummary struct {
	// File is -o; Written the file actually written: File, or beside it
	// (NAME.partial.json.gz) for a partial scan that did not replace it.
	File     string `json:"file"`
	Written  string `json:"written"`
	Accounts int    `json:"accounts"`
	// Kept counts the accounts kept from --resume without a call.
	Kept     int  `json:"kept"`
	Complete bool `json:"complete"`
	// Errors are every call the scan could not complete (the
	// organization's, then each account's); Groups count them by account,
	// service and error code.
	Errors []snapshot.AccountError `json:"errors"`
	Groups []snapshot.ErrorGroup   `json:"groups"`
	// RegionsSkipped are the Regions (or calls in a Region) not read
	// because the organization's SCPs deny them: no errors (docs/scan.md).
	RegionsSkipped []snapshot.AccountSkip `json:"regions_skipped"`
}

// writeErrorGroups lists a scan's collection errors by account, service
// and code, one line each: what a partial snapshot lacks, at a glance.
func writeErrorGroups(w io.Writer, groups []snapshot.ErrorGroup) error {
	if len(groups) == 0 {
		return nil
	}
	rows := []string{"keyhound: errors by account, service and code (every one in the snapshot's errors, or with --json):"}
	for _, g := range groups {
		where := g.Account
		if g.Organization {
			where = "organization"
		}
		rows = append(rows, fmt.Sprintf("  %s\t%s\t%s\t%d\t%s", where, g.Service, cmp.Or(g.Code, "(no code)"), g.Count, strings.Join(g.Operations, ", ")))
	}
	return writeTable(w, rows)
}

// scanDone is how a scan ended.
type scanDone struct {
	snap *snapshot.Snapshot
	res  scanner.Result
	err  error
	// written is the file written ("" for none); journal the journal kept
	// when nothing was; journalErr a failure to journal an account.
	written, journal string
	journalErr       error
}

// progress renders scan events on a terminal (one line, redrawn), as plain
// lines (one per account), or as JSON (one object per event).
type progress struct {
	w                 io.Writer
	live, json, quiet bool
	shown             bool
	drawn             time.Time // when the live line was last drawn
	// mu lets the SDK's log lines (sdkLog) take turns with the progress.
	mu sync.Mutex
}

// redrawEvery bounds how often the live line is redrawn for events that
// come in bursts (accounts starting, errors).
const redrawEvery = 100 * time.Millisecond

func (p *progress) event(e scanner.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.quiet:
	case p.json:
		b, _ := json.Marshal(e)
		_, _ = fmt.Fprintf(p.w, "%s\n", b)
	case p.live:
		if (e.Phase == "error" || e.Phase == "account") && time.Since(p.drawn) < redrawEvery {
			return
		}
		p.drawn = time.Now()
		line := fmt.Sprintf("keyhound: %d/%s · %s · %d throttled · %s · %s", e.AccountsDone, plural.Count(e.AccountsTotal, "account"), plural.Count(e.Calls, "call"), e.Throttles, plural.Count(e.Errors, "error"), eta(e))
		_, _ = fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.shown = true
	case e.Phase == "done":
		_, _ = fmt.Fprintf(p.w, "keyhound: scanned %s (%d/%d): %s\n", e.Account, e.AccountsDone, e.AccountsTotal, e.Message)
	}
}

// fail ends a scan that could not run (exit 3). With --json-progress the
// failure is one more JSON line, phase "failed", so that the stream holds
// nothing but JSON; otherwise it is printed as usual.
func (p *progress) fail(err error) error {
	if !p.json || p.quiet {
		return &exitError{code: exitBadInput, err: err}
	}
	p.event(scanner.Event{Phase: "failed", Err: err.Error()})
	return &exitError{code: exitBadInput}
}

// sdkLog writes the SDK's log lines on the progress's stream, between its
// lines: on a terminal a log line first clears the redrawn progress line,
// which the next event draws again.
type sdkLog struct{ p *progress }

func (l sdkLog) Write(b []byte) (int, error) {
	l.p.mu.Lock()
	defer l.p.mu.Unlock()
	if l.p.live && l.p.shown {
		_, _ = io.WriteString(l.p.w, "\r\033[K")
	}
	return l.p.w.Write(b)
}

func (p *progress) end() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		_, _ = fmt.Fprintln(p.w)
	}
}

// eta estimates the time left from the rate accounts finish at.
func eta(e scanner.Event) string {
	switch {
	case e.AccountsDone == 0 || e.AccountsTotal == 0:
		return "elapsed " + e.Elapsed.Round(time.Second).String()
	case e.AccountsDone >= e.AccountsTotal:
		return "took " + e.Elapsed.Round(time.Second).String()
	}
	left := time.Duration(float64(e.Elapsed) / float64(e.AccountsDone) * float64(e.AccountsTotal-e.AccountsDone))
	return "about " + left.Round(time.Second).String() + " left"
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
