package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/eval"
)

func newDeniedCmd() *cobra.Command {
	var (
		snapPath     string
		trailPath    string
		since, until string
		aws          trailAWS
		o            graph.DeniedOptions
		asJSON       bool
		limit        int
	)
	cmd := &cobra.Command{
		Use:   `denied ["MESSAGE"] [--snapshot FILE]`,
		Short: "Explain an AccessDenied error: the failing layer and the smallest fix",
		Long: `Paste the AccessDenied error your application logged — the bare message, AWS CLI
output, an SDK error (Go, Python, Java, JavaScript), a JSON or XML error body, or a
CloudTrail event — as the argument or on standard input. keyhound parses it,
evaluates the request against the snapshot, names the layers that deny it (AWS
names only one) with the deciding statements, says whether it agrees with the
message and what could explain it if not, and proposes the smallest fix as
ready-to-apply JSON with its AWS CLI command, or the remedy when no policy change
can help (an AWS managed key across accounts, a disabled key).

Services that report a KMS failure in their own words (RDS KMSKeyNotAccessibleFault,
Lambda KMSAccessDeniedException, SQS KmsAccessDenied, SNS KMSAccessDenied, Secrets
Manager "Access to KMS is not allowed", DynamoDB "KMS key access denied error", S3 and
EC2 KMS.* codes) are answered by the KMS calls the service makes for the caller,
through the service (kms:ViaService).

Where the message hides the caller or the key, give --principal, --key, or the
resource the call was about (--resource: its key is used, through its service).
An operation several services have (TagResource) needs --service.

Exit codes, as for can: 0 the request would now be allowed, 1 denied, 2
conditional, 3 bad input (and 0 when the message is only parsed, without
--snapshot).`,
		Example: `  keyhound denied --snapshot org.json.gz "User: arn:aws:iam::222222222222:user/dilip is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/… because no identity-based policy allows the kms:Decrypt action"
  pbpaste | keyhound denied --snapshot @demo --json
  keyhound denied --snapshot @demo --principal arn:aws:iam::222222222222:user/dilip --resource arn:aws:s3:::kh-demo-legacy-exports "User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action"`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if trailPath != "" {
				to, err := window(since, until, "", time.Now())
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				return runDeniedTrail(cmd, snapPath, trailPath, to, &aws, asJSON, limit)
			}
			text := strings.Join(args, " ")
			if text == "" || text == "-" {
				if readerIsTerminal(cmd.InOrStdin()) {
					_, _ = fmt.Fprintln(cmd.ErrOrStderr(), "keyhound: waiting for the AccessDenied message on standard input: paste it, then press Ctrl-D on a new line (or pass it as an argument)")
				}
				data, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), accessdenied.MaxLen+1))
				if err != nil {
					return &exitError{code: exitBadInput, err: fmt.Errorf("read the message: %w", err)}
				}
				text = string(data)
			}
			m, err := accessdenied.Parse(text)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if snapPath == "" {
				if asJSON {
					return writeJSON(cmd.OutOrStdout(), map[string]any{"message": m})
				}
				return writeParsed(cmd.OutOrStdout(), m, true)
			}
			// A KMS action keyhound does not know (a typo in a pasted
			// message) would be "denied" by every policy: refuse it as
			// who-can and can do. Other services' actions are ExplainDenied's
			// to refuse, as keyhound knows only some of them.
			if strings.HasPrefix(strings.ToLower(m.Action), "kms:") {
				if _, err := graph.KnownActions().Resolve(m.Action); err != nil {
					return &exitError{code: exitBadInput, err: fmt.Errorf("the message's action: %w", err)}
				}
			}
			g, err := loadGraphAs(snapPath, modeFor(m.Resource), cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			rep, err := g.ExplainDenied(m, o)
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			if asJSON {
				err = writeJSON(cmd.OutOrStdout(), rep)
			} else {
				err = writeDenied(cmd.OutOrStdout(), rep)
			}
			if err != nil {
				return err
			}
			// As can: 0 the request would now be allowed, 1 denied, 2 conditional.
			return verdictExit(rep.Decision)
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file to evaluate against, or @demo (without one: the message, parsed)")
	f.StringVar(&o.Principal, "principal", "", "the caller, when the message hides it (User: ***)")
	f.StringVar(&o.Key, "key", "", "the key, when the message hides it (KMS's 'on this resource')")
	f.StringVar(&o.Resource, "resource", "", "the resource the call was about (bucket, secret, snapshot): its key, through its service")
	f.StringVar(&o.ViaService, "via", "", "kms:ViaService of the KMS call, e.g. s3.us-east-1.amazonaws.com")
	f.StringVar(&o.Service, "service", "", "the service called (its IAM prefix: rds, sqs, …), when the message names an operation several services have")
	f.StringVar(&trailPath, "cloudtrail", "", "explain every AccessDenied or KMS error event in these CloudTrail events (a file, a directory or s3://bucket/prefix, as usage reads) and group them by root cause")
	f.StringVar(&since, "since", "", "with --cloudtrail: keep events at or after this date, time or age (30d)")
	f.StringVar(&until, "until", "", "with --cloudtrail: keep events before this date, time or age")
	f.IntVar(&limit, "limit", defaultLimit, "with --cloudtrail: list at most this many groups (0: all); --json lists all unless given")
	aws.register(f)
	f.BoolVar(&asJSON, "json", false, "print {message, request, decision, denied_by, reasons, message_layer, agrees_with_message, also_denying, explanations, fixes} as JSON")
	return cmd
}

