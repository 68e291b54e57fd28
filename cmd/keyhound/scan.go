package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/internal/version"
	"github.com/keyhound/keyhound/scanner"
)

// Exit codes of keyhound scan.
const (
	exitScanPartial = 4 // written, but some calls failed: see each account's errors
)

func newScanCmd() *cobra.Command {
	var (
		ao                scanner.AWSOptions
		so                scanner.Options
		accounts, regions string
		out               string
		quiet             bool
		timeout           time.Duration
	)
	cmd := &cobra.Command{
		Use:   "scan -o FILE [--org | --accounts ID,…] [--regions R,…]",
		Short: "Collect an organization's keys, policies and principals into a snapshot (read-only)",
		Long: `Collect, read-only, AWS Organizations (accounts, OUs, SCPs, RCPs), and in each
account IAM (GetAccountAuthorizationDetails) and, per Region, KMS (keys, key
policies, grants, aliases, rotation, tags), S3 buckets, EBS volumes and
snapshots, RDS instances and snapshots, SQS, Secrets Manager (never values),
SNS, DynamoDB, Lambda and CloudWatch Logs into a snapshot file. Without --regions, every Region enabled
for each account is scanned.

Credentials come from the standard AWS chain (environment, profiles, SSO,
instance roles). Each account other than the caller's is read through the audit
role --role-name (or --role-arn-template, {account} standing for the ID).
Failures are recorded on their account and the scan goes on; Ctrl-C or --timeout
still writes what was collected.

Exit codes: 0 complete, 4 partial (written; some calls failed), 3 failed.`,
		Example: `  keyhound scan --org --regions us-east-1,eu-west-1 -o org.json.gz
  keyhound scan --accounts 111111111111 --regions us-east-1 --endpoint-url http://127.0.0.1:5000 -o test.json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return &exitError{code: exitBadInput, err: fmt.Errorf("-o FILE is required")}
			}
			so.Regions = splitList(regions)
			so.Accounts = splitList(accounts)
			so.Version = version.String()
			so.HomeRegion = ao.Region
			ao.MaxConns = so.Concurrency * 4
			ctx := cmd.Context()
			if timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, timeout)
				defer cancel()
			}
			clients, err := scanner.NewAWSClients(ctx, ao)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			events := make(chan scanner.Event, 256)
			done := make(chan struct{})
			go func() {
				defer close(done)
				for e := range events {
					if !quiet && e.Phase == "done" {
						_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "keyhound: scanned %s (%s)\n", e.Account, e.Message)
					}
				}
			}()
			snap, res, err := scanner.Scan(ctx, clients, so, events)
			close(events)
			<-done
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if err := scanner.WriteFile(out, snap); err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if !quiet {
				_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "keyhound: wrote %s: %d accounts, %d errors\n", out, res.Accounts, res.Errors)
			}
			if !res.Complete {
				return &exitError{code: exitScanPartial}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "snapshot file to write (gzip when it ends in .gz; mode 0600)")
	f.BoolVar(&so.Org, "org", false, "scan every active account of the caller's organization (management or delegated-administrator account)")
	f.StringVar(&accounts, "accounts", "", "comma-separated account IDs to scan")
	f.StringVar(&regions, "regions", "", "comma-separated Regions to scan in every account (default: every Region enabled for the account)")
	f.IntVar(&so.Concurrency, "concurrency", 16, "accounts scanned at once")
	f.StringVar(&ao.Profile, "profile", "", "AWS profile")
	f.StringVar(&ao.Region, "region", "", "home Region for AWS Organizations and STS")
	f.StringVar(&ao.EndpointURL, "endpoint-url", "", "send every call to this endpoint (an emulator such as moto)")
	f.StringVar(&ao.RoleName, "role-name", "OrganizationAccountAccessRole", "audit role assumed in each account")
	f.StringVar(&ao.RoleARNTemplate, "role-arn-template", "", "audit role ARN, with {account} for the account ID (overrides --role-name)")
	f.StringVar(&ao.ExternalID, "external-id", "", "external ID for the audit role")
	f.StringVar(&ao.SessionName, "role-session-name", "keyhound", "session name for the audit role")
	f.DurationVar(&timeout, "timeout", 0, "stop after this long and write what was collected (0: no limit)")
	f.BoolVar(&quiet, "quiet", false, "no progress on stderr")
	return cmd
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
