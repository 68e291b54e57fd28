package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/baseline"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/internal/version"
	"github.com/keyhound/keyhound/report"
)

// diffOutput is keyhound diff's output: the format, the baseline of
// accepted risks, and the gate's verdict under it.
type diffOutput struct {
	format       string
	asJSON       bool
	baselinePath string
	baseline     *baseline.File
	// locator places SARIF results at a change file's lines (nil: at the
	// snapshot).
	locator report.Locator
}

// diffFormats are --format's values.
var diffFormats = []string{"text", "json", "sarif", "markdown"}

// register adds --format and --baseline to cmd (which has --json), and
// checks them, reading the baseline, before cmd runs: a bad file fails at
// once, not after the diff.
func (d *diffOutput) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&d.format, "format", "text", "output: text, json (as --json), sarif (SARIF 2.1.0 for code scanning) or markdown (a pull-request comment)")
	f.StringVar(&d.baselinePath, "baseline", "", "accepted risks (YAML or JSON): matching items are reported as accepted and do not fail --fail-on; expired entries fail it")
	pre := cmd.PreRunE
	cmd.PreRunE = func(cmd *cobra.Command, args []string) error {
		if pre != nil {
			if err := pre(cmd, args); err != nil {
				return err
			}
		}
		d.asJSON, _ = cmd.Flags().GetBool("json")
		return d.prepare()
	}
}

// prepare checks the flags and reads the baseline.
func (d *diffOutput) prepare() error {
	switch {
	case d.asJSON && d.format != "text" && d.format != "json":
		return &exitError{code: exitBadInput, err: fmt.Errorf("--json and --format %s disagree", d.format)}
	case d.asJSON:
		d.format = "json"
	}
	if !slices.Contains(diffFormats, d.format) {
		return &exitError{code: exitBadInput, err: fmt.Errorf("--format %q: want %s", d.format, strings.Join(diffFormats, ", "))}
	}
	if d.baselinePath != "" {
		f, err := baseline.Load(d.baselinePath)
		if err != nil {
			return &exitError{code: exitBadInput, err: err}
		}
		d.baseline = f
	}
	return nil
}

// warnUnfinished says which entries still have a starter file's
// placeholders: they accept risks nobody has answered for.
func (d *diffOutput) warnUnfinished(w io.Writer) {
	if u := d.baseline.Unfinished(); len(u) > 0 {
		_, _ = fmt.Fprintf(w, "keyhound: warning: baseline %s: %s still TODO (owner or reason), starting with %s\n", d.baselinePath, plural.Form(len(u), "entry is", "entries are"), u[0])
	}
}

// diffGate is --fail-on as the baseline sees it: the condition's name,
// for messages, and which items it fails on (fails is nil without a gate).
// Conditions are predicates on items, so that a baseline can accept some
// of what they match.
type diffGate struct {
	name  string
	fails func(baseline.Item) bool
	// explain says, per --fail-on value, what of the failing items it
	// fails on ("new-access: 3 wider accesses"); nil: the name says it.
	explain func(failing []baseline.Item) string
}

