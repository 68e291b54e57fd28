package diff

import (
	"slices"

	"github.com/keyhound/keyhound/graph"
)

// scope is what Compare compares when the graphs say that only some keys
// and resources differ (graph.Delta: the changed graph was rebuilt from the
// other with a few Regions built again): the access edges of those keys
// and of the keys of those resources, with the resources they encrypt, and
// the findings about them all. Every other target's edges and every other
// finding are the same in both graphs, so they add no change.
//
// When the graphs differ only in the organization's SCPs and RCPs (graph.OrgDelta),
// the scope is instead the principals whose answers may differ: every
// target's edges from them, computed for them alone (graph.AmongPrincipals),
// and the findings about the changed accounts and policies. Every other
// principal's edges are the same in both graphs.
type scope struct {
	keys  []string // the keys whose targets are compared, sorted
	about []string // the keys, resources and accounts whose findings are compared
	org   *graph.OrgChange
}

// keyActions are the key actions a diff compares.
var keyActions = []string{"kms:Decrypt"}

// scopeOf returns the scope of a comparison, or nil to compare everything:
// when Options.Full or Options.Escalation say so (escalation paths cross
// keys and principals), or when more than keys and resources, or SCPs and
// RCPs, may differ.
func scopeOf(old, cur *graph.Graph, o Options) *scope {
	if o.Full || o.Escalation {
		return nil
	}
	keys, resources, ok := graph.Delta(old, cur)
	if !ok {
		if oc, ok := graph.OrgDelta(old, cur, keyActions); ok {
			return &scope{org: oc, about: oc.About}
		}
		return nil
	}
	ks := map[string]bool{}
	for _, k := range keys {
		ks[k] = true
	}
	for _, arn := range resources {
		for _, g := range []*graph.Graph{old, cur} {
			if r := g.Resource(arn); r != nil && r.Key != "" {
				ks[r.Key] = true
			}
		}
	}
	about := map[string]bool{}
	for _, id := range resources {
		about[id] = true
	}
	for _, g := range []*graph.Graph{old, cur} {
		for _, r := range g.Resources() {
			if ks[r.Key] {
				about[r.ARN] = true // its findings read its key
			}
		}
	}
	for k := range ks {
		about[k] = true
	}
	return &scope{keys: sortedSet(ks), about: sortedSet(about)}
}

// keysIn are the scope's keys that g has: those a walk of g selects.
func (s *scope) keysIn(g *graph.Graph) []string {
	var out []string
	for _, k := range s.keys {
		if g.Key(k) != nil {
			out = append(out, k)
		}
	}
	return out
}

// findings returns g's findings, or those about the scope.
func (s *scope) findings(g *graph.Graph) []graph.Finding {
	if s == nil {
		return g.Findings()
	}
	return g.FindingsAbout(s.about)
}

func sortedSet(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
