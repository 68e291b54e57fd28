package main

import (
	"encoding/json"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/internal/plural"
)

// writeJSON writes v as indented JSON, the form every --json output takes.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// answerNotes says, in a table cell, how an answer comes about: the role
// chain, the conditions it depends on, and what the snapshot does not tell.
func answerNotes(paths []graph.Path, conditions []eval.Residual, unknowns []graph.Issue) []string {
	var notes []string
	if len(paths) > 0 && len(paths[0].Via) > 1 {
		notes = append(notes, "via "+strings.Join(paths[0].Via[1:], " → "))
	}
	for _, cl := range eval.Clauses(conditions) {
		notes = append(notes, cl.Text())
	}
	if len(unknowns) > 0 {
		notes = append(notes, plural.Count(len(unknowns), "unknown"))
	}
	return notes
}

// queryDepth maps the --chain-depth flag (0: the principal only) to
// graph.Query.ChainDepth (0 means the default there; negative, none).
func queryDepth(flag int) int {
	if flag <= 0 {
		return -1
	}
	return flag
}
