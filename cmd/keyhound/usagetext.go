package main

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/usage"
	"github.com/keyhound/keyhound/internal/plural"
)

// defaultLimit is how many entries `usage` and `denied --cloudtrail` list
// per section: a month of a large organization has a hundred thousand.
const defaultLimit = 20

// firstN is s's first n elements (all when n is 0 or less).
func firstN[S ~[]E, E any](s S, n int) S {
	if n <= 0 || len(s) <= n {
		return s
	}
	return s[:n]
}

// more says how many entries a section left out.
func more(b *strings.Builder, indent string, left int, what string) {
	if left <= 0 {
		return
	}
	if left > 1 {
		what += "s"
	}
	fmt.Fprintf(b, "%s… and %d more %s (--limit 0 for all)\n", indent, left, what)
}

// busiest is the limit uses with the most calls, in the report's order
// (by key, principal, operation).
func busiest(uses []usage.Use, limit int) []usage.Use {
	if limit <= 0 || len(uses) <= limit {
		return uses
	}
	idx := make([]int, len(uses))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return cmp.Compare(uses[b].Count, uses[a].Count) })
	idx = idx[:limit]
	slices.Sort(idx)
	out := make([]usage.Use, len(idx))
	for i, x := range idx {
		out[i] = uses[x]
	}
	return out
}

func writeUsage(w io.Writer, g *graph.Graph, r *usage.Report, limit int) error {
	var b strings.Builder
	s := r.Stats
	fmt.Fprintf(&b, "%d events (%d KMS, %d other services)", s.Events, s.KMS, s.Other)
	if s.Events > 0 {
		fmt.Fprintf(&b, " from %s to %s", day(s.First), day(s.Last))
	}
	fmt.Fprintf(&b, "; %d failed KMS calls, %d with keys not in the snapshot\n", s.Failed, s.KeyUnknown)

	uses := busiest(r.Uses, limit)
	fmt.Fprintf(&b, "\nused: %d (principal, key, operation)", len(r.Uses))
	if len(uses) < len(r.Uses) {
		fmt.Fprintf(&b, "; the %d busiest", len(uses))
	}
	b.WriteString("\n")
	key := ""
	for _, u := range uses {
		if u.Key != key {
			key = u.Key
			fmt.Fprintf(&b, "  %s\n", keyName(g, key))
		}
		fmt.Fprintf(&b, "    %-34s %s  %s  %s – %s%s\n", u.Action, u.Principal, plural.Count(u.Count, "call"), day(u.First), day(u.Last), viaText(u))
	}
	more(&b, "  ", len(r.Uses)-len(uses), "use")

	fmt.Fprintf(&b, "\nunused access: %d (ALLOW or CONDITIONAL, no call in the window) — what to cut\n", len(r.Unused))
	key, account := "", ""
	for _, e := range firstN(r.Unused, limit) {
		if e.Key != key {
			key, account = e.Key, ""
			fmt.Fprintf(&b, "  %s\n", keyName(g, key))
		}
		if e.Account != account || account == "" {
			account = e.Account
			if account == "" {
				fmt.Fprintf(&b, "    anyone (a statement names \"*\")\n")
			} else {
				fmt.Fprintf(&b, "    account %s\n", account)
			}
		}
		fmt.Fprintf(&b, "      %-11s %s  %s\n", e.Decision, e.Principal, strings.Join(e.Actions, ", "))
		if len(e.Because) > 0 {
			fmt.Fprintf(&b, "                  given by %s\n", strings.Join(e.Because, "; "))
		}
	}
	more(&b, "  ", len(r.Unused)-len(firstN(r.Unused, limit)), "unused access edge")

	fmt.Fprintf(&b, "\ngrants never used: %d (KMS does not log which grant allowed a call: a grant counts as used when its grantee made one of its operations on its key)\n", len(r.UnusedGrants))
	for _, gr := range firstN(r.UnusedGrants, limit) {
		name := ""
		if gr.Name != "" {
			name = " (" + gr.Name + ")"
		}
		fmt.Fprintf(&b, "  %s grant %s%s to %s: %s\n", keyName(g, gr.Key), gr.GrantID, name, gr.Grantee, strings.Join(gr.Operations, ", "))
	}
	more(&b, "  ", len(r.UnusedGrants)-len(firstN(r.UnusedGrants, limit)), "grant")

	fmt.Fprintf(&b, "\nkeys with no call in the window: %d\n", len(r.UnusedKeys))
	for _, k := range firstN(r.UnusedKeys, limit) {
		last := "GetKeyLastUsage not collected"
		switch lu := k.LastUsage; {
		case lu != nil && lu.Timestamp != "":
			last = "GetKeyLastUsage: " + lu.Operation + " at " + lu.Timestamp
		case lu != nil:
			last = "GetKeyLastUsage: no use since tracking began"
		}
		fmt.Fprintf(&b, "  %s  %s  %s\n", keyName(g, k.Key), k.State, last)
	}
	more(&b, "  ", len(r.UnusedKeys)-len(firstN(r.UnusedKeys, limit)), "key")

	writeUnexplained(&b, g, r.Unexplained, limit)
	_, err := io.WriteString(w, b.String())
	return err
}

