// Package diff compares the effective access of two snapshots: who can use
// which key, read which resource and assume which role, not the snapshots'
// JSON. Each change comes with the policy changes that can explain it
// (statements added or removed in the key policy, the principal's identity
// policies, the resource's policy, the organization's SCPs and RCPs, grants).
// Pure: no I/O.
package diff

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/export"
)

// Kinds of change.
const (
	NewAccess       = "new-access"
	RemovedAccess   = "removed-access"
	DecisionChanged = "decision-changed"
)

// Options for Compare.
type Options struct {
	ChainDepth int // role hops (0: the default)
	Workers    int // who-can computations in parallel (default 2)
	// Escalation also compares escalation paths (graph/escalation, as
	// export's can-escalate-to edges give them): a search per key and
	// graph, with one Searcher per graph. EscalationDepth is the most
	// steps of a path (0: escalation.DefaultDepth).
	Escalation      bool
	EscalationDepth int
	// Full compares every target and finding even when the graphs say
	// only some keys and resources differ (graph.Delta: a changed graph
	// from graph.Rebuild), where Compare otherwise compares only those.
	// The report is the same either way; Full is for checking that.
	Full bool
}

// Change is one access that appeared, went, or changed decision.
type Change struct {
	Change    string `json:"change"`
	Edge      string `json:"edge"` // can-use-key, can-read, can-assume
	Principal string `json:"principal"`
	Target    string `json:"target"`
	// TargetAccount is the key's, resource's or role's account.
	TargetAccount string `json:"target_account"`
	Action        string `json:"action"`
	// Old and New are the decisions ("" when there was, or is, no access).
	Old string `json:"old,omitempty"`
	New string `json:"new,omitempty"`
	// External is true for a principal outside the organization (or the
	// snapshot), Public for "*".
	External bool     `json:"external,omitempty"`
	Public   bool     `json:"public,omitempty"`
	Via      []string `json:"via,omitempty"`
	Causes   []Cause  `json:"causes,omitempty"`
}

// Cause is a policy change that can explain an access change.
type Cause struct {
	// Where names the policy: "key policy of ARN", "identity policy NAME of
	// ARN", "SCP ID (NAME)", "resource policy of ARN", "trust policy of ARN",
	// "grants of ARN".
	Where string `json:"where"`
	// Change is "statement added", "statement removed", "grant added", "grant removed".
	Change string `json:"change"`
	// Statement is the statement (canonical JSON), or the grant ID.
	Statement string `json:"statement"`
}

// KeyChange is a key added, removed, or whose state changed.
type KeyChange struct {
	Key    string `json:"key"`
	Change string `json:"change"` // added, removed, state
	Old    string `json:"old,omitempty"`
	New    string `json:"new,omitempty"`
}

// Summary counts a report's changes.
type Summary struct {
	NewAccess       int `json:"new_access"`
	RemovedAccess   int `json:"removed_access"`
	DecisionChanged int `json:"decision_changed"`
	// Wider counts changes that give more access: new access, DENY or
	// CONDITIONAL becoming ALLOW.
	Wider       int `json:"wider"`
	NewExternal int `json:"new_external"`
	NewPublic   int `json:"new_public"`
	KeysChanged int `json:"keys_changed"`
	NewFindings int `json:"new_findings"`
	// Escalation counts the escalation changes (Options.Escalation; absent
	// without it).
	Escalation *EscalationSummary `json:"escalation,omitzero"`
}

// Report is the difference in effective access between two snapshots.
type Report struct {
	Summary          Summary         `json:"summary"`
	Changes          []Change        `json:"changes"`
	Keys             []KeyChange     `json:"keys"`
	NewFindings      []graph.Finding `json:"new_findings"`
	ResolvedFindings []graph.Finding `json:"resolved_findings"`
	// Escalations are the escalation paths that appeared, went or changed
	// (Options.Escalation; absent without it).
	Escalations []EscalationChange `json:"escalations,omitzero"`
}