func writeParsed(w io.Writer, m *accessdenied.Message, hint bool) error {
	var b strings.Builder
	src := m.Source
	if m.Exception != "" {
		src = m.Exception + " (" + m.Source + ")"
	}
	fmt.Fprintf(&b, "message   %s · %s\n", src, m.Kind)
	if m.Principal != "" {
		fmt.Fprintf(&b, "caller    %s\n", m.Principal)
	}
	if m.Action != "" {
		fmt.Fprintf(&b, "action    %s\n", m.Action)
	}
	switch {
	case m.Resource != "":
		fmt.Fprintf(&b, "resource  %s\n", m.Resource)
	case m.ResourceHidden:
		b.WriteString("resource  hidden by the message (give --key or --resource)\n")
	}
	if m.PolicyType != "" {
		if m.Kind == accessdenied.KindExplicit {
			fmt.Fprintf(&b, "AWS says  an explicit deny in a %s", m.PolicyType)
		} else {
			fmt.Fprintf(&b, "AWS says  no %s allows it", m.PolicyType)
		}
		if m.Transitive != "" {
			fmt.Fprintf(&b, ", transitively through a %s", m.Transitive)
		}
		b.WriteString("\n")
	}
	if m.KeyState != "" {
		fmt.Fprintf(&b, "key state %s\n", m.KeyState)
	}
	if m.Kind == accessdenied.KindServiceKMS {
		fmt.Fprintf(&b, "AWS says  %s could not use the KMS key (%s)", serviceLabel(m.Service), m.KMSCause)
		if m.KMSAction != "" {
			fmt.Fprintf(&b, " for %s", m.KMSAction)
		}
		b.WriteString("\n")
		switch {
		case m.KMSKey != "":
			fmt.Fprintf(&b, "key       %s\n", m.KMSKey)
		case hint:
			b.WriteString("key       not named by the message (give --key or --resource)\n")
		}
		if m.KMS != nil {
			fmt.Fprintf(&b, "KMS said  %s\n", m.KMS.Text)
		}
	}
	if len(m.Services) > 1 {
		fmt.Fprintf(&b, "service   unknown: %s is an operation of %s (give --service)\n", m.Operation, strings.Join(m.Services, ", "))
	}
	if hint {
		b.WriteString("\nGive --snapshot FILE (or @demo) to evaluate it: the layers that deny, and the smallest fix.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDenied(w io.Writer, rep *graph.DeniedReport) error {
	if err := writeParsed(w, rep.Message, false); err != nil {
		return err
	}
	var b strings.Builder
	r := rep.Request
	if len(r.KMSCalls) > 0 {
		fmt.Fprintf(&b, "\nrequest   %s → %s: %s on %s", r.Principal, r.Action, strings.Join(r.KMSCalls, ", "), r.Resource)
	} else {
		fmt.Fprintf(&b, "\nrequest   %s → %s on %s", r.Principal, r.Action, r.Resource)
	}
	if r.ViaService != "" {
		fmt.Fprintf(&b, " via %s", r.ViaService)
	}
	b.WriteString("\n")
	verdict := rep.Decision.String()
	if len(rep.DeniedBy) > 0 {
		var parts []string
		for _, d := range rep.DeniedBy {
			kind := "implicit"
			if d.Explicit {
				kind = "explicit deny"
			}
			parts = append(parts, d.Layer.String()+" ("+kind+")")
		}
		if rep.Decision == eval.Conditional {
			verdict += ": depends on the request at " + strings.Join(parts, ", ")
		} else {
			verdict += ": denied by " + strings.Join(parts, ", ")
		}
	}
	fmt.Fprintf(&b, "keyhound  %s\n", verdict)
	switch {
	case rep.AgreesWithMessage && rep.Decision == eval.Deny:
		b.WriteString("          ✓ agrees with the message\n")
	case rep.Decision == eval.Conditional:
		b.WriteString("          ? the message fits if the request was as below\n")
	case rep.Decision != eval.Deny:
		b.WriteString("          ✗ disagrees with the message\n")
	}
	if len(rep.AlsoDenying) > 0 {
		fmt.Fprintf(&b, "also      denying: %s (AWS names one layer only)\n", strings.Join(rep.AlsoDenying, ", "))
	}
	first := true
	for _, rs := range rep.Reasons {
		if rs.Outcome != eval.OutcomeDenies && rs.Outcome != eval.OutcomeNoAllow && rs.Outcome != eval.OutcomeBlocked {
			continue
		}
		label := "deciding"
		if !first {
			label = ""
		}
		first = false
		fmt.Fprintf(&b, "%-9s %s %s %s\n", label, rs.Glyph(), rs.Layer, rs.Text())
	}
	for _, st := range rep.Steps {
		if st.Decision == eval.Allow {
			continue
		}
		fmt.Fprintf(&b, "step      %s %s on %s", st.Decision, st.Action, st.Resource)
		if st.ViaService != "" {
			fmt.Fprintf(&b, " via %s", st.ViaService)
		}
		b.WriteString("\n")
	}
	for _, e := range rep.Explanations {
		fmt.Fprintf(&b, "          %s\n", e)
	}
	if len(rep.Fixes) > 0 {
		b.WriteString("\nsmallest fix\n")
		for _, f := range rep.Fixes {
			mark := "+"
			switch {
			case f.NoPolicyFix:
				mark = "!"
			case f.Alternative:
				mark = "or"
			}
			fmt.Fprintf(&b, "  %s %s\n", mark, f.Summary)
			if f.Where != "" && !f.NoPolicyFix {
				fmt.Fprintf(&b, "    in %s (account %s)\n", f.Where, f.Account)
			}
			if f.Command != "" {
				fmt.Fprintf(&b, "    $ %s\n", f.Command)
			}
			for _, l := range f.FileLines() {
				fmt.Fprintf(&b, "    %s\n", l)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// serviceLabel names a service in text: its IAM prefix, or "the service".
func serviceLabel(svc string) string {
	if svc == "" {
		return "the service"
	}
	return svc
}

// readerIsTerminal reports whether r is a terminal: the message is then
// typed or pasted, and keyhound says it is waiting for it.
func readerIsTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(f.Fd())
}
