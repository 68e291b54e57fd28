package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/usage"
)

func newUsageCmd() *cobra.Command {
	var (
		snapPath, trailPath, since, until, unusedFor string
		asJSON, awsManaged                           bool
		limit                                        int
		aws                                          trailAWS
	)
	cmd := &cobra.Command{
		Use:   "usage --snapshot FILE --cloudtrail PATH",
		Short: "Who did use each key, next to who can: unused access, unexplained uses, denials",
		Long: `Read CloudTrail events and join them to the snapshot's access graph: who called
which KMS operation on which key, how often and through which service; the access
the graph gives (ALLOW or CONDITIONAL for kms:Decrypt, kms:GenerateDataKey,
kms:Encrypt) that nobody used in the window, by key and account, with the
statements and grants that give it — a least-privilege cut list; the grants and
keys nobody used; and the uses the snapshot cannot explain (a stale snapshot, an
unmodelled path, or a finding).

PATH is a file or a directory: trail log files ({"Records": […]}, gzip-compressed
or not, as "aws s3 sync" leaves a trail's AWSLogs/ tree), "aws cloudtrail
lookup-events" output, CloudTrail Lake results ("aws cloudtrail
get-query-results"), or JSON lines of records; the form is read from the content.
@demo is the demo organization's events (with --snapshot @demo). Files are read
on as many goroutines as there are cores.

PATH may be s3://bucket/prefix: the trail's bucket is read directly, with the
credentials scan uses (--profile, the environment, SSO; --region for the
bucket's Region, found otherwise), listing the prefix (s3:ListBucket) and
downloading --s3-concurrency objects at once (s3:GetObject); digest files and
the AWSLogs/…/YYYY/MM/DD/ folders outside --since/--until are not downloaded.
On a terminal, a line on standard error shows the objects listed and read.

--since and --until take a date (2026-11-01), a time (RFC 3339) or an age (30d,
12h); --unused-for 90d sets --since to 90 days before --until (or now).

Exit codes: 0 done, 3 bad input (the error names the file, byte and JSON path).`,
		Example: `  keyhound usage --snapshot org.json.gz --cloudtrail AWSLogs/ --unused-for 90d
  keyhound usage --snapshot @demo --cloudtrail @demo --json
  keyhound usage --snapshot org.json.gz --cloudtrail s3://org-trail/AWSLogs/ --since 30d --profile audit
  keyhound denied --snapshot @demo --cloudtrail @demo`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := window(since, until, unusedFor, time.Now())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			aws.stderr = cmd.ErrOrStderr()
			j, err := joinTrail(cmd.Context(), g, trailPath, opts, &aws)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			r, err := j.Report(usage.Options{AWSManaged: awsManaged})
			if err != nil {
				return err
			}
			if asJSON {
				if cmd.Flags().Changed("limit") {
					r.Limit(limit)
				}
				return writeJSON(cmd.OutOrStdout(), r)
			}
			return writeUsage(cmd.OutOrStdout(), g, r, limit)
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed), or @demo")
	f.StringVar(&trailPath, "cloudtrail", "", "CloudTrail events: a file, a directory, s3://bucket/prefix, or @demo (required)")
	f.StringVar(&since, "since", "", "keep events at or after this date, time or age (30d)")
	f.StringVar(&until, "until", "", "keep events before this date, time or age")
	f.StringVar(&unusedFor, "unused-for", "", "the window for unused access: --since this long before --until (90d)")
	f.BoolVar(&awsManaged, "aws-managed", false, "list unused access to AWS managed keys too (their policies cannot be edited)")
	f.BoolVar(&asJSON, "json", false, "print {stats, uses, unused, unused_grants, unused_keys, unexplained, denials} as JSON")
	f.IntVar(&limit, "limit", defaultLimit, "list at most this many entries per section (0: all); --json lists all unless given")
	aws.register(f)
	_ = cmd.MarkFlagRequired("snapshot")
	_ = cmd.MarkFlagRequired("cloudtrail")
	return cmd
}

