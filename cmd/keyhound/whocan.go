package main

import (
	"fmt"
	"io"
	"strings"

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
secretsmanager:GetSecretValue, …) on a resource. ACTION is case-insensitive;
an action keyhound does not answer, or a wildcard, is refused (docs/cli.md).`,
		Example: `  keyhound who-can --snapshot org.json decrypt arn:aws:kms:us-east-1:111111111111:alias/app`,
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, err := whoCanAction(args[0])
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			depth := queryDepth(chainDepth)
			who, err := g.WhoCan(action, args[1], region, depth)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if asJSON {
				return writeJSON(cmd.OutOrStdout(), map[string]any{"action": action, "resource": args[1], "principals": who})
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
	rows := make([]string, 0, len(who))
	for _, x := range who {
		var notes []string
		if x.External {
			notes = append(notes, "external")
		}
		notes = append(notes, answerNotes(x.Paths, x.Conditions, x.Unknowns)...)
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s", x.Decision, x.Kind, x.Principal, strings.Join(notes, "; ")))
	}
	return writeTable(w, rows)
}
