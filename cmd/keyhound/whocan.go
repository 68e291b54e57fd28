package main

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
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
			// where its readers are. Found beside the rest (escalation, the
			// table's rows: 113,116 at 5,000 accounts), read below.
			dataDone := make(chan struct{})
			var data []graph.ResourceAccess
			var dataErr error
			go func() {
				defer close(dataDone)
				if k, err := g.ResolveKey(args[1], "", region); err == nil {
					data, dataErr = g.WhoCanReadData(action, k.ARN, depth)
				}
			}()
			defer func() { <-dataDone }() // nothing left running after an error
			dataFound := func() ([]graph.ResourceAccess, error) {
				<-dataDone
				if dataErr != nil {
					return nil, &exitError{code: exitBadInput, err: dataErr}
				}
				return data, nil
			}
			var esc []escalation.Path
			if escFlags.on {
				opts, err := escFlags.options("")
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				if esc, err = whoCanEscalation(g, action, args[1], region, who, opts); err != nil {
					if _, derr := dataFound(); derr != nil {
						return derr // the data's error first, as when it was found first
					}
					return &exitError{code: exitBadInput, err: err}
				}
			}
			if asJSON {
				data, err := dataFound()
				if err != nil {
					return err
				}
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
			return writeWhoWithData(cmd.OutOrStdout(), who, escalationRows(g, esc), dataFound)
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
// under it through each resource it encrypts (data: the table of who can
// is made while it is found, and nothing is written when it fails).
// Escalation rows (escalationRows) follow those who can now, in the same
// table.
func writeWhoWithData(w io.Writer, who []graph.Who, esc []string, data func() ([]graph.ResourceAccess, error)) error {
	if len(who) == 0 && len(esc) == 0 {
		// "nobody" or "nobody can use the key itself": what the data says.
		data, err := data()
		if err != nil {
			return err
		}
		readers := 0
		for _, d := range data {
			readers += len(d.Principals)
		}
		msg := "nobody"
		if readers > 0 {
			msg = "nobody can use the key itself"
		}
		if _, err := fmt.Fprintln(w, msg); err != nil {
			return err
		}
		return writeDataUnder(w, data)
	}
	var head bytes.Buffer
	if err := writeTable(&head, append(whoRows(who, ""), esc...)); err != nil {
		return err
	}
	under, err := data()
	if err != nil {
		return err
	}
	if _, err := w.Write(head.Bytes()); err != nil {
		return err
	}
	return writeDataUnder(w, under)
}

// writeDataUnder writes who can read the data under a key through each
// resource it encrypts.
func writeDataUnder(w io.Writer, data []graph.ResourceAccess) error {
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

// whoRows are who-can answers as table rows, each line starting with indent:
// whoRow's, with the text of each distinct list of conditions made once
// (who-can shares one list among the principals it answers alike: an
// organization-wide key's 112,000 rows had 112,000 copies of one clause).
func whoRows(who []graph.Who, indent string) []string {
	rows := make([]string, 0, len(who))
	clauses := map[conditionsID]string{}
	for i := range who {
		rows = append(rows, whoRow(&who[i], indent, clauses))
	}
	return rows
}

// conditionsID tells a list of conditions by its memory.
type conditionsID struct {
	first *eval.Residual
	n     int
}

// whoRow is one who-can answer as a table row: decision, kind, principal
// and the notes answerNotes gives ("; " between), "external" first;
// clauses keeps the conditions' text by list.
func whoRow(x *graph.Who, indent string, clauses map[conditionsID]string) string {
	var b strings.Builder
	b.Grow(len(indent) + len(x.Principal) + 48)
	b.WriteString(indent)
	b.WriteString(x.Decision.String())
	b.WriteByte('\t')
	b.WriteString(x.Kind)
	b.WriteByte('\t')
	b.WriteString(x.Principal)
	b.WriteByte('\t')
	sep := ""
	note := func(s string) {
		if s == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(s)
		sep = "; "
	}
	if x.External {
		note("external")
	}
	note(viaNote(x.Paths))
	if len(x.Conditions) > 0 {
		id := conditionsID{&x.Conditions[0], len(x.Conditions)}
		text, ok := clauses[id]
		if !ok {
			text = strings.Join(conditionNotes(x.Conditions), "; ")
			clauses[id] = text
		}
		note(text)
	}
	note(unknownsNote(x.Unknowns))
	return b.String()
}