// finish judges the report's items against the baseline, writes the
// report in its format, and fails the gate (exit 1) when an item it fails
// on is not accepted or its acceptance expired. SARIF results the locator
// cannot place are located at the snapshot: --snapshot BASE's, else NEW.
func (d *diffOutput) finish(cmd *cobra.Command, r *diff.Report, old, cur *graph.Graph, args []string, gate diffGate) error {
	artifact := ""
	if f := cmd.Flags().Lookup("snapshot"); f != nil && f.Value.String() != "" {
		artifact = f.Value.String()
	} else if len(args) > 0 {
		artifact = args[len(args)-1]
	}
	o := baseline.Judge(baseline.Items(r), d.baseline, clock(cmd.Context()), gate.fails)
	failOn := ""
	if gate.fails != nil {
		failOn = gate.name
	}
	w, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	var err error
	switch d.format {
	case "json":
		out := struct {
			*diff.Report
			Gate *gateJSON `json:"gate,omitempty"`
		}{Report: r}
		if failOn != "" || d.baseline != nil {
			out.Gate = d.gateJSON(o, failOn)
		}
		err = writeJSON(w, out)
	case "sarif":
		if artifact == demoName {
			artifact = "keyhound-demo-snapshot.json"
		}
		err = report.WriteSARIF(w, o, report.SARIFOptions{ToolVersion: version.String(), Artifact: filepath.ToSlash(artifact), Locator: d.locator, Baseline: d.baselinePath})
	case "markdown":
		err = report.WriteMarkdown(w, r, o, report.MarkdownOptions{FailOn: failOn, Baseline: d.baselinePath, Label: diffLabel(cur, old), Locator: d.locator})
	default:
		if err = writeDiff(w, r, cur, old); err == nil && (failOn != "" || d.baseline != nil) {
			err = d.writeGate(w, o, failOn)
		}
	}
	if err != nil {
		return err
	}
	d.warnUnfinished(stderr)
	if d.format != "text" {
		for _, e := range o.Unmatched {
			_, _ = fmt.Fprintf(stderr, "keyhound: warning: baseline %s %s matches nothing in this diff\n", d.baselinePath, e)
		}
	}
	if failOn == "" || !o.Failed() {
		return nil
	}
	open, expired := o.With(baseline.Open, true), o.With(baseline.Expired, true)
	what := "the diff has " + plural.Count(len(open)+len(expired), "such change")
	if gate.explain != nil {
		failing := make([]baseline.Item, 0, len(open)+len(expired))
		for _, x := range append(open, expired...) {
			failing = append(failing, x.Item)
		}
		what = gate.explain(failing)
	} else {
		what = failOn + ": " + what
	}
	var why []string
	if d.baseline != nil && len(open) > 0 {
		why = append(why, fmt.Sprintf("%d not accepted", len(open)))
	}
	for _, x := range expired {
		why = append(why, fmt.Sprintf("accepted by %s %s until %s, expired", d.baselinePath, x.Entry, x.Entry.Expires.UTC().Format(baseline.DateLayout)))
	}
	if len(why) > 0 {
		what += " (" + strings.Join(why, "; ") + ")"
	}
	return &exitError{code: exitDiffFails, err: errors.New("--fail-on " + what)}
}

// gateJSON is the "gate" member of diff's JSON: the verdict and the items
// behind it.
type gateJSON struct {
	FailOn   string `json:"fail_on,omitempty"`
	Baseline string `json:"baseline,omitempty"`
	Failed   bool   `json:"failed"`
	// Failing are the items the gate fails on: not accepted, or accepted
	// by an entry that expired.
	Failing   []baseline.Decision `json:"failing"`
	Accepted  []baseline.Decision `json:"accepted"`
	Expired   []baseline.Decision `json:"expired"`
	Unmatched []baseline.Entry    `json:"unmatched"`
}

func (d *diffOutput) gateJSON(o *baseline.Outcome, failOn string) *gateJSON {
	g := &gateJSON{
		FailOn: failOn, Baseline: d.baselinePath, Failed: failOn != "" && o.Failed(), Failing: []baseline.Decision{},
		Accepted: o.With(baseline.Accepted, false), Expired: o.With(baseline.Expired, false), Unmatched: o.Unmatched,
	}
	for _, x := range o.Decisions {
		if x.Fails() {
			g.Failing = append(g.Failing, x)
		}
	}
	return g
}

