package graph

import (
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph/eval"
)

// WriteAnswer writes an answer for people: the evaluator's explanation, then
// the snapshot's gaps the answer depends on.
func WriteAnswer(w io.Writer, a *Answer) error {
	if a.Decision != a.DirectDecision {
		if _, err := fmt.Fprintf(w, "%s  through a role chain (as itself: %s)\n", a.Decision, a.DirectDecision); err != nil {
			return err
		}
		for _, p := range a.Paths {
			if _, err := fmt.Fprintf(w, "  %-11s %s\n", p.Decision, strings.Join(p.Via, " → ")); err != nil {
				return err
			}
		}
		if _, err := fmt.Fprintln(w, "\nas itself:"); err != nil {
			return err
		}
	}
	if len(a.Steps) > 0 {
		if err := writeSteps(w, a); err != nil {
			return err
		}
	} else {
		d := &eval.Decision{Verdict: a.DirectDecision, DeniedBy: a.DeniedBy, Reasons: a.Reasons, Conditions: a.Conditions}
		if err := eval.WriteText(w, a.Request, d); err != nil {
			return err
		}
	}
	if err := writeEndpoints(w, a.Endpoints); err != nil {
		return err
	}
	if len(a.Unknowns) == 0 {
		return nil
	}
	if _, err := fmt.Fprintln(w, "\nthe snapshot does not tell (the answer cannot be more certain):"); err != nil {
		return err
	}
	for _, u := range a.Unknowns {
		if _, err := fmt.Fprintf(w, "  ? %s\n", u); err != nil {
			return err
		}
	}
	return nil
}

// writeSteps explains a resource answer step by step: the resource's own
// permission, then each KMS call its service makes for the caller.
func writeSteps(w io.Writer, a *Answer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s → %s on %s: needs all of\n", a.DirectDecision, a.Principal, a.Action, a.Resource)
	for i, st := range a.Steps {
		via := ""
		if st.ViaService != "" {
			via = " via " + st.ViaService
		}
		fmt.Fprintf(&b, "  %d. %-11s %s on %s%s\n", i+1, st.Decision, st.Action, st.Resource, via)
		if st.Note != "" {
			fmt.Fprintf(&b, "     note: %s\n", st.Note)
		}
	}
	for i, st := range a.Steps {
		if st.request == nil {
			continue
		}
		fmt.Fprintf(&b, "\nstep %d:\n", i+1)
		d := &eval.Decision{Verdict: st.Decision, DeniedBy: st.DeniedBy, Reasons: st.Reasons, Conditions: st.Conditions}
		var sb strings.Builder
		if err := eval.WriteText(&sb, st.request, d); err != nil {
			return err
		}
		for _, line := range strings.Split(strings.TrimRight(sb.String(), "\n"), "\n") {
			if line == "" {
				b.WriteString("\n")
			} else {
				b.WriteString("  " + line + "\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