// Compare computes the effective-access difference from old to new.
//
// The two snapshots' access edges are computed side by side and compared
// target by target (role, key and action, resource), in the order both
// exports give them: memory holds one target's edges at a time, not the
// organization's, whatever its size. When cur is old rebuilt with a few
// keys and resources changed (graph.Rebuild, graph.Delta), only their
// targets and findings are computed: the others cannot differ.
//
// It stops when ctx is done (an interrupt: two whole organizations' access
// takes minutes), with ctx's error.
func Compare(ctx context.Context, old, cur *graph.Graph, o Options) (*Report, error) {
	sc := scopeOf(old, cur, o)
	pc := policyChanges(old, cur)
	r := &Report{Changes: []Change{}, Keys: []KeyChange{}, NewFindings: []graph.Finding{}, ResolvedFindings: []graph.Finding{}}
	if o.Escalation {
		r.Escalations = []EscalationChange{}
	}
	add := func(c Change, e export.Edge, g *graph.Graph) {
		c.Edge, c.Principal, c.Target, c.Action = e.Kind, e.From, e.To, e.Action
		c.TargetAccount = targetAccount(g, e.To)
		c.Public = e.From == "*"
		c.External = c.Public || external(g, e.From)
		c.Via = e.Via
		c.Causes = pc.causes(g, e)
		r.Changes = append(r.Changes, c)
	}
	compare := func(ga, gb []export.Edge) {
		if o.Escalation {
			var ea, eb []export.Edge
			ga, ea = splitEscalation(ga)
			gb, eb = splitEscalation(gb)
			r.compareEscalation(old, cur, ga, ea, gb, eb)
		}
		was := make(map[string]export.Edge, len(ga))
		for _, e := range ga {
			was[e.From] = e
		}
		for _, b := range gb {
			a, ok := was[b.From]
			switch {
			case !ok:
				add(Change{Change: NewAccess, New: b.Decision.String()}, b, cur)
			case a.Decision != b.Decision:
				add(Change{Change: DecisionChanged, Old: a.Decision.String(), New: b.Decision.String()}, b, cur)
			}
			delete(was, b.From)
		}
		for _, a := range ga {
			if _, gone := was[a.From]; gone {
				add(Change{Change: RemovedAccess, Old: a.Decision.String()}, a, old)
			}
		}
	}
	if err := mergeTargets(ctx, old, cur, o, sc, compare); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("comparison stopped: %w", ctx.Err())
		}
		return nil, err
	}
	slices.SortFunc(r.Changes, func(x, y Change) int {
		return cmp.Or(strings.Compare(x.TargetAccount, y.TargetAccount), strings.Compare(x.Target, y.Target),
			strings.Compare(x.Principal, y.Principal), strings.Compare(x.Action, y.Action), strings.Compare(x.Edge, y.Edge))
	})
	for _, c := range r.Changes {
		switch c.Change {
		case NewAccess:
			r.Summary.NewAccess++
		case RemovedAccess:
			r.Summary.RemovedAccess++
		default:
			r.Summary.DecisionChanged++
		}
		if c.Wider() {
			r.Summary.Wider++
			if c.External {
				r.Summary.NewExternal++
			}
			if c.Public {
				r.Summary.NewPublic++
			}
		}
	}
	r.Keys = keyChanges(old, cur)
	r.Summary.KeysChanged = len(r.Keys)
	// The two graphs' findings side by side: each is a pass over the
	// organization's policies, on one core.
	var was []graph.Finding
	var wg sync.WaitGroup
	wg.Go(func() { was = sc.findings(old) })
	is := sc.findings(cur)
	wg.Wait()
	r.NewFindings, r.ResolvedFindings = findingChanges(was, is)
	r.Summary.NewFindings = len(r.NewFindings)
	if o.Escalation {
		r.summarizeEscalations()
	}
	return r, nil
}

// Wider reports whether the change gives more access than before.
func (c Change) Wider() bool {
	switch c.Change {
	case NewAccess:
		return true
	case DecisionChanged:
		return c.New == eval.Allow.String()
	}
	return false
}

// Empty reports whether nothing changed.
func (r *Report) Empty() bool {
	return len(r.Changes) == 0 && len(r.Keys) == 0 && len(r.NewFindings) == 0 && len(r.ResolvedFindings) == 0 && len(r.Escalations) == 0
}

// target is one target's access edges in an export: the can-assume edges
// to a role, the can-use-key edges of a key for one action, or the can-read
// edges of a resource.
type target struct {
	phase      int // 0 can-assume, 1 can-use-key, 2 can-read: Walk's order
	to, action string
	actionIdx  int
	edges      []export.Edge
}

// before orders targets as Walk gives them.
func (t *target) before(u *target) bool {
	if t.phase != u.phase {
		return t.phase < u.phase
	}
	if t.to != u.to {
		return t.to < u.to
	}
	return t.actionIdx < u.actionIdx
}

// phases: a key's can-escalate-to edges follow its can-use-key edges, in
// the same target.
var phases = map[string]int{export.EdgeCanAssume: 0, export.EdgeCanUseKey: 1, export.EdgeCanEscalate: 1, export.EdgeCanRead: 2}

// grouper is a Visitor that sends an export's access edges, target by
// target, on a channel.
type grouper struct {
	out     chan<- *target
	done    <-chan struct{}
	actions []string
	cur     *target
}

func (g *grouper) Node(export.Node) error { return nil }

func (g *grouper) Edge(e export.Edge) error {
	phase, ok := phases[e.Kind]
	if !ok {
		return nil
	}
	if c := g.cur; c == nil || c.phase != phase || c.to != e.To || c.action != e.Action {
		if err := g.flush(); err != nil {
			return err
		}
		g.cur = &target{phase: phase, to: e.To, action: e.Action, actionIdx: slices.Index(g.actions, e.Action)}
	}
	g.cur.edges = append(g.cur.edges, e)
	return nil
}

