package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyhound/keyhound/graph/snapshot"
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
}

func (f *scanFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&f.out, "output", "o", "", "snapshot file to write (gzip when it ends in .gz; mode 0600)")
	fs.BoolVar(&f.so.Org, "org", false, "scan every active account of the caller's organization (management or delegated-administrator account)")
	fs.StringVar(&f.accounts, "accounts", "", "comma-separated account IDs to scan")
	fs.StringVar(&f.regions, "regions", "", "comma-separated Regions to scan in every account (default: every Region enabled for the account)")
	fs.IntVar(&f.so.Concurrency, "concurrency", 16, "accounts scanned at once (within each, its Regions, services and resources are read concurrently; --max-requests bounds the requests)")
	fs.IntVar(&f.ao.MaxRequests, "max-requests", scanner.DefaultMaxRequests, "AWS requests in flight at once across the whole scan (every account, Region and retry)")
	fs.StringVar(&f.ao.Profile, "profile", "", "AWS profile")
	fs.StringVar(&f.profiles, "profiles", "", "comma-separated AWS profiles, one account each, read with their own credentials (no organization, no role assumed)")
	fs.StringVar(&f.ao.Region, "region", "", "home Region for AWS Organizations and STS")
	fs.StringVar(&f.ao.EndpointURL, "endpoint-url", "", "send every call to this endpoint (an emulator such as moto)")
	fs.StringVar(&f.ao.RoleName, "role-name", "OrganizationAccountAccessRole", "audit role assumed in each account")
	fs.StringVar(&f.ao.RoleARNTemplate, "role-arn-template", "", "audit role ARN, with {account} for the account ID (overrides --role-name)")
	fs.StringVar(&f.ao.ExternalID, "external-id", "", "external ID for the audit role")
	fs.StringVar(&f.ao.SessionName, "role-session-name", "keyhound", "session name for the audit role")
	fs.DurationVar(&f.timeout, "timeout", 0, "stop after this long and write what was collected (0: no limit)")
}

// start begins a scan: its events arrive on the returned channel, which is
// closed when it ends; then done receives how it ended.
func (f *scanFlags) start(ctx context.Context) (<-chan scanner.Event, <-chan scanDone, context.CancelFunc, error) {
	f.so.Regions = splitList(f.regions)
	f.so.Accounts = splitList(f.accounts)
	f.so.Version = version.String()
	f.so.HomeRegion = f.ao.Region
	ctx, cancel := context.WithCancel(ctx)
	if f.timeout > 0 {
		var c2 context.CancelFunc
		ctx, c2 = context.WithTimeout(ctx, f.timeout)
		prev := cancel
		cancel = func() { c2(); prev() }
	}
	var clients scanner.Clients
	var err error
	if profiles := splitList(f.profiles); len(profiles) > 0 {
		if f.so.Org || len(f.so.Accounts) > 0 || f.ao.Profile != "" {
			cancel()
			return nil, nil, nil, fmt.Errorf("--profiles names the accounts: it does not go with --org, --accounts or --profile")
		}
		clients, f.so.Accounts, err = scanner.NewProfileClients(ctx, f.ao, profiles)
	} else {
		clients, err = scanner.NewAWSClients(ctx, f.ao)
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
		if err == nil && f.out != "" {
			err = scanner.WriteFile(f.out, snap)
		}
		done <- scanDone{snap: snap, res: res, err: err}
	}()
	return events, done, cancel, nil
}

func newScanCmd() *cobra.Command {
	var (
		f                    scanFlags
		quiet, jsonP, asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "scan -o FILE [--org | --accounts ID,…] [--regions R,…]",
		Short: "Collect an organization's keys, policies and principals into a snapshot (read-only)",
		Long: `Collect, read-only, AWS Organizations (accounts, OUs, SCPs, RCPs), and in each
account IAM (GetAccountAuthorizationDetails) and, per Region, KMS (keys, key
policies, grants, aliases, rotation, tags), S3 buckets, EBS volumes, snapshots
and encryption defaults, RDS instances, DB snapshots and Aurora cluster
snapshots, SQS, Secrets Manager (never values), SNS, DynamoDB, Lambda and
CloudWatch Logs into a snapshot file. Without --regions, every Region enabled
for each account is scanned.

--concurrency bounds the accounts scanned at once; --max-requests (default
256) the AWS requests in flight across the whole scan. Every API of every
account and Region has its own token bucket, which halves its rate when AWS
throttles and grows back while it does not.

Credentials come from the standard AWS chain (environment, profiles, SSO,
instance roles). Each account other than the caller's is read through the audit
role --role-name (or --role-arn-template, {account} standing for the ID);
with --profiles, each named profile is one account, read with its own
credentials (no organization, no role assumed). Failures are recorded on their account and the scan goes on; Ctrl-C or --timeout
still writes what was collected.

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
  keyhound scan --profiles prod,staging,dev -o accounts.json.gz      # no organization`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			stderr := cmd.ErrOrStderr()
			p := &progress{w: stderr, live: isTerminal(stderr), json: jsonP, quiet: quiet}
			if f.out == "" {
				return p.fail(fmt.Errorf("-o FILE is required"))
			}
			// The SDK's own warnings go to standard error with plain
			// progress; with --json-progress (JSON lines only) or --quiet,
			// nowhere.
			if !jsonP && !quiet {
				f.ao.SDKLog = sdkLog{p}
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
				return p.fail(d.err)
			}
			errs := d.snap.CollectionErrors()
			if !quiet && !jsonP {
				_, _ = fmt.Fprintf(stderr, "keyhound: wrote %s: %d accounts, %d errors\n", f.out, d.res.Accounts, d.res.Errors)
				if err := writeErrorGroups(stderr, snapshot.GroupErrors(errs)); err != nil {
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
				if err := writeJSON(cmd.OutOrStdout(), scanSummary{File: f.out, Accounts: d.res.Accounts, Complete: d.res.Complete, Errors: errs, Groups: groups}); err != nil {
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
	return cmd
}

// scanSummary is keyhound scan --json's answer.
type scanSummary struct {
	File     string `json:"file"`
	Accounts int    `json:"accounts"`
	Complete bool   `json:"complete"`
	// Errors are every call the scan could not complete (the
	// organization's, then each account's); Groups count them by account,
	// service and error code.
	Errors []snapshot.AccountError `json:"errors"`
	Groups []snapshot.ErrorGroup   `json:"groups"`
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
		line := fmt.Sprintf("keyhound: %d/%d accounts · %d calls · %d throttled · %d errors · %s", e.AccountsDone, e.AccountsTotal, e.Calls, e.Throttles, e.Errors, eta(e))
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
