package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
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
A share of the roles (--escalation-share, 2% by default) may escalate to a
key: IAM writers of their account's roles, Lambda deployers with
iam:PassRole, key administrators (kms:PutKeyPolicy, kms:CreateGrant), roles
that may assume any role, data and ML engineers (Glue, SageMaker), CI
builders (CodeBuild, ECS), stack deployers (CloudFormation) and policy
managers (iam:SetDefaultPolicyVersion); some roles trust those services, and
Lambda functions run as some. The same flags and seed always give the same
file. A name ending in .gz is gzip-compressed.`,
		Example: `  keyhound gen --accounts 1000 --regions 2 --roles-per-account 100 --keys-per-region 10 --resources-per-key 5 -o org.json.gz`,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			setGCBase(longRun) // its memory stays linear in the organization: loadgc.go
			if out == "" {
				return &exitError{code: exitBadInput, err: fmt.Errorf("-o FILE is required")}
			}
			if o.Accounts < 1 || o.RolesPerAccount < 0 || o.KeysPerRegion < 0 || o.ResourcesPerKey < 0 {
				return &exitError{code: exitBadInput, err: fmt.Errorf("--accounts must be at least 1, the other counts at least 0")}
			}
			if o.EscalationShare < 0 || o.EscalationShare > 1 {
				return &exitError{code: exitBadInput, err: fmt.Errorf("--escalation-share must be between 0 and 1")}
			}
			s := gen.Organization(o)
			var n countingWriter
			if err := writeOutput(out, func(w io.Writer) error {
				return snapshot.Write(io.MultiWriter(w, &n), s, strings.HasSuffix(out, ".gz"))
			}); err != nil {
				return err
			}
			_, err := fmt.Fprintf(cmd.ErrOrStderr(), "keyhound: wrote %s: %s (%s)\n", out, genSummary(s), plural.Count(int64(n), "byte"))
			return err
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&o.Accounts, "accounts", 10, "member accounts")
	fl.IntVar(&o.Regions, "regions", 1, "Regions per account (at most 6)")
	fl.IntVar(&o.RolesPerAccount, "roles-per-account", 20, "IAM roles per account")
	fl.IntVar(&o.KeysPerRegion, "keys-per-region", 5, "customer managed keys per account and Region")
	fl.IntVar(&o.ResourcesPerKey, "resources-per-key", 3, "encrypted resources per key")
	fl.Uint64Var(&o.Seed, "seed", 1, "random seed")
	fl.Float64Var(&o.EscalationShare, "escalation-share", 0.02, "share of roles (0 to 1) given permissions that escalate to a key")
	fl.StringVarP(&out, "output", "o", "", "output file (written atomically, mode 0600)")
	return cmd
}

// genSummary counts what a generated organization holds: "1000 accounts,
// 20000 roles, 10000 keys, 25000 grants".
func genSummary(s *snapshot.Snapshot) string {
	var roles, keys, grants int
	for _, a := range s.Accounts {
		if a.IAM != nil {
			roles += len(a.IAM.RoleDetailList)
		}
		for _, r := range a.Regions {
			if r.KMS == nil {
				continue
			}
			keys += len(r.KMS.Keys)
			for _, k := range r.KMS.Keys {
				grants += len(k.Grants)
			}
		}
	}
	return strings.Join([]string{
		plural.Count(len(s.Accounts), "account"), plural.Count(roles, "role"),
		plural.Count(keys, "key"), plural.Count(grants, "grant"),
	}, ", ")
}

// countingWriter counts the bytes written through it.
type countingWriter int64

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}
