package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
)

func newWhatCanCmd() *cobra.Command {
	var (
		snapPath, actionFlag string
		asJSON               bool
		chainDepth           int
		escFlags             escalationFlags
	)
	cmd := &cobra.Command{
		Use:   "what-can PRINCIPAL",
		Short: "Every key a principal can use, directly or through role chains",
		Long: `List the keys on which PRINCIPAL's answer for --action (default kms:Decrypt) is
ALLOW or CONDITIONAL, acting as itself or through the roles it can assume.
When the snapshot lacks the principal's account (its scan failed, or it was
not scanned) or its account's keys in a Region, the answer says so ("no key
known", and "unknown:" lines; "unknowns" in JSON).

--escalation adds, after them, the keys it cannot use now but can make itself
able to in up to --escalation-depth API calls, and how ("can gain access:
PutRolePolicy on …, then Decrypt"). It searches every key of the snapshot.`,
		Example: `  keyhound what-can --snapshot org.json arn:aws:iam::222222222222:role/Writer`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, err := keyAction("what-can", actionFlag)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			depth := queryDepth(chainDepth)
			what, err := g.WhatCan(args[0], action, depth)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			gaps := g.WhatCanGaps(args[0])
			var esc []escalatedKey
			if escFlags.on {
				opts, err := escFlags.options(action)
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				if esc, err = whatCanEscalation(g, args[0], opts); err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
			}
			if asJSON {
				keys := make([]any, 0, len(what)+len(esc))
				for _, w := range what {
					keys = append(keys, w)
				}
				for _, e := range esc {
					keys = append(keys, e)
				}
				out := map[string]any{"principal": args[0], "action": action, "keys": keys}
				if len(gaps) > 0 {
					out["unknowns"] = gaps
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			return writeWhat(cmd.OutOrStdout(), what, escalatedKeyRows(esc), gaps)
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed)")
	f.StringVar(&actionFlag, "action", "kms:Decrypt", "the KMS action (any case), or decrypt")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON (docs/cli.md)")
	f.IntVar(&chainDepth, "chain-depth", graph.DefaultChainDepth, "follow role chains up to this many hops; 0: the principal only")
	escFlags.register(cmd, "also list the keys it can make itself able to use, and how (docs/cli.md)")
	return cmd
}

// writeWhat writes what-can's table, then what the snapshot lacks for it:
// with gaps, an empty answer is "no key known", not "no key". Escalation
// rows (escalatedKeyRows) follow the keys it can use, in the same table.
func writeWhat(w io.Writer, what []graph.What, esc []string, gaps []graph.Issue) error {
	var unknown strings.Builder
	for _, iss := range gaps {
		unknown.WriteString("unknown: " + iss.Message + "\n")
	}
	if len(what) == 0 && len(esc) == 0 {
		none := "no key"
		if len(gaps) > 0 {
			none = "no key known"
		}
		_, err := fmt.Fprint(w, none+"\n"+unknown.String())
		return err
	}
	rows := make([]string, 0, len(what))
	for _, x := range what {
		var notes []string
		if len(x.Aliases) > 0 {
			notes = append(notes, strings.Join(x.Aliases, ","))
		}
		notes = append(notes, answerNotes(x.Paths, x.Conditions, x.Unknowns)...)
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s", x.Decision, x.Key, strings.Join(notes, "; ")))
	}
	if err := writeTable(w, append(rows, esc...)); err != nil {
		return err
	}
	_, err := io.WriteString(w, unknown.String())
	return err
}
