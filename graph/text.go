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
	d := &eval.Decision{Verdict: a.DirectDecision, DeniedBy: a.DeniedBy, Reasons: a.Reasons, Conditions: a.Conditions}
	if err := eval.WriteText(w, a.Request, d); err != nil {
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
