package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph/eval"
)

func newEvalCmd() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "eval [FILE|-]",
		Short: "Evaluate one authorization request given as JSON",
		Long: `Evaluate one AWS authorization request (principal, action, resource, context and
every policy that applies) exactly as AWS does, and explain the verdict.
The input format is documented in docs/eval.md; examples are in examples/.

Exit codes: 0 ALLOW, 1 DENY, 2 CONDITIONAL, 3 bad input.`,
		Example: `  keyhound eval examples/cross-account-decrypt.json
  keyhound eval --json examples/conditional-encryption-context.json
  cat request.json | keyhound eval -`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			data, err := readInput(cmd.InOrStdin(), args)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			req, err := eval.ParseRequest(data)
			if err != nil {
				return &exitError{code: exitBadInput, err: fmt.Errorf("bad request: %w", err)}
			}
			d, err := eval.Evaluate(req)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			out := cmd.OutOrStdout()
			if asJSON {
				err = writeJSON(out, d)
			} else {
				err = eval.WriteText(out, req, d)
			}
			if err != nil {
				return err
			}
			return verdictExit(d.Verdict)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the decision as JSON: {decision, denied_by, reasons, conditions}")
	return cmd
}

// readInput reads the named file, or standard input for "-" or no argument.
func readInput(stdin io.Reader, args []string) ([]byte, error) {
	if len(args) == 0 || args[0] == "-" {
		data, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if err != nil {
			return nil, fmt.Errorf("read standard input: %w", err)
		}
		return data, nil
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return nil, fmt.Errorf("read request: %w", err)
	}
	return data, nil
}
