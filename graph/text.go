package graph

import (
	"fmt"
	"io"

	"github.com/keyhound/keyhound/graph/eval"
)

// WriteAnswer writes an answer for people: the evaluator's explanation, then
// the snapshot's gaps the answer depends on.
func WriteAnswer(w io.Writer, a *Answer) error {
	d := &eval.Decision{Verdict: a.Decision, DeniedBy: a.DeniedBy, Reasons: a.Reasons, Conditions: a.Conditions}
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
