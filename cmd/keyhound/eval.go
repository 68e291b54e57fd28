package main

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/evalbatch"
	"github.com/keyhound/keyhound/graph/eval"
)

func newEvalCmd() *cobra.Command {
	var asJSON, jsonl bool
	cmd := &cobra.Command{
		Use:   "eval [FILE|-]",
		Short: "Evaluate one authorization request given as JSON, or a stream of them",
		Long: `Evaluate one AWS authorization request (principal, action, resource, context and
every policy that applies) exactly as AWS does, and explain the verdict.
The input format is documented in docs/eval.md; examples are in examples/.

With --jsonl, read one request per line and write one answer per line, in
order: the --json decision, or an error object {"line", "error", "path"} for a
line that is not a valid request; a blank line gives a blank line.

Exit codes: 0 ALLOW, 1 DENY, 2 CONDITIONAL, 3 bad input.
With --jsonl: 0 when every line got a decision, 3 when any line got an error
object (or the input could not be read).`,
		Example: `  keyhound eval examples/cross-account-decrypt.json
  keyhound eval --json examples/conditional-encryption-context.json
  cat request.json | keyhound eval -
  keyhound eval --jsonl requests.jsonl > answers.jsonl`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if jsonl {
				return runEvalJSONL(cmd, args)
			}
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
	cmd.Flags().BoolVar(&jsonl, "jsonl", false, "read one request per line and print one JSON answer per line, in order (docs/eval.md)")
	return cmd
}

// runEvalJSONL answers a stream of requests, one per line (docs/eval.md,
// "Batch evaluation").
func runEvalJSONL(cmd *cobra.Command, args []string) error {
	in := cmd.InOrStdin()
	if len(args) == 1 && args[0] != "-" {
		f, err := os.Open(args[0])
		if err != nil {
			return &exitError{code: exitBadInput, err: fmt.Errorf("read requests: %w", err)}
		}
		defer func() { _ = f.Close() }()
		in = f
	}
	sum, err := evalbatch.Run(cmd.Context(), in, cmd.OutOrStdout(), evalbatch.Options{})
	if err != nil {
		return &exitError{code: exitBadInput, err: err}
	}
	if sum.Errors > 0 {
		return &exitError{code: exitBadInput, err: fmt.Errorf("%d of %d requests were bad input (see the error objects on their lines)", sum.Errors, sum.Errors+sum.Answered)}
	}
	return nil
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