// examplesShown is how many uses of an unexplained group the text lists
// (--json and --limit 0 give all the group keeps).
const examplesShown = 3

func writeUnexplained(b *strings.Builder, g *graph.Graph, groups []usage.Unexplained, limit int) {
	uses := 0
	for _, u := range groups {
		uses += u.Uses
	}
	fmt.Fprintf(b, "\nused but not explained by the snapshot: %s in %s, busiest first\n", plural.Count(uses, "use"), plural.Count(len(groups), "group"))
	for _, u := range firstN(groups, limit) {
		how := "directly"
		if u.ViaService != "" {
			how = "through " + u.ViaService
		}
		fmt.Fprintf(b, "  %s %s: %s on %s, %s – %s\n", u.Principal, how, plural.Count(u.Calls, "call"), plural.Form(u.Uses, "(key, operation)", "(key, operation) pairs"), day(u.First), day(u.Last))
		if u.Error != "" {
			fmt.Fprintf(b, "    keyhound cannot answer: %s\n", u.Error)
		} else {
			fmt.Fprintf(b, "    keyhound: DENY by %s: %s — a stale snapshot, a path keyhound does not model, or a finding\n", u.Layer, u.Statement)
		}
		shown := u.Examples
		if limit > 0 {
			shown = firstN(shown, examplesShown)
		}
		for _, x := range shown {
			fmt.Fprintf(b, "    %-34s %s  %s  %s – %s\n", x.Action, keyName(g, x.Key), plural.Count(x.Calls, "call"), day(x.First), day(x.Last))
		}
		more(b, "    ", u.Uses-len(shown), "use")
	}
	more(b, "  ", len(groups)-len(firstN(groups, limit)), "group")
}

func viaText(u usage.Use) string {
	var parts []string
	for _, v := range u.Via {
		parts = append(parts, v.Service+" "+strconv.Itoa(v.Count))
	}
	if len(parts) == 0 {
		return ""
	}
	return "  via " + strings.Join(parts, ", ")
}

// writeDenialGroups is `denied --cloudtrail`'s text: the limit most
// frequent groups.
func writeDenialGroups(w io.Writer, g *graph.Graph, groups []usage.DenialGroup, limit int) error {
	var b strings.Builder
	n := 0
	for _, gr := range groups {
		n += gr.Count
	}
	fmt.Fprintf(&b, "%d denials in %d groups, most frequent first\n", n, len(groups))
	for _, gr := range firstN(groups, limit) {
		fmt.Fprintf(&b, "\n%d × %s by %s", gr.Count, gr.Action, gr.Principal)
		if gr.Key != "" {
			fmt.Fprintf(&b, " on %s", keyName(g, gr.Key))
		}
		fmt.Fprintf(&b, "\n  %s: %s\n", gr.Layer, gr.Statement)
		if gr.Fix != "" {
			fmt.Fprintf(&b, "  fix: %s\n", gr.Fix)
		}
		if gr.Error != "" {
			fmt.Fprintf(&b, "  %s\n", gr.Error)
		}
		fmt.Fprintf(&b, "  %s – %s · %s\n", day(gr.First), day(gr.Last), strings.Join(gr.Codes, ", "))
	}
	if left := len(groups) - len(firstN(groups, limit)); left > 0 {
		b.WriteString("\n")
		more(&b, "", left, "group")
	}
	_, err := io.WriteString(w, b.String())
	return err
}
