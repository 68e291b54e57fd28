package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/internal/graphcache"
	"github.com/keyhound/keyhound/internal/version"
)

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "keyhound",
		Short: "Who can decrypt what with which KMS key, and why",
		Long: `keyhound answers, across every account of an AWS Organization, who can decrypt
what with which KMS key, and why; and, during an incident, why an AccessDenied
happened and what the smallest fix is.`,
		Version:       version.Full(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		// With no command, a terminal gets the TUI on the demo organization.
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !isTerminal(cmd.OutOrStdout()) {
				return cmd.Help()
			}
			return runTUI(cmd, demoName, "", cloudtrail.Options{}, nil)
		},
	}
	// --version prints the line `keyhound version` prints.
	root.SetVersionTemplate("keyhound {{.Version}}\n")
	root.PersistentFlags().BoolVar(&noCache, "no-cache", false, "load snapshots from their JSON, neither reading nor writing the graph cache (in $"+graphcache.EnvDir+", else the user cache directory)")
	root.AddCommand(newTUICmd(), newScanCmd(), newExportCmd(), newDiffCmd(), newBaselineCmd(), newDeniedCmd(), newEvalCmd(), newCanCmd(), newWhoCanCmd(), newWhatCanCmd(), newFindingsCmd(), newStatsCmd(), newUsageCmd(), newDemoCmd(), newGenCmd(), newCacheCmd(), newVersionCmd())
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print keyhound's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "keyhound", version.Full())
			return err
		},
	}
}
