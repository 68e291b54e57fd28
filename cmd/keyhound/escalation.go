package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
)

// escalationFlags are --escalation and --escalation-depth, shared by
// who-can, what-can and findings.
type escalationFlags struct {
	on    bool
	depth int
}

func (e *escalationFlags) register(cmd *cobra.Command, what string) {
	cmd.Flags().BoolVar(&e.on, "escalation", false, what)
	cmd.Flags().IntVar(&e.depth, "escalation-depth", escalation.DefaultDepth, "with --escalation, the most API calls a path makes before it can (1 to 3 is typical)")
}

// options are the escalation search's options for action ("": kms:Decrypt).
func (e *escalationFlags) options(action string) (escalation.Options, error) {
	if e.depth < 1 {
		return escalation.Options{}, fmt.Errorf("--escalation-depth %d: want 1 or more", e.depth)
	}
	return escalation.Options{Depth: e.depth, Action: action}, nil
}

// escalated is a who-can answer of a principal that cannot now but can make
// itself able to, as who-can's JSON lists it after those who can now.
type escalated struct {
	Principal  string            `json:"principal"`
	Kind       string            `json:"kind"`
	Account    string            `json:"account,omitempty"`
	Decision   eval.Verdict      `json:"decision"`
	Escalation bool              `json:"escalation"`
	Steps      []escalation.Step `json:"steps"`
}

// escalatedWho turns paths into who-can answers.
func escalatedWho(g *graph.Graph, paths []escalation.Path) []escalated {
	out := make([]escalated, 0, len(paths))
	for _, p := range paths {
		e := escalated{Principal: p.Principal, Decision: p.Decision, Escalation: true, Steps: p.Steps}
		if pr := g.Principal(p.Principal); pr != nil {
			e.Kind, e.Account = pr.Kind.String(), pr.Account
		}
		out = append(out, e)
	}
	return out
}

// escalationRows are paths as who-can's table rows.
func escalationRows(g *graph.Graph, paths []escalation.Path) []string {
	rows := make([]string, 0, len(paths))
	for _, e := range escalatedWho(g, paths) {
		notes := "can gain access: " + escalation.Describe(escalation.Path{Steps: e.Steps})
		for _, s := range e.Steps {
			for _, cl := range eval.Clauses(s.Conditions) {
				notes += "; " + cl.Text()
			}
		}
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s\t%s", e.Decision, e.Kind, e.Principal, notes))
	}
	return rows
}

// whoCanEscalation answers --escalation for who-can on a key or a resource:
// who does not appear in who and can make itself able to.
func whoCanEscalation(g *graph.Graph, action, resource, region string, who []graph.Who, opts escalation.Options) ([]escalation.Path, error) {
	if isResource(g, resource) {
		return escalation.ResourcePaths(g, resource, who, opts)
	}
	if strings.EqualFold(action, "decrypt") {
		action = "kms:Decrypt"
	}
	k, err := g.ResolveKey(resource, "", region)
	if err != nil {
		return nil, err
	}
	opts.Action = action
	return escalation.Paths(g, k.ARN, opts)
}

// isResource reports whether ref names an encrypted resource of the
// snapshot (an S3 object through its bucket), not a key.
func isResource(g *graph.Graph, ref string) bool {
	for _, r := range g.Resources() {
		if r.ARN == ref || (r.Type == "s3:bucket" && strings.HasPrefix(ref, r.ARN+"/")) {
			return true
		}
	}
	return false
}

// escalatedKey is a what-can answer of a key the principal cannot use now
// but can make itself able to, listed after the keys it can use.
type escalatedKey struct {
	Key        string            `json:"key"`
	Aliases    []string          `json:"aliases,omitempty"`
	Decision   eval.Verdict      `json:"decision"`
	Escalation bool              `json:"escalation"`
	Steps      []escalation.Step `json:"steps"`
}

// whatCanEscalation asks, for every key of the snapshot, whether principal
// has an escalation path to it: one search per key, kept for principal.
func whatCanEscalation(g *graph.Graph, principal string, opts escalation.Options) ([]escalatedKey, error) {
	var out []escalatedKey
	sr := escalation.NewSearcher(g, opts) // prepared once for every key
	for _, k := range g.Keys() {
		paths, err := sr.Paths(k.ARN)
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			if p.Principal == principal {
				out = append(out, escalatedKey{Key: k.ARN, Aliases: k.Aliases, Decision: p.Decision, Escalation: true, Steps: p.Steps})
			}
		}
	}
	return out, nil
}

// escalatedKeyRows are what-can's escalation answers as table rows.
func escalatedKeyRows(keys []escalatedKey) []string {
	rows := make([]string, 0, len(keys))
	for _, k := range keys {
		var notes []string
		if len(k.Aliases) > 0 {
			notes = append(notes, strings.Join(k.Aliases, ","))
		}
		notes = append(notes, "can gain access: "+escalation.Describe(escalation.Path{Steps: k.Steps}))
		rows = append(rows, fmt.Sprintf("%s\t%s\t%s", k.Decision, k.Key, strings.Join(notes, "; ")))
	}
	return rows
}
