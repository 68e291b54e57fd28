package export

import (
	"cmp"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
)

// escalators makes, when the export asks for escalation edges, one
// escalation.Searcher per key action: what the searches share is computed
// once for the whole export.
func (w *walker) escalators() map[string]*escalation.Searcher {
	if !w.o.Escalation {
		return nil
	}
	out := map[string]*escalation.Searcher{}
	for _, a := range w.o.Actions {
		out[a] = escalation.NewSearcher(w.g, escalation.Options{Action: a, Depth: w.o.EscalationDepth})
	}
	return out
}

// escalationEdges are key k's can-escalate-to edges for action; who is
// who-can's answer for it, with the export's chain depth. The search takes
// it as is when that depth is at least its own: a principal who-can lists
// through a longer chain has its can-use-key edge already and needs no
// escalation edge.
func (w *walker) escalationEdges(sr *escalation.Searcher, k *graph.Key, action string, who []graph.Who) []Edge {
	if w.o.ChainDepth < cmp.Or(w.o.EscalationDepth, escalation.DefaultDepth) {
		who = nil // asked again at the search's depth
	}
	paths, err := sr.PathsWith(k.ARN, who)
	if err != nil {
		return nil
	}
	edges := make([]Edge, 0, len(paths))
	for i := range paths {
		p := &paths[i]
		if !w.f.access(p.Principal, accountOf(p.Principal), k.Account, p.Decision) {
			continue
		}
		edges = append(edges, Edge{
			From: p.Principal, To: k.ARN, Kind: EdgeCanEscalate, Action: action, Decision: p.Decision,
			Steps: p.Steps, Attrs: map[string]string{"steps": stepsText(p.Steps)},
		})
	}
	return edges
}

// stepsText says a path's calls in a line: "PutRolePolicy role-3 →
// AssumeRole role-3 → Decrypt".
func stepsText(steps []escalation.Step) string {
	parts := make([]string, 0, len(steps))
	for _, st := range steps {
		name := st.Kind
		if name == "" {
			name = st.Action
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			parts = append(parts, name)
			continue
		}
		parts = append(parts, name+" "+label(st.Target))
	}
	return strings.Join(parts, " → ")
}