// window reads --since, --until and --unused-for.
func window(since, until, unusedFor string, now time.Time) (cloudtrail.Options, error) {
	var o cloudtrail.Options
	var err error
	if o.Since, err = when(since, now); err != nil {
		return o, fmt.Errorf("--since: %w", err)
	}
	if o.Until, err = when(until, now); err != nil {
		return o, fmt.Errorf("--until: %w", err)
	}
	if unusedFor != "" {
		if since != "" {
			return o, errors.New("give --since or --unused-for, not both")
		}
		d, err := age(unusedFor)
		if err != nil {
			return o, fmt.Errorf("--unused-for: %w", err)
		}
		end := o.Until
		if end.IsZero() {
			end = now
		}
		o.Since = end.Add(-d)
	}
	if !o.Since.IsZero() && !o.Until.IsZero() && !o.Since.Before(o.Until) {
		return o, fmt.Errorf("the window is empty: --since %s is not before --until %s", o.Since.Format(time.RFC3339), o.Until.Format(time.RFC3339))
	}
	return o, nil
}

// when reads a date, an RFC 3339 time or an age before now.
func when(s string, now time.Time) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	d, err := age(s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date (2026-11-01), a time (RFC 3339) or an age (30d, 12h)", s)
	}
	return now.Add(-d).UTC(), nil
}

// age reads "90d" or a Go duration ("12h").
func age(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not an age (90d, 12h)", s)
	}
	return d, nil
}

// joinTrail reads the events under path (or s3://bucket/prefix, through
// aws) and joins them to g: files on GOMAXPROCS workers (objects on
// --s3-concurrency), each with its own joiner, merged at the end.
func joinTrail(ctx context.Context, g *graph.Graph, path string, o cloudtrail.Options, aws *trailAWS) (*usage.Joiner, error) {
	if path == "" {
		return nil, errors.New("give the events with --cloudtrail PATH")
	}
	workers := runtime.GOMAXPROCS(0)
	read := cloudtrail.ReadConcurrent
	if cloudtrail.IsS3(path) {
		workers = max(1, aws.workers)
		read = aws.readS3
	}
	js := make([]*usage.Joiner, workers)
	for i := range js {
		js[i] = usage.New(g)
	}
	if _, err := read(ctx, path, o, len(js), func(w int, e *usage.Event) error {
		js[w].Add(e)
		return nil
	}); err != nil {
		return nil, err
	}
	for _, j := range js[1:] {
		js[0].Merge(j)
	}
	return js[0], nil
}

// keyName is a key's first alias, or its ARN.
func keyName(g *graph.Graph, arn string) string {
	if k := g.Key(arn); k != nil && len(k.Aliases) > 0 {
		return k.Aliases[0] + " (" + arn + ")"
	}
	return arn
}

func day(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") }

// runDeniedTrail is `keyhound denied --cloudtrail PATH`: every AccessDenied
// or KMS error event, explained and grouped by root cause.
func runDeniedTrail(cmd *cobra.Command, snapPath, trailPath string, o cloudtrail.Options, aws *trailAWS, asJSON bool, limit int) error {
	if snapPath == "" {
		return &exitError{code: exitBadInput, err: errors.New("--cloudtrail needs --snapshot")}
	}
	g, err := loadGraph(snapPath, cmd.ErrOrStderr())
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	aws.stderr = cmd.ErrOrStderr()
	j, err := joinTrail(cmd.Context(), g, trailPath, o, aws)
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	groups := j.Denials()
	if asJSON {
		if cmd.Flags().Changed("limit") {
			groups = firstN(groups, limit)
		}
		return writeJSON(cmd.OutOrStdout(), map[string]any{"stats": j.Stats(), "groups": groups})
	}
	return writeDenialGroups(cmd.OutOrStdout(), g, groups, limit)
}
