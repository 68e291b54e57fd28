package main

import (
	"cmp"
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// writeSkips lists the Regions a scan skipped because SCPs deny them, one
// line each, apart from the errors: they are no failure, but what they
// hold is unknown.
func writeSkips(w io.Writer, skips []snapshot.AccountSkip) error {
	if len(skips) == 0 {
		return nil
	}
	rows := []string{"keyhound: Regions skipped, denied by SCP (not errors; their resources are unknown):"}
	for _, k := range skips {
		what := cmp.Or(strings.TrimSpace(k.Service+" "+k.Operation), "every service")
		rows = append(rows, fmt.Sprintf("  %s\t%s\t%s\t%s", k.Account, k.Region, what, cmp.Or(strings.Join(k.Policies, ", "), "(policy not named)")))
	}
	return writeTable(w, rows)
}