// writeGate ends diff's text with the gate's verdict and the baseline's
// decisions: each mark is a glyph and a word.
func (d *diffOutput) writeGate(w io.Writer, o *baseline.Outcome, failOn string) error {
	var b strings.Builder
	b.WriteString("\n")
	if failOn != "" {
		verdict := "passed"
		if o.Failed() {
			verdict = "FAILED"
		}
		fmt.Fprintf(&b, "gate --fail-on %s: %s (%d not accepted, %d expired, %d accepted)\n", failOn, verdict,
			len(o.With(baseline.Open, true)), len(o.With(baseline.Expired, true)), len(o.With(baseline.Accepted, true)))
		for _, x := range o.With(baseline.Open, true) {
			fmt.Fprintf(&b, "  ✗ not accepted  %s\n", x.Text)
		}
	}
	if d.baseline != nil {
		fmt.Fprintf(&b, "baseline %s: %d accepted, %d expired, %s matching nothing\n", d.baselinePath,
			len(o.With(baseline.Accepted, false)), len(o.With(baseline.Expired, false)), plural.Form(len(o.Unmatched), "entry", "entries"))
		for _, x := range o.With(baseline.Expired, false) {
			fmt.Fprintf(&b, "  ✗ expired   %s\n      %s, owner %s, expired %s: %s\n", x.Text, x.Entry, x.Entry.Owner, x.Entry.Expires.UTC().Format(baseline.DateLayout), x.Entry.Reason)
		}
		for _, x := range o.With(baseline.Accepted, false) {
			fmt.Fprintf(&b, "  ✓ accepted  %s\n      %s, owner %s, until %s: %s\n", x.Text, x.Entry, x.Entry.Owner, x.Entry.Expires.UTC().Format(baseline.DateLayout), x.Entry.Reason)
		}
		for _, e := range o.Unmatched {
			fmt.Fprintf(&b, "  ! unmatched %s (owner %s): matches nothing in this diff\n", e, e.Owner)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// diffLabel names a key with its first alias, from either snapshot.
func diffLabel(cur, old *graph.Graph) func(string) string {
	return func(id string) string {
		for _, g := range []*graph.Graph{cur, old} {
			if k := g.Key(id); k != nil && len(k.Aliases) > 0 {
				return id + " (" + k.Aliases[0] + ")"
			}
		}
		return id
	}
}

// clockKey carries, in tests, the time a command takes as now.
type clockKey struct{}

// clock is now: the real time, or the one a test put in ctx.
func clock(ctx context.Context) time.Time {
	if ctx != nil {
		if t, ok := ctx.Value(clockKey{}).(time.Time); ok {
			return t
		}
	}
	return time.Now()
}

func newBaselineCmd() *cobra.Command {
	var (
		fromDiff bool
		out      string
		force    bool
		o        diff.Options
		esc      escalationFlags
		dc       diffChange
	)
	cmd := &cobra.Command{
		Use:   "baseline --from-diff OLD NEW [-o FILE]",
		Short: "Write a starter file of accepted risks from a diff, for keyhound diff --baseline",
		Long: `Write a baseline of accepted risks accepting everything keyhound diff reports
for the same arguments (OLD NEW, or --snapshot BASE --change FILE…; with
--escalation, escalation paths too): one entry per change (access, key,
escalation path, finding) matching exactly it, with "TODO" for owner and
reason and an expiry 90 days out. Fill
in who answers for each risk and why, narrow or widen the patterns, delete
what should fail, and pass the file to keyhound diff --baseline.

The file is written atomically with mode 0600 (-o), or to standard output; an
existing file is kept unless --force.`,
		Example: `  keyhound baseline --from-diff committed.json.gz pr.json.gz -o .keyhound-baseline.yaml`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !fromDiff {
				return &exitError{code: exitBadInput, err: errors.New("say --from-diff: a starter baseline is written from a diff")}
			}
			if out != "" && !force {
				if _, err := os.Stat(out); err == nil {
					return &exitError{code: exitBadInput, err: fmt.Errorf("%s exists: it may hold reasons and owners; remove it, or --force", out)}
				} else if !errors.Is(err, fs.ErrNotExist) {
					return &exitError{code: exitBadInput, err: err}
				}
			}
			eo, err := esc.options("")
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			o.Escalation, o.EscalationDepth = esc.on, eo.Depth
			old, cur, _, err := dc.graphs(args, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			r, err := diff.Compare(cmd.Context(), old, cur, o)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			name := out
			if name == "" {
				name = "-"
			}
			f, comments := baseline.Starter(name, baseline.Items(r), clock(cmd.Context()))
			write := func(w io.Writer) error { return f.Encode(w, comments) }
			if out == "" {
				return write(cmd.OutOrStdout())
			}
			if err := writeOutput(out, write); err != nil {
				return fmt.Errorf("write %s: %w", out, err)
			}
			expires := ""
			if len(f.Entries) > 0 {
				expires = ", expiring " + f.Entries[0].Expires.Format(baseline.DateLayout)
			}
			_, _ = fmt.Fprintf(cmd.ErrOrStderr(), "keyhound: wrote %s to %s%s; fill in each owner and reason\n", plural.Form(len(f.Entries), "entry", "entries"), out, expires)
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&fromDiff, "from-diff", false, "accept everything the diff of OLD and NEW reports")
	f.StringVarP(&out, "output", "o", "", "write to FILE (atomically, mode 0600) instead of standard output")
	f.BoolVar(&force, "force", false, "replace an existing -o FILE")
	f.IntVar(&o.ChainDepth, "chain-depth", 0, "role-chain hops to follow (default 5), as in keyhound diff")
	f.IntVar(&o.Workers, "workers", 2, "who-can computations in parallel")
	esc.register(cmd, "also accept the escalation paths the diff reports, as keyhound diff --escalation")
	dc.register(cmd, "baseline --from-diff")
	return cmd
}
