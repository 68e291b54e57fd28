package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

func newCanCmd() *cobra.Command {
	var (
		change              changeFlags
		snapPath, region    string
		asJSON, complete    bool
		chainDepth          int
		ctxKV, ecKV, absent []string
	)
	cmd := &cobra.Command{
		Use:   "can PRINCIPAL ACTION RESOURCE",
		Short: "Can this principal perform this action on this key, and why?",
		Long: `Answer whether PRINCIPAL can perform ACTION on RESOURCE in a snapshot, with the
statements, grants and conditions behind the answer.

PRINCIPAL is a user, role or assumed-role session ARN (arn:aws:sts::…:assumed-role/R/s).
ACTION is a KMS action on a key, sts:AssumeRole on a role, or an action of an
encrypted resource (any case; docs/cli.md lists them): an unknown action or a
wildcard is refused. RESOURCE is a key ARN, alias ARN, or a key ID or alias name
in the principal's account (with --region), as AWS resolves them.

decision is the effective answer, through role chains the principal can
assume (--chain-depth); direct_decision is the principal acting as itself.

Keys only a live request carries (source IP, VPC endpoint, encryption context,
MFA, time) are unknown unless given, and may make the answer CONDITIONAL;
--context-complete says the given context is the whole request.

Exit codes: 0 ALLOW, 1 DENY, 2 CONDITIONAL, 3 bad input.`,
		Example: `  keyhound can --snapshot org.json arn:aws:sts::222222222222:assumed-role/Reader/r kms:Decrypt alias/app --region us-east-1
  keyhound can --snapshot org.json --json --encryption-context app=billing ROLE_ARN kms:Decrypt KEY_ARN`,
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			action, err := canAction(args[1])
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			g, err := loadGraphChanged(snapPath, change, modeFor(args[2]), cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			q := graph.Query{Principal: args[0], Action: action, Resource: args[2], Region: region, ContextComplete: complete, ChainDepth: queryDepth(chainDepth)}
			if q.Context, err = parseContext(ctxKV, absent); err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if len(ecKV) > 0 {
				q.EncryptionContext = map[string]string{}
				for _, kv := range ecKV {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || k == "" {
						return &exitError{code: exitBadInput, err: fmt.Errorf("--encryption-context %q: want KEY=VALUE", kv)}
					}
					q.EncryptionContext[k] = v
				}
			}
			a, err := g.Can(q)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				err = writeJSON(out, a)
			} else {
				err = graph.WriteAnswer(out, a)
			}
			if err != nil {
				return err
			}
			return verdictExit(a.Decision)
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed)")
	change.add(cmd)
	f.StringVar(&region, "region", "", "Region for a key ID or alias name")
	f.BoolVar(&asJSON, "json", false, "print the answer as JSON (docs/cli.md)")
	f.BoolVar(&complete, "context-complete", false, "the given context is the whole request: keys not given are absent")
	f.StringArrayVar(&ctxKV, "context", nil, "request-context key KEY=VALUE (repeat; a repeated key is multi-valued)")
	f.StringArrayVar(&absent, "absent", nil, "request-context key known to be absent from the request (repeat)")
	f.StringArrayVar(&ecKV, "encryption-context", nil, "encryption-context pair KEY=VALUE (repeat); makes the encryption context known")
	f.IntVar(&chainDepth, "chain-depth", graph.DefaultChainDepth, "follow role chains (sts:AssumeRole) up to this many hops; 0: the principal only")
	return cmd
}

// parseContext reads KEY=VALUE pairs (a repeated key is multi-valued) and
// keys known to be absent.
func parseContext(kvs, absent []string) (map[string][]string, error) {
	ctx := map[string][]string{}
	for _, kv := range kvs {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("--context %q: want KEY=VALUE", kv)
		}
		ctx[k] = append(ctx[k], v)
	}
	for _, k := range absent {
		if _, ok := ctx[k]; ok {
			return nil, fmt.Errorf("--absent %s: the key is also given with --context", k)
		}
		ctx[k] = nil
	}
	return ctx, nil
}

// verdictExit maps a verdict to the commands' exit codes.
func verdictExit(v eval.Verdict) error {
	switch v {
	case eval.Allow:
		return nil
	case eval.Conditional:
		return &exitError{code: exitConditional}
	default:
		return &exitError{code: exitDeny}
	}
}
