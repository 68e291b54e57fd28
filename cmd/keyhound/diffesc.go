package main

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
)

// writeEscalations is diff --escalation's section of the text report: the
// escalation changes by account and key, one line each, with the path as
// who-can --escalation says it.
func writeEscalations(b *strings.Builder, r *diff.Report, cur, old *graph.Graph) {
	if len(r.Escalations) == 0 {
		return
	}
	b.WriteString("\nescalation paths\n")
	account, key := "", ""
	for _, c := range r.Escalations {
		if c.KeyAccount != account {
			account, key = c.KeyAccount, ""
			fmt.Fprintf(b, "account %s\n", accountName(cur, account))
		}
		if c.Key != key {
			key = c.Key
			fmt.Fprintf(b, "  %s\n", keyLabel(key, cur, old))
		}
		mark, what, how := "~", c.Old+" → "+c.New, "can gain access: "
		switch c.Change {
		case diff.NewEscalation:
			mark, what = "+", c.New
		case diff.RemovedEscalation:
			mark, what, how = "-", "was "+c.Old, "could gain access: "
		case diff.AccessToEscalation:
			what, how = "access "+c.Old+" → path", "lost its access, can gain it back: "
		case diff.EscalationToAccess:
			what, how = "path → access "+c.New, "can use the key now; its path was: "
		}
		who := c.Principal
		if c.External {
			who += " (external)"
		}
		fmt.Fprintf(b, "    %s %-22s %s  %s  %s%s\n", mark, what, who, c.Action, how, c.Text)
	}
}

// keyLabel is a key's ARN with its first alias, from either snapshot.
func keyLabel(id string, cur, old *graph.Graph) string {
	for _, g := range []*graph.Graph{cur, old} {
		if k := g.Key(id); k != nil && len(k.Aliases) > 0 {
			return id + " (" + k.Aliases[0] + ")"
		}
	}
	return id
}

// accountName is an account's name and ID, or its ID.
func accountName(g *graph.Graph, account string) string {
	if g.Org != nil {
		if n := g.Org.Name(account); n != "" && n != account {
			return n + " (" + account + ")"
		}
	}
	return account
}
