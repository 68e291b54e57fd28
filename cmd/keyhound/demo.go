package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
)

func newDemoCmd() *cobra.Command {
	var (
		write string
		tour  bool
	)
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Open the TUI on the built-in demo organization (no AWS account needed)",
		Long: `Open the terminal UI on the built-in demo organization. With --tour, or when
the output is not a terminal, print who can decrypt its shared reports key, and
why, then the commands to explore further. Every command takes --snapshot @demo
for the demo organization; --write FILE saves it as a snapshot file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if write != "" {
				err := writeOutput(write, func(w io.Writer) error {
					_, err := w.Write(demo.Snapshot())
					return err
				})
				if err != nil {
					return &exitError{code: exitBadInput, err: fmt.Errorf("write demo snapshot: %w", err)}
				}
				_, err = fmt.Fprintf(cmd.OutOrStdout(), "wrote the demo organization to %s\n", write)
				return err
			}
			if isTerminal(cmd.OutOrStdout()) && !tour {
				return runTUI(cmd, demoName, "", cloudtrail.Options{}, nil)
			}
			g, err := loadGraph(demoName, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			var out strings.Builder
			fmt.Fprintf(&out, "keyhound demo: organization o-kh0demo01 (prod-data, analytics, sandbox; an external auditor)\n\n")
			fmt.Fprintf(&out, "$ keyhound who-can --snapshot @demo decrypt %s\n", demo.ReportsKey)
			who, err := g.WhoCan("kms:Decrypt", demo.ReportsKey, "", graph.DefaultChainDepth)
			if err != nil {
				return err
			}
			if err := writeWho(&out, who); err != nil {
				return err
			}
			fmt.Fprintf(&out, "\n$ keyhound can --snapshot @demo arn:aws:iam::222222222222:user/dilip-no-policy kms:Decrypt %s\n", demo.ReportsKey)
			a, err := g.Can(graph.Query{Principal: "arn:aws:iam::222222222222:user/dilip-no-policy", Action: "kms:Decrypt", Resource: demo.ReportsKey})
			if err != nil {
				return err
			}
			if err := graph.WriteAnswer(&out, a); err != nil {
				return err
			}
			out.WriteString(`
Try next:
  keyhound can --snapshot @demo arn:aws:iam::444444444444:role/Tinkerer kms:Decrypt ` + demo.ReportsKey + `   # an SCP denies
  keyhound can --snapshot @demo arn:aws:iam::555555555555:root kms:Decrypt ` + demo.ReportsKey + `             # the RCP data perimeter denies
  keyhound can --snapshot @demo arn:aws:iam::222222222222:role/Batch kms:Decrypt ` + demo.ReportsKey + ` --encryption-context department=finance
  keyhound what-can --snapshot @demo arn:aws:iam::222222222222:role/DataEngineer
  keyhound who-can --snapshot @demo decrypt ` + demo.ReportsKey + ` --escalation   # who can give themselves access
  keyhound usage --snapshot @demo --cloudtrail @demo    # who did: access nobody used, a grant never used, a use the snapshot cannot explain
  keyhound denied --snapshot @demo --cloudtrail @demo   # a month's AccessDenied events grouped by root cause
  keyhound diff --snapshot @demo --change @demo-plan --fail-on new-external   # a Terraform plan opening alias/reports to an outside account: the new access, and the gate failing
  keyhound demo --write demo.json    # the snapshot, to read or edit
`)
			_, err = io.WriteString(cmd.OutOrStdout(), out.String())
			return err
		},
	}
	cmd.Flags().StringVar(&write, "write", "", "write the demo organization's snapshot to FILE")
	cmd.Flags().BoolVar(&tour, "tour", false, "print the guided tour instead of opening the TUI")
	return cmd
}
