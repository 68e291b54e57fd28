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
	if via := viaNote(paths); via != "" {
		notes = append(notes, via)
	}
	notes = append(notes, conditionNotes(conditions)...)
	if u := unknownsNote(unknowns); u != "" {
		notes = append(notes, u)
	}
	return notes
}

// viaNote is answerNotes' note of the role chain of an answer's first
// path, "" when it has none.
func viaNote(paths []graph.Path) string {
	if len(paths) > 0 && len(paths[0].Via) > 1 {
		return "via " + strings.Join(paths[0].Via[1:], " → ")
	}
	return ""
}

// conditionNotes are answerNotes' notes of an answer's conditions, a
// clause each.
func conditionNotes(conditions []eval.Residual) []string {
	var notes []string
	for _, cl := range eval.Clauses(conditions) {
		notes = append(notes, cl.Text())
	}
	return notes
}

// unknownsNote is answerNotes' note of what an answer does not know, ""
// when nothing.
func unknownsNote(unknowns []graph.Issue) string {
	if len(unknowns) > 0 {
		return plural.Count(len(unknowns), "unknown")
	}
	return ""
}

// queryDepth maps the --chain-depth flag (0: the principal only) to
// graph.Query.ChainDepth (0 means the default there; negative, none).
func queryDepth(flag int) int {
	if flag <= 0 {
		return -1
	}
	return flag
}
