// Command keyhound answers, across an AWS Organization, who can decrypt what
// with which KMS key, and why.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
)

func main() {
	setGCBase(oneShot) // one command's run; the TUI sets its own (loadgc.go)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the CLI and returns the process exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	defer startProfile(stderr)()
	cmd := newRootCmd()
	defer func() { noCache = false }() // the flag is this run's
	cmd.SetArgs(args)
	cmd.SetIn(stdin)
	cmd.SetOut(stdout)
	cmd.SetErr(stderr)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// Interrupted (SIGINT): what the command was doing stopped, and
		// said so; a file it was writing is left as it was.
		_, _ = fmt.Fprintln(stderr, "keyhound:", err)
		return exitInterrupted
	}
	var ex *exitError
	if errors.As(err, &ex) {
		if ex.err != nil {
			_, _ = fmt.Fprintln(stderr, "keyhound:", ex.err)
		}
		return ex.code
	}
	_, _ = fmt.Fprintln(stderr, "keyhound:", err)
	return exitBadInput
}

// Exit codes shared by the commands that give verdicts.
const (
	exitAllow       = 0
	exitDeny        = 1
	exitConditional = 2
	exitBadInput    = 3
	// exitInterrupted is a run stopped by SIGINT (128 + 2, as shells give).
	exitInterrupted = 130
)

// exitError carries an exit code out of a command; err, if set, is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err != nil {
		return e.err.Error()
	}
	return fmt.Sprintf("exit %d", e.code)
}

func (e *exitError) Unwrap() error { return e.err }
