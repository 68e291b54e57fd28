package main

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/baseline"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/internal/plural"
)

// gate is one --fail-on value of keyhound diff.
type gate struct {
	name string // as given: "new-access", "finding:high"
	kind string // new-access, new-external, new-escalation, any, finding
	// severity, for a finding gate: this or worse fails.
	severity graph.Severity
}

// gateHelp lists the --fail-on values, for the flag's help and its errors.
const gateHelp = "new-access, new-external, new-escalation, finding:SEVERITY (critical, high, medium, low, info) or any"

// parseGates reads --fail-on's values (repeated, or comma-separated: the
// flag splits them).
func parseGates(values []string) ([]gate, error) {
	var out []gate
	for _, v := range values {
		v = strings.TrimSpace(v)
		switch {
		case v == "":
		case v == "new-access" || v == "new-external" || v == "new-escalation" || v == "any":
			out = append(out, gate{name: v, kind: v})
		case strings.HasPrefix(v, "finding:"):
			sev, ok := graph.ParseSeverity(strings.TrimPrefix(v, "finding:"))
			if !ok {
				return nil, fmt.Errorf("--fail-on %q: want finding:critical, finding:high, finding:medium, finding:low or finding:info", v)
			}
			out = append(out, gate{name: v, kind: "finding", severity: sev})
		default:
			return nil, fmt.Errorf("--fail-on %q: want %s", v, gateHelp)
		}
	}
	return out, nil
}

// needsEscalation reports whether a gate asks about escalation paths.
func needsEscalation(gates []gate) bool {
	for _, g := range gates {
		if g.kind == "new-escalation" {
			return true
		}
	}
	return false
}

// diffGates reads --fail-on and --escalation into o; a new-escalation gate
// turns the escalation search on, unless --escalation=false was given: a
// contradiction.
func diffGates(cmd *cobra.Command, failOn []string, esc escalationFlags, o *diff.Options) ([]gate, error) {
	gates, err := parseGates(failOn)
	if err != nil {
		return nil, err
	}
	if needsEscalation(gates) {
		if cmd.Flags().Changed("escalation") && !esc.on {
			return nil, errors.New("--fail-on new-escalation needs the escalation search: drop --escalation=false")
		}
		esc.on = true
	}
	eo, err := esc.options("")
	if err != nil {
		return nil, err
	}
	o.Escalation, o.EscalationDepth = esc.on, eo.Depth
	return gates, nil
}

// fails reports whether the gate fails on an item of the report (unless a
// baseline accepts it): wider access, new external access, a new or
// widened escalation path, a new finding of the gate's severity or worse,
// or anything at all.
func (g gate) fails(it baseline.Item) bool {
	switch g.kind {
	case "new-access":
		return it.Kind == baseline.NewAccess || it.Kind == baseline.NewExternal
	case "new-external":
		return it.Kind == baseline.NewExternal
	case "new-escalation":
		return it.Kind == baseline.NewEscalation
	case "finding":
		sev, ok := graph.ParseSeverity(it.Severity)
		return it.Kind == baseline.Finding && ok && sev <= g.severity // most severe first
	case "any":
		return true
	}
	return false
}

// gateOf is --fail-on's gates as one, for the baseline: an item fails it
// when it fails any of them (fails is nil without a gate).
func gateOf(gates []gate) diffGate {
	if len(gates) == 0 {
		return diffGate{}
	}
	names := make([]string, len(gates))
	for i, g := range gates {
		names[i] = g.name
	}
	return diffGate{
		name: strings.Join(names, ","),
		fails: func(it baseline.Item) bool {
			return slices.ContainsFunc(gates, func(g gate) bool { return g.fails(it) })
		},
		explain: func(failing []baseline.Item) string { return explainGates(gates, failing) },
	}
}

// explainGates says, for each gate some of the failing items fail, how
// many and of what: "new-access: 3 wider accesses; finding:high: 1 new
// finding of high or worse".
func explainGates(gates []gate, failing []baseline.Item) string {
	var out []string
	for _, g := range gates {
		n := 0
		for _, it := range failing {
			if g.fails(it) {
				n++
			}
		}
		if n == 0 {
			continue
		}
		var what string
		switch g.kind {
		case "new-access":
			what = plural.Form(n, "wider access", "wider accesses")
		case "new-external":
			what = plural.Form(n, "new external or public access", "new external or public accesses")
		case "new-escalation":
			what = plural.Count(n, "new escalation path")
		case "finding":
			what = fmt.Sprintf("%s of %s or worse", plural.Count(n, "new finding"), g.severity)
		default:
			what = "the diff has changes"
		}
		out = append(out, g.name+": "+what)
	}
	return strings.Join(out, "; ")
}