var errStopped = errors.New("diff: stopped")

func (g *grouper) flush() error {
	if g.cur == nil {
		return nil
	}
	select {
	case g.out <- g.cur:
	case <-g.done:
		return errStopped
	}
	g.cur = nil
	return nil
}

// targets runs an export of g (of the scope's keys, when there is a scope)
// and gives its targets in order; the channel closes at the end, and *errp
// then holds the export's error.
func targets(ctx context.Context, g *graph.Graph, o Options, sc *scope, done <-chan struct{}, errp *error) <-chan *target {
	ch := make(chan *target, 64)
	actions := keyActions
	eo := export.Options{ChainDepth: o.ChainDepth, Workers: o.Workers, Actions: actions, Escalation: o.Escalation, EscalationDepth: o.EscalationDepth}
	switch {
	case sc == nil:
	case sc.org != nil:
		if len(sc.org.Principals) == 0 && len(sc.org.Accounts) == 0 && !sc.org.Outside {
			close(ch) // no principal's answers may differ: no target
			return ch
		}
		eo.Among = g.AmongPrincipals(sc.org.Principals, sc.org.Accounts, sc.org.Outside)
	default:
		if eo.Keys = sc.keysIn(g); len(eo.Keys) == 0 {
			close(ch) // none of the keys is g's: no target
			return ch
		}
	}
	go func() {
		defer close(ch)
		gr := &grouper{out: ch, done: done, actions: actions}
		// ctx stops the walk; so does done (a comparison closed early),
		// through gr's error.
		err := export.Walk(ctx, g, eo, gr)
		if err == nil {
			err = gr.flush()
		}
		*errp = err
	}()
	return ch
}

// mergeTargets walks both exports in step and calls compare with each
// target's edges in old and in cur (either may be empty).
func mergeTargets(ctx context.Context, old, cur *graph.Graph, o Options, sc *scope, compare func(a, b []export.Edge)) error {
	done := make(chan struct{})
	var errA, errB error
	ca, cb := targets(ctx, old, o, sc, done, &errA), targets(ctx, cur, o, sc, done, &errB)
	defer func() {
		close(done)
		for range ca {
		}
		for range cb {
		}
	}()
	a, okA := <-ca
	b, okB := <-cb
	for okA || okB {
		switch {
		case okA && (!okB || a.before(b)):
			compare(a.edges, nil)
			a, okA = <-ca
		case okB && (!okA || b.before(a)):
			compare(nil, b.edges)
			b, okB = <-cb
		default:
			compare(a.edges, b.edges)
			a, okA = <-ca
			b, okB = <-cb
		}
	}
	// Both channels are closed: both exports are over.
	return cmp.Or(errA, errB)
}

func targetAccount(g *graph.Graph, id string) string {
	if k := g.Key(id); k != nil {
		return k.Account
	}
	if p := g.Principal(id); p != nil {
		return p.Account
	}
	if r := g.Resource(id); r != nil {
		return r.Account
	}
	return ""
}

func external(g *graph.Graph, principal string) bool {
	if p := g.Principal(principal); p != nil {
		return g.Org != nil && !g.Org.Member(p.Account)
	}
	parts := strings.SplitN(principal, ":", 6)
	if len(parts) < 5 {
		return true
	}
	if g.Org != nil {
		return !g.Org.Member(parts[4])
	}
	return !g.InSnapshot(parts[4])
}

func keyChanges(old, cur *graph.Graph) []KeyChange {
	out := []KeyChange{}
	for _, k := range cur.Keys() {
		o := old.Key(k.ARN)
		switch {
		case o == nil:
			out = append(out, KeyChange{Key: k.ARN, Change: "added", New: k.State()})
		case o.State() != k.State():
			out = append(out, KeyChange{Key: k.ARN, Change: "state", Old: o.State(), New: k.State()})
		}
	}
	for _, k := range old.Keys() {
		if cur.Key(k.ARN) == nil {
			out = append(out, KeyChange{Key: k.ARN, Change: "removed", Old: k.State()})
		}
	}
	slices.SortFunc(out, func(a, b KeyChange) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func findingKey(f graph.Finding) string {
	var ev []string
	for _, e := range f.Evidence {
		ev = append(ev, e.Detail)
	}
	return f.Rule + "\x00" + f.Resource + "\x00" + strings.Join(ev, "\x00")
}

func findingChanges(old, cur []graph.Finding) (added, resolved []graph.Finding) {
	was, is := map[string]bool{}, map[string]bool{}
	for _, f := range old {
		was[findingKey(f)] = true
	}
	added, resolved = []graph.Finding{}, []graph.Finding{}
	for _, f := range cur {
		is[findingKey(f)] = true
		if !was[findingKey(f)] {
			added = append(added, f)
		}
	}
	for _, f := range old {
		if !is[findingKey(f)] {
			resolved = append(resolved, f)
		}
	}
	return added, resolved
}
