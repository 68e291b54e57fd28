package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

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

// gateFailures says, for each gate the report fails, why ("new-access: 3
// wider accesses"); none when it passes.
func gateFailures(r *diff.Report, gates []gate) []string {
	var out []string
	for _, g := range gates {
		switch g.kind {
		case "new-access":
			if n := r.Summary.Wider; n > 0 {
				out = append(out, g.name+": "+plural.Form(n, "wider access", "wider accesses"))
			}
		case "new-external":
			if n := r.Summary.NewExternal + r.Summary.NewPublic; n > 0 {
				out = append(out, g.name+": "+plural.Form(n, "new external or public access", "new external or public accesses"))
			}
		case "new-escalation":
			if s := r.Summary.Escalation; s != nil && s.Wider > 0 {
				out = append(out, g.name+": "+plural.Count(s.Wider, "new escalation path"))
			}
		case "finding":
			n := 0
			for _, f := range r.NewFindings {
				if f.Severity <= g.severity { // most severe first
					n++
				}
			}
			if n > 0 {
				out = append(out, fmt.Sprintf("%s: %s of %s or worse", g.name, plural.Count(n, "new finding"), g.severity))
			}
		case "any":
			if !r.Empty() {
				out = append(out, g.name+": the diff has changes")
			}
		}
	}
	return out
}
