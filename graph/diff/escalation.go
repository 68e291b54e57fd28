package diff

import (
	"cmp"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/export"
)

// Kinds of escalation change (Options.Escalation).
const (
	// NewEscalation: a principal that could neither use the key nor gain
	// access to it in OLD can gain it in NEW.
	NewEscalation = "new-escalation"
	// RemovedEscalation: a path of OLD that NEW no longer has, the
	// principal unable to use the key in NEW too.
	RemovedEscalation = "removed-escalation"
	// EscalationDecisionChanged: a path in both, whose decision changed.
	EscalationDecisionChanged = "escalation-decision-changed"
	// AccessToEscalation: a principal that could use the key in OLD can
	// only gain access to it in NEW (its removed access is a Change too).
	AccessToEscalation = "access-to-escalation"
	// EscalationToAccess: a principal that could gain access in OLD can
	// use the key in NEW (its new access is a Change too).
	EscalationToAccess = "escalation-to-access"
)

// EscalationChange is one escalation path (graph/escalation) that appeared,
// went or changed decision, for a key present in NEW: a removed key's paths
// went with it (Report.Keys says so).
type EscalationChange struct {
	Change     string `json:"change"`
	Principal  string `json:"principal"`
	Key        string `json:"key"`
	KeyAccount string `json:"key_account"`
	Action     string `json:"action"`
	// Old and New are the decisions: the path's, or the access's for
	// access-to-escalation (Old) and escalation-to-access (New).
	Old      string `json:"old,omitempty"`
	New      string `json:"new,omitempty"`
	External bool   `json:"external,omitempty"`
	// Steps are NEW's path, or OLD's for a path that went
	// (removed-escalation, escalation-to-access); Text says them in a
	// line, as who-can --escalation does.
	Steps []escalation.Step `json:"steps"`
	Text  string            `json:"text"`
}

// EscalationSummary counts a report's escalation changes.
type EscalationSummary struct {
	New             int `json:"new"`
	Removed         int `json:"removed"`
	DecisionChanged int `json:"decision_changed"`
	// Wider counts the paths that give more than OLD did: new, or whose
	// decision became ALLOW.
	Wider              int `json:"wider"`
	AccessToEscalation int `json:"access_to_escalation"`
	EscalationToAccess int `json:"escalation_to_access"`
}

// Wider reports whether the change is a way to gain access OLD did not
// have: a new path, or a path now ALLOW.
func (c EscalationChange) Wider() bool {
	switch c.Change {
	case NewEscalation:
		return true
	case EscalationDecisionChanged:
		return c.New == eval.Allow.String()
	}
	return false
}

// splitEscalation separates a target's can-escalate-to edges from its
// access edges (the export gives both for a key and action).
func splitEscalation(edges []export.Edge) (access, esc []export.Edge) {
	i := slices.IndexFunc(edges, func(e export.Edge) bool { return e.Kind == export.EdgeCanEscalate })
	if i < 0 {
		return edges, nil
	}
	access = slices.DeleteFunc(slices.Clone(edges), func(e export.Edge) bool { return e.Kind == export.EdgeCanEscalate })
	esc = slices.DeleteFunc(slices.Clone(edges), func(e export.Edge) bool { return e.Kind != export.EdgeCanEscalate })
	return access, esc
}

// compareEscalation compares one key and action's escalation paths in old
// (ea, with its access edges aa) and cur (eb, bb).
func (r *Report) compareEscalation(old, cur *graph.Graph, aa, ea, bb, eb []export.Edge) {
	if len(ea) == 0 && len(eb) == 0 {
		return
	}
	byFrom := func(edges []export.Edge) map[string]export.Edge {
		m := make(map[string]export.Edge, len(edges))
		for _, e := range edges {
			m[e.From] = e
		}
		return m
	}
	pathA, pathB, accA, accB := byFrom(ea), byFrom(eb), byFrom(aa), byFrom(bb)
	add := func(change string, e export.Edge, g *graph.Graph, oldD, newD string) {
		c := EscalationChange{
			Change: change, Principal: e.From, Key: e.To, Action: e.Action, Old: oldD, New: newD,
			External: e.From == "*" || external(g, e.From), Steps: e.Steps,
			Text: escalation.Describe(escalation.Path{Principal: e.From, Decision: e.Decision, Steps: e.Steps}),
		}
		if k := cur.Key(e.To); k != nil {
			c.KeyAccount = k.Account
		}
		r.Escalations = append(r.Escalations, c)
	}
	for _, b := range eb {
		a, had := pathA[b.From]
		acc, could := accA[b.From]
		switch {
		case had && a.Decision != b.Decision:
			add(EscalationDecisionChanged, b, cur, a.Decision.String(), b.Decision.String())
		case had:
		case could:
			add(AccessToEscalation, b, cur, acc.Decision.String(), b.Decision.String())
		default:
			add(NewEscalation, b, cur, "", b.Decision.String())
		}
	}
	if cur.Key(firstTo(ea)) == nil {
		return // the key went, and its paths with it
	}
	for _, a := range ea {
		if _, still := pathB[a.From]; still {
			continue
		}
		if acc, can := accB[a.From]; can {
			add(EscalationToAccess, a, old, a.Decision.String(), acc.Decision.String())
		} else {
			add(RemovedEscalation, a, old, a.Decision.String(), "")
		}
	}
}

func firstTo(edges []export.Edge) string {
	if len(edges) == 0 {
		return ""
	}
	return edges[0].To
}

// summarizeEscalations sorts the report's escalation changes and counts them.
func (r *Report) summarizeEscalations() {
	slices.SortFunc(r.Escalations, func(x, y EscalationChange) int {
		return cmp.Or(strings.Compare(x.KeyAccount, y.KeyAccount), strings.Compare(x.Key, y.Key),
			strings.Compare(x.Principal, y.Principal), strings.Compare(x.Action, y.Action))
	})
	s := &EscalationSummary{}
	for _, c := range r.Escalations {
		switch c.Change {
		case NewEscalation:
			s.New++
		case RemovedEscalation:
			s.Removed++
		case EscalationDecisionChanged:
			s.DecisionChanged++
		case AccessToEscalation:
			s.AccessToEscalation++
		case EscalationToAccess:
			s.EscalationToAccess++
		}
		if c.Wider() {
			s.Wider++
		}
	}
	r.Summary.Escalation = s
}
