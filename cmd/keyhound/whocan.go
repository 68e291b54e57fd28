package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
)

func newWhoCanCmd() *cobra.Command {
	var (
		snapPath, region string
		asJSON           bool
		chainDepth       int
	)
	cmd := &cobra.Command{
		Use:   "who-can ACTION RESOURCE",
		Short: "Every principal that can perform ACTION on a key, and how",
		Long: `List every principal — users and roles of the snapshot, accounts and principals
outside it that the key's policy or grants name, and the public when a statement
names "*" — whose answer for ACTION on RESOURCE is ALLOW or CONDITIONAL, with
the role chain it goes through.

RESOURCE is a key (ARN, alias ARN, or a key ID unique in the snapshot) or an
encrypted resource (S3 bucket or object, EBS or RDS snapshot, secret, queue,
topic, table, function): then both the resource's permission and the KMS calls
its service makes are needed. "decrypt" means every way to read the plaintext:
kms:Decrypt on a key, the reading action (s3:GetObject, ec2:CreateVolume,
secretsmanager:GetSecretValue, …) on a resource.`,
		Example: `  keyhound who-can --snapshot org.json decrypt arn:aws:kms:us-east-1:111111111111:alias/app`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			action := args[0]
			depth := chainDepth
			if depth <= 0 {
				depth = -1
			}
			who, err := g.WhoCan(action, args[1], region, depth)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if asJSON {
				enc := json.NewEncoder(cmd.OutOrStdout())
				enc.SetIndent("", "  ")
				return enc.Encode(map[string]any{"action": args[0], "resource": args[1], "principals": who})
			}
			return writeWho(cmd.OutOrStdout(), who)
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed)")
	f.StringVar(&region, "region", "", "Region for a key ID")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON (docs/cli.md)")
	f.IntVar(&chainDepth, "chain-depth", graph.DefaultChainDepth, "follow role chains up to this many hops; 0: principals acting as themselves")
	return cmd
}

func writeWho(w io.Writer, who []graph.Who) error {
	if len(who) == 0 {
		_, err := fmt.Fprintln(w, "nobody")
		return err
	}
	var buf strings.Builder
	tw := tabwriter.NewWriter(&buf, 0, 4, 2, ' ', 0)
	for _, x := range who {
		var notes []string
		if x.External {
			notes = append(notes, "external")
		}
		if len(x.Paths) > 0 && len(x.Paths[0].Via) > 1 {
			notes = append(notes, "via "+strings.Join(x.Paths[0].Via[1:], " → "))
		}
		for _, c := range x.Conditions {
			notes = append(notes, "if "+c.Key+" "+c.Operator+" "+strings.Join(c.Values, "|"))
		}
		if len(x.Unknowns) > 0 {
			notes = append(notes, fmt.Sprintf("%d unknowns", len(x.Unknowns)))
		}
		if _, err := fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", x.Decision, x.Kind, x.Principal, strings.Join(notes, "; ")); err != nil {
			return err
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeTrimmed(w, buf.String())
}

// writeTrimmed writes text with trailing spaces removed from every line.
func writeTrimmed(w io.Writer, text string) error {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}
