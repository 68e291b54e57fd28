package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

func newGenCmd() *cobra.Command {
	var (
		o   gen.Options
		out string
	)
	cmd := &cobra.Command{
		Use:   "gen -o FILE",
		Short: "Write a synthetic organization, for scale tests and benchmarks",
		Long: `Write a realistic synthetic organization as a snapshot: mixed key-policy styles
(root delegation, named principals, "*" with organization conditions),
cross-account trusts and role chains, grants with constraints, SCPs and RCPs,
AWS managed keys, and buckets, secrets and queues encrypted with the keys.
The same flags and seed always give the same file. A name ending in .gz is
gzip-compressed.`,
		Example: `  keyhound gen --accounts 1000 --regions 2 --roles-per-account 100 --keys-per-region 10 --resources-per-key 5 -o org.json.gz`,
		Args:    cobra.NoArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			if out == "" {
				return &exitError{code: exitBadInput, err: fmt.Errorf("-o FILE is required")}
			}
			if o.Accounts < 1 || o.RolesPerAccount < 0 || o.KeysPerRegion < 0 || o.ResourcesPerKey < 0 {
				return &exitError{code: exitBadInput, err: fmt.Errorf("--accounts must be at least 1, the other counts at least 0")}
			}
			return writeOutput(out, func(w io.Writer) error {
				return snapshot.Write(w, gen.Organization(o), strings.HasSuffix(out, ".gz"))
			})
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Accounts, "accounts", 10, "member accounts")
	fl.IntVar(&o.Regions, "regions", 1, "Regions per account (at most 6)")
	fl.IntVar(&o.RolesPerAccount, "roles-per-account", 20, "IAM roles per account")
	fl.IntVar(&o.KeysPerRegion, "keys-per-region", 5, "customer managed keys per account and Region")
	fl.IntVar(&o.ResourcesPerKey, "resources-per-key", 3, "encrypted resources per key")
	fl.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fl.StringVarP(&out, "output", "o", "", "output file (written atomically, mode 0600)")
	return cmd
}
