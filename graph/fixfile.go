package graph

import (
	"encoding/json"
	"strings"
)

// FileJSON is the JSON to show with the fix: what its Command reads from the
// file:// it names. That is the whole policy document when the command takes
// one (put-user-policy, put-role-policy, put-key-policy and update-policy all
// replace or create a whole policy, never a single statement), else the
// statement to add (nil when the fix has neither). The CLI's text output and
// the TUI both print this, so they show the same document.
func (f Fix) FileJSON() json.RawMessage {
	if len(f.Document) > 0 && strings.Contains(f.Command, "file://") {
		return f.Document
	}
	return f.Statement
}

// FileLines is FileJSON split into lines, without empty ones, for text output.
func (f Fix) FileLines() []string {
	var out []string
	for _, l := range strings.Split(string(f.FileJSON()), "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}
