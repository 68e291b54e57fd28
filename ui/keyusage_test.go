package ui

import (
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The key header says when the key was last used (GetKeyLastUsage), that
// it was not used since tracking began ({}), or nothing when not collected.
func TestKeyHeaderLastUsed(t *testing.T) {
	for _, tc := range []struct {
		usage *snapshot.KeyLastUsageData
		want  string
	}{
		{nil, ""},
		{&snapshot.KeyLastUsageData{}, " · not used since tracking began"},
		{&snapshot.KeyLastUsageData{Operation: "Decrypt", Timestamp: "2026-11-20T08:15:00Z"}, " · last used 2026-11-20T08:15:00Z (Decrypt)"},
	} {
		if got := lastUsed(&graph.Key{LastUsage: tc.usage}); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.usage, got, tc.want)
		}
	}
}
