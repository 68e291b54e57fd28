package report

import (
	"strings"

	"github.com/keyhound/keyhound/baseline"
)

// Targets locates items by what a change source (a plan, a change file)
// changes: the ARN of each key, principal, role, resource or managed
// policy it changes, and the ID of each SCP or RCP, with where that change
// is written. An access item is located at the first of its causes whose
// policy the source changed, else at its key, resource or principal; a
// finding at what it is about.
type Targets map[string]Source

// Locate implements Locator.
func (t Targets) Locate(it baseline.Item) (Source, bool) {
	var ids []string
	if it.Access != nil {
		for _, c := range it.Access.Causes {
			ids = append(ids, causeTarget(c.Where))
		}
	}
	if it.Found != nil {
		for _, e := range it.Found.Evidence {
			ids = append(ids, e.PolicyARN)
		}
	}
	ids = append(ids, it.Key, it.Resource, it.Principal)
	for _, id := range ids {
		if s, ok := t[id]; ok && id != "" {
			return s, true
		}
	}
	return Source{}, false
}

// causeTarget is what a cause's policy belongs to: the ARN in "key policy
// of ARN", "identity policy NAME of ARN", "grants of ARN"…, or the ID in
// "SCP ID (NAME)" and "RCP ID (NAME)".
func causeTarget(where string) string {
	if rest, ok := strings.CutPrefix(where, "SCP "); ok {
		return strings.Fields(rest + " ")[0]
	}
	if rest, ok := strings.CutPrefix(where, "RCP "); ok {
		return strings.Fields(rest + " ")[0]
	}
	if i := strings.LastIndex(where, " of "); i >= 0 {
		return where[i+len(" of "):]
	}
	return ""
}
