package main

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/internal/plural"
)

func newFindingsCmd() *cobra.Command {
	var (
		snapPath, minSeverity, failOn string
		asJSON                        bool
		escFlags                      escalationFlags
	)
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "Risks in the snapshot, most severe first, each with its evidence",
		Long: `List keyhound's findings: key policies open to everyone, access and grants to
accounts outside the organization, resources shared across accounts but
encrypted with an AWS managed key, keys pending deletion or disabled that still
encrypt resources, rotation off, identity policies allowing kms:Decrypt on every
key, deleted principals in key policies, and policies that do not parse.

--escalation adds the escalation findings (docs/cli.md): a principal outside a
key's administrators that can rewrite its policy, kms:CreateGrant allowed with
no limit on the grant's operations or grantee, and a role or user that can
decrypt whose policies, trust or credentials a principal that cannot may
change; each at a severity by the key's reach (its resources and accounts).

--fail-on SEVERITY makes it a CI gate: exit 1 when the snapshot has a finding
of that severity or worse (whatever --severity shows), 0 otherwise.`,
		Example: `  keyhound findings --snapshot org.json.gz --fail-on high`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			floor, ok := graph.ParseSeverity(minSeverity)
			if !ok {
				return &exitError{code: exitBadInput, err: fmt.Errorf("--severity %q: want critical, high, medium, low or info", minSeverity)}
			}
			failFloor, failing := graph.Severity(-1), failOn != ""
			if failing {
				if failFloor, ok = graph.ParseSeverity(failOn); !ok {
					return &exitError{code: exitBadInput, err: fmt.Errorf("--fail-on %q: want critical, high, medium, low or info", failOn)}
				}
			}
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			all := g.Findings()
			if escFlags.on {
				opts, err := escFlags.options("")
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				esc, err := escalation.Findings(g, opts)
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				all = append(all, esc...)
				escalation.Sort(all)
			}
			fs := []graph.Finding{}
			failed := 0
			for _, f := range all {
				if f.Severity <= floor {
					fs = append(fs, f)
				}
				if failing && f.Severity <= failFloor {
					failed++
				}
			}
			if asJSON {
				err = writeJSON(cmd.OutOrStdout(), map[string]any{"findings": fs})
			} else {
				err = writeFindings(cmd.OutOrStdout(), fs)
			}
			if err != nil {
				return err
			}
			if failed > 0 {
				return &exitError{code: exitFindingsFail, err: fmt.Errorf("--fail-on %s: %s of %s or worse", failFloor, plural.Count(failed, "finding"), failFloor)}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed), or @demo")
	f.StringVar(&minSeverity, "severity", "info", "show findings of this severity and worse")
	f.StringVar(&failOn, "fail-on", "", "exit 1 when a finding of this severity or worse exists (critical, high, medium, low, info)")
	f.BoolVar(&asJSON, "json", false, "print the findings as JSON")
	escFlags.register(cmd, "add the escalation findings: who can make themselves able to decrypt (docs/cli.md)")
	return cmd
}

// exitFindingsFail is keyhound findings' exit code when --fail-on matches,
// as keyhound diff's.
const exitFindingsFail = exitDiffFails

func writeFindings(w io.Writer, fs []graph.Finding) error {
	if len(fs) == 0 {
		_, err := fmt.Fprintln(w, "no findings")
		return err
	}
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%-8s %s  [%s]\n         %s\n", strings.ToUpper(f.Severity.String()), f.Title, f.Rule, f.Resource)
		for _, e := range f.Evidence {
			b.WriteString("         · " + e.Text() + "\n")
		}
		if f.Remedy != "" {
			b.WriteString("         fix: " + f.Remedy + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func newStatsCmd() *cobra.Command {
	var (
		snapPath string
		asJSON   bool
	)
	cmd := &cobra.Command{
		Use:   "stats",
		Short: "Counts of what the snapshot holds",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			s := g.Stats()
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), s)
			}
			var rows strings.Builder
			fmt.Fprintf(&rows, "accounts\t%d\t(%d OUs)\n", s.Accounts, s.OrganizationalUnit)
			fmt.Fprintf(&rows, "principals\t%d\t(%d users, %d roles)\n", s.Users+s.Roles, s.Users, s.Roles)
			fmt.Fprintf(&rows, "keys\t%d\t(%d customer managed, %d AWS managed; %s)\n", s.Keys, s.CustomerKeys, s.AWSManagedKeys, countList(s.KeysByState))
			fmt.Fprintf(&rows, "grants\t%d\t\n", s.Grants)
			fmt.Fprintf(&rows, "resources\t%d\t(%s)\n", sum(s.Resources), countList(s.Resources))
			fmt.Fprintf(&rows, "findings\t%d\t(%s)\n", sum(s.Findings), countList(s.Findings))
			fmt.Fprintf(&rows, "issues\t%d\t(unreadable or unparseable parts)\n", s.Issues)
			fmt.Fprintf(&rows, "collection errors\t%d\t(calls the scan could not complete: what they read is unknown)\n", s.CollectionErrors)
			fmt.Fprintf(&rows, "regions skipped\t%d\t(denied by SCP, not errors: what they hold is unknown)\n", s.RegionsSkipped)
			return writeTable(cmd.OutOrStdout(), strings.Split(strings.TrimRight(rows.String(), "\n"), "\n"))
		},
	}
	cmd.Flags().StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed), or @demo")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the counts as JSON")
	return cmd
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// countList renders counts as "a 1, b 2", sorted by name.
func countList(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}
