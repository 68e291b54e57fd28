package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/internal/plural"
)

// exitDiffFails is keyhound diff's exit code when --fail-on matches.
const exitDiffFails = 1

func newDiffCmd() *cobra.Command {
	var (
		failOn []string
		asJSON bool
		esc    escalationFlags
		o      diff.Options
		dc     diffChange
	)
	var out diffOutput
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Effective-access changes between two snapshots, with the policy changes behind them",
		Long: `Compare who can use which key, read which resource and assume which role in two
snapshots (files, or @demo): access that appeared or went, decisions that
changed (DENY→ALLOW, ALLOW→CONDITIONAL…), new external or public access, keys
added, removed or whose state changed, and findings that appeared or were
resolved — each access change with the statements added or removed that can
explain it. Grouped by account and key or resource.

--escalation also compares escalation paths (who can make themselves able to
decrypt a key, as who-can --escalation answers): paths new in NEW, removed,
or whose decision changed, each with its steps. It costs an escalation search
per key in each snapshot, which is why it is not the default.

--fail-on makes it a CI gate: exit 1 when the diff has new-access (any wider
access), new-external (wider access for a principal outside the organization,
or the public), new-escalation (a new escalation path, or one now ALLOW; it
turns --escalation on), finding:SEVERITY (a new finding of that severity or
worse: critical, high, medium, low, info), or any change at all. Repeat it, or
separate values with commas, for several gates: any of them fails the diff.`,
		Example: `  keyhound diff yesterday.json.gz today.json.gz
  keyhound diff --fail-on new-external --json base.json.gz pr.json.gz
  keyhound diff --fail-on new-access,new-escalation --fail-on finding:high base.json.gz pr.json.gz`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			gates, err := diffGates(cmd, failOn, esc, &o)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			old, cur, applied, err := dc.graphs(args, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if applied != nil {
				out.locator = locatorOf(applied)
			}
			r, err := diff.Compare(cmd.Context(), old, cur, o)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			return out.finish(cmd, r, old, cur, args, gateOf(gates))
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&failOn, "fail-on", nil, "exit 1 when the diff has "+gateHelp+" (repeat or comma-separate for several)")
	f.BoolVar(&asJSON, "json", false, "print {summary, changes, keys, new_findings, resolved_findings, escalations} as JSON")
	esc.register(cmd, "also compare escalation paths (an escalation search per key in each snapshot: slower)")
	f.IntVar(&o.ChainDepth, "chain-depth", 0, "role-chain hops to follow (default 5)")
	out.register(cmd)
	f.IntVar(&o.Workers, "workers", 2, "who-can computations in parallel")
	dc.register(cmd, "diff")
	return cmd
}

func writeDiff(w io.Writer, r *diff.Report, cur, old *graph.Graph) error {
	var b strings.Builder
	s := r.Summary
	fmt.Fprintf(&b, "%d new access (%d wider), %d removed, %s changed; %d new external, %d public; %s changed; findings +%d −%d\n",
		s.NewAccess, s.Wider, s.RemovedAccess, plural.Count(s.DecisionChanged, "decision"), s.NewExternal, s.NewPublic, plural.Count(s.KeysChanged, "key"), s.NewFindings, len(r.ResolvedFindings))
	if e := s.Escalation; e != nil {
		fmt.Fprintf(&b, "escalation paths: %d new, %d removed, %s changed", e.New, e.Removed, plural.Count(e.DecisionChanged, "decision"))
		if e.AccessToEscalation+e.EscalationToAccess > 0 {
			fmt.Fprintf(&b, "; %d access → path, %d path → access", e.AccessToEscalation, e.EscalationToAccess)
		}
		b.WriteString("\n")
	}
	if r.Empty() {
		b.WriteString("no change in effective access\n")
	}
	label := func(id string) string { return keyLabel(id, cur, old) }
	account, target := "", ""
	for _, c := range r.Changes {
		if c.TargetAccount != account {
			account, target = c.TargetAccount, ""
			fmt.Fprintf(&b, "\naccount %s\n", accountName(cur, account))
		}
		if c.Target != target {
			target = c.Target
			fmt.Fprintf(&b, "  %s\n", label(target))
		}
		mark, what := "~", c.Old+" → "+c.New
		switch c.Change {
		case diff.NewAccess:
			mark, what = "+", c.New
		case diff.RemovedAccess:
			mark, what = "-", "was "+c.Old
		}
		who := c.Principal
		if c.Public {
			who += " (public)"
		} else if c.External {
			who += " (external)"
		}
		fmt.Fprintf(&b, "    %s %-22s %s  %s", mark, what, who, c.Action)
		if len(c.Via) > 1 {
			fmt.Fprintf(&b, "  via %s", strings.Join(c.Via[1:], " → "))
		}
		b.WriteString("\n")
		for _, cause := range c.Causes {
			fmt.Fprintf(&b, "        ← %s: %s %s\n", cause.Where, cause.Change, cause.Statement)
		}
	}
	writeEscalations(&b, r, cur, old)
	if len(r.Keys) > 0 {
		b.WriteString("\nkeys\n")
		for _, k := range r.Keys {
			fmt.Fprintf(&b, "  %s %s", k.Change, label(k.Key))
			if k.Old != "" || k.New != "" {
				fmt.Fprintf(&b, " (%s → %s)", nonEmptyOr(k.Old, "none"), nonEmptyOr(k.New, "none"))
			}
			b.WriteString("\n")
		}
	}
	for _, fs := range []struct {
		title string
		list  []graph.Finding
	}{{"new findings", r.NewFindings}, {"resolved findings", r.ResolvedFindings}} {
		if len(fs.list) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n%s\n", fs.title)
		for _, f := range fs.list {
			fmt.Fprintf(&b, "  %-8s %s  %s\n", strings.ToUpper(f.Severity.String()), f.Title, f.Resource)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func nonEmptyOr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}
