package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
)

func newWhoCanCmd() *cobra.Command {
	var (
		change           changeFlags
		snapPath, region string
		asJSON           bool
		chainDepth       int
		escFlags         escalationFlags
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
an action keyhound does not answer, or a wildcard, is refused (docs/cli.md).

--escalation adds, after them, each principal that cannot now but can make
itself able to in up to --escalation-depth API calls it is allowed to make
(kms:PutKeyPolicy, kms:CreateGrant, IAM policy writes, role trust, credentials,
compute with a passed role): "can gain access: PutKeyPolicy on the key, then
Decrypt". On a resource, the paths to its key whose caller may already read it.`,
		Example: `  keyhound who-can --snapshot org.json decrypt arn:aws:kms:us-east-1:111111111111:alias/app
  keyhound who-can --snapshot @demo decrypt arn:aws:kms:us-east-1:111111111111:alias/reports --escalation`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, err := whoCanAction(args[0])
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			g, err := loadGraphChanged(snapPath, change, modeFor(args[1]), cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			depth := queryDepth(chainDepth)
			who, err := g.WhoCan(action, args[1], region, depth)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			// On a key, who reads the data under it through the resources it
			// encrypts: for a key used only through its services, that is
			// where its readers are.
			var data []graph.ResourceAccess
			if k, err := g.ResolveKey(args[1], "", region); err == nil {
				if data, err = g.WhoCanReadData(action, k.ARN, depth); err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
			}
			var esc []escalation.Path
			if escFlags.on {
				opts, err := escFlags.options("")
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				if esc, err = whoCanEscalation(g, action, args[1], region, who, opts); err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
			}
			if asJSON {
				principals := make([]any, 0, len(who)+len(esc))
				for _, w := range who {
					principals = append(principals, w)
				}
				for _, e := range escalatedWho(g, esc) {
					principals = append(principals, e)
				}
				out := map[string]any{"action": action, "resource": args[1], "principals": principals}
				if len(data) > 0 {
					out["data"] = data
				}
				return writeJSON(cmd.OutOrStdout(), out)
			}
			return writeWhoWithData(cmd.OutOrStdout(), who, escalationRows(g, esc), data)
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed)")
	change.add(cmd)
	f.StringVar(&region, "region", "", "Region for a key ID")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON (docs/cli.md)")
	f.IntVar(&chainDepth, "chain-depth", graph.DefaultChainDepth, "follow role chains up to this many hops; 0: principals acting as themselves")
	escFlags.register(cmd, "also list who can make themselves able to, and how (docs/cli.md)")
	return cmd
}

func writeWho(w io.Writer, who []graph.Who) error {
	if len(who) == 0 {
		_, err := fmt.Fprintln(w, "nobody")
		return err
	}
	return writeTable(w, whoRows(who, ""))
}

// writeWhoWithData writes who can use a key, then who can read the data
// under it through each resource it encrypts.
// Escalation rows (escalationRows) follow those who can now, in the same table.
func writeWhoWithData(w io.Writer, who []graph.Who, esc []string, data []graph.ResourceAccess) error {
	readers := 0
	for _, d := range data {
		readers += len(d.Principals)
	}
	switch {
	case len(who) == 0 && len(esc) == 0 && readers > 0:
		if _, err := fmt.Fprintln(w, "nobody can use the key itself"); err != nil {
			return err
		}
	case len(esc) == 0:
		if err := writeWho(w, who); err != nil {
			return err
		}
	default:
		if err := writeTable(w, append(whoRows(who, ""), esc...)); err != nil {
			return err
		}
	}
	if len(data) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "\nthe data under the key, through the resources it encrypts (the resource's own permission and the service's KMS calls):"); err != nil {
		return err
	}
	var rows []string
	for _, d := range data {
		rows = append(rows, d.Action+" on "+d.Resource)
		if len(d.Principals) == 0 {
			rows = append(rows, "  nobody")
		}
		rows = append(rows, whoRows(d.Principals, "  ")...)
	}
	return writeTable(w, rows)
}

// whoRows are who-can answers as table rows, each line starting with indent.
func whoRows(who []graph.Who, indent string) []string {
	rows := make([]string, 0, len(who))
	for _, x := range who {
		var notes []string
		if x.External {
			notes = append(notes, "external")
		}
		notes = append(notes, answerNotes(x.Paths, x.Conditions, x.Unknowns)...)
		rows = append(rows, indent+x.Decision.String()+"\t"+x.Kind+"\t"+x.Principal+"\t"+strings.Join(notes, "; "))
	}
	return rows
}
