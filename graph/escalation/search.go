package escalation

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// The search goes backwards from the key. A state is a principal acting
// (itself, or as a role or user earlier steps gave it) and the change to
// one principal's policies still to be made before the action on the key
// works for it (goal): none, or the widening of a target — its identity
// policies allowing the action, its boundary gone, or both. From a state,
// the steps that lead into it are found through the graph's indexes
// (who-can, AssumedBy, Capable) and evaluated; states are visited breadth
// first by number of steps, so each keeps its shortest path.

// mods are the changes a widening makes to its target.
type mods uint8

const (
	modIdentity mods = 1 << iota // its identity policies allow the action on the key
	modBoundary                  // its permissions boundary is gone
	modGroup                     // it joins goal.group (alone: not combined with the others)
	modVersion                   // goal.version becomes its policy's default (alone, likewise)
)

// goal is the change pending on target; the zero goal, none.
type goal struct {
	target  *graph.Principal
	mods    mods
	group   *group   // for modGroup: the group the target joins
	version *version // for modVersion: the version made the default
}

type state struct {
	p    *graph.Principal
	goal goal
}

// node is a state reached, with its path to the key (steps) and its
// number of steps before the action on the key (level).
type node struct {
	st      state
	level   int
	steps   []Step
	verdict eval.Verdict
	// chain: no widening pending, and every step an sts:AssumeRole or the
	// action on the key as collected (chains.go).
	chain bool
}

type search struct {
	*Searcher
	key      *graph.Key
	excluded *pset // who-can's answer: they need no escalation
	// whoPs are who-can's principals of the snapshot, in its order;
	// whoIdx their places in who.
	whoPs  []*graph.Principal
	whoIdx []int32
	direct *pset
	best   map[state]*node
	levels [][]*node
	// entered are who-can's principals a step other than an assumption
	// may enter (entryChains).
	entered *pset
	// groupWriters are, per user, the writers that may add it to a group
	// that may let it use the key (seedGroups; useful reads them with the
	// Searcher's writers).
	groupWriters map[*graph.Principal][]*graph.Principal
	// versionWriters, likewise, the writers that may set the default
	// version of a policy attached to it (seedVersions).
	versionWriters map[*graph.Principal][]*graph.Principal
	// pending are who-can's direct states until addDirect.
	pending []directSeed
	// memo holds verdicts already asked, by request, with their
	// explanations.
	memo map[string]answer
	// exhaustive turns off the pruning of chain states (tests compare).
	exhaustive bool
	// chainAssumers lists, per role, the assumers a chain state links
	// (chains.go).
	chainAssumers map[*graph.Principal][]assumer
	// trusted caches keyTrusts by account (keyside.go).
	trusted map[string]bool
	// who, when set, is who-can's answer for the action on the key, given
	// by a caller that has it (export); whoOf, when set, its answers'
	// principals (graph.WhoCanPrincipals).
	who   []graph.Who
	whoOf []*graph.Principal
	// widen is the identity policy a widening adds: the action on the key.
	widen eval.NamedPolicy
	// partition is the key's ARN's.
	partition string
	// alone: the only search of its Searcher (Paths), which may then use
	// a second goroutine.
	alone bool
	// bufs are where the maps and lists above come from (release).
	bufs *buffers
}

// buffers are a search's sets and lists of who-can's principals, kept for
// the Searcher's next search (release): an organization-wide key's hold
// every principal of the organization, and building them anew for each
// key is much of what the garbage collector then has to do.
type buffers struct {
	excluded, direct, entered pset
	whoPs                     []*graph.Principal
	whoIdx                    []int32
	pending                   []directSeed
	// dec evaluates the search's requests (decider); dec2, explain's
	// second goroutine's; both of graph g.
	dec, dec2 *graph.Decider
	g         *graph.Graph
}

// bufferPool keeps searches' buffers for the next search, of any
// Searcher: Paths makes a Searcher per call.
var bufferPool sync.Pool

// release gives the search's buffers to the Searcher's next search; the
// search is not to be used again.
func (s *search) release() {
	b := s.bufs
	if b == nil {
		return
	}
	s.bufs = nil
	clear(s.whoPs)
	b.whoPs, b.whoIdx = s.whoPs[:0], s.whoIdx[:0]
	if s.pending != nil {
		b.pending = s.pending[:0]
	}
	bufferPool.Put(b)
}

func (sr *Searcher) newSearch(keyARN string) (*search, error) {
	key := sr.g.Key(keyARN)
	if key == nil {
		return nil, fmt.Errorf("key %s is not in the snapshot", keyARN)
	}
	b, _ := bufferPool.Get().(*buffers)
	if b == nil {
		b = &buffers{}
	}
	if b.g != sr.g {
		b.g, b.dec, b.dec2 = sr.g, nil, nil
	}
	n := len(sr.g.Principals())
	b.excluded.reset(n)
	b.direct.reset(n)
	b.entered.reset(n)
	s := &search{
		Searcher: sr, key: key, bufs: b,
		excluded: &b.excluded, direct: &b.direct, entered: &b.entered, whoPs: b.whoPs[:0], whoIdx: b.whoIdx[:0], pending: b.pending[:0],
		best: map[state]*node{}, memo: map[string]answer{}, trusted: map[string]bool{}, groupWriters: map[*graph.Principal][]*graph.Principal{},
		versionWriters: map[*graph.Principal][]*graph.Principal{},
	}
	s.levels = make([][]*node, s.depth+1)
	s.partition = "aws"
	if a, err := arn.Parse(key.ARN); err == nil {
		s.partition = a.Partition
	}
	w, err := allowPolicy(s.action, key.ARN)
	if err != nil {
		return nil, err
	}
	s.widen = eval.NamedPolicy{Name: "keyhound-escalation", Policy: w}
	return s, nil
}

// run seeds the search and visits its levels in order.
func (s *search) run() {
	s.seedDirect()
	if s.alone {
		// entryChains shares nothing the other seeds write (it lists
		// chains; they add states, none a direct one): side by side.
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.entryChains()
		}()
		s.seedKeySteps()
		s.seedWidenings()
		s.seedVersions()
		<-done
		s.addDirect()
	} else {
		s.entryChains()
		s.addDirect()
		s.seedKeySteps()
		s.seedWidenings()
		s.seedVersions()
	}
	for level := 0; level < s.depth; level++ {
		// Chain states that nothing enters expand to nothing: left out
		// before the sort (there are as many as who-can's principals).
		list := slices.DeleteFunc(s.levels[level], s.idle)
		slices.SortFunc(list, func(a, b *node) int { return a.st.compare(b.st) })
		for _, n := range list {
			if s.best[n.st] == n {
				s.expand(n)
			}
		}
	}
}

// compare orders states by principal, then pending widening (none first).
func (st state) compare(o state) int {
	if c := cmp.Compare(st.p.ARN, o.p.ARN); c != 0 {
		return c
	}
	switch {
	case st.goal.target == o.goal.target && st.goal.mods == o.goal.mods && st.goal.group != nil && o.goal.group != nil:
		return cmp.Compare(st.goal.group.arn, o.goal.group.arn)
	case st.goal.target == o.goal.target && st.goal.mods == o.goal.mods && st.goal.version != nil && o.goal.version != nil:
		return cmp.Or(cmp.Compare(st.goal.version.policy, o.goal.version.policy), cmp.Compare(st.goal.version.id, o.goal.version.id))
	case st.goal.target == o.goal.target:
		return cmp.Compare(st.goal.mods, o.goal.mods)
	case st.goal.target == nil:
		return -1
	case o.goal.target == nil:
		return 1
	}
	return cmp.Compare(st.goal.target.ARN, o.goal.target.ARN)
}

// add records n unless its state has a path as short and as certain.
func (s *search) add(n *node) {
	if n.level > s.depth || n.verdict == eval.Deny || n.st.goal.target != nil && !s.useful(n.st.p, n.st.goal.target) {
		return
	}
	if n.level > 0 && n.st.goal == (goal{}) && s.direct.has(n.st.p) {
		return // it acts on the key itself (level 0)
	}
	if old := s.best[n.st]; old != nil && (old.level < n.level || old.level == n.level && rank(old.verdict) <= rank(n.verdict)) {
		return
	}
	s.best[n.st] = n
	s.levels[n.level] = append(s.levels[n.level], n)
}

// link adds the state of principal x with goal g, reached by steps and
// then n's path.
func (s *search) link(n *node, x *graph.Principal, g goal, steps ...Step) {
	v := n.verdict
	for _, st := range steps {
		v = v.And(st.Decision)
	}
	chain := n.chain && g == (goal{})
	for _, st := range steps {
		chain = chain && st.Kind == "AssumeRole"
	}
	s.add(&node{st: state{x, g}, level: n.level + len(steps), steps: slices.Concat(steps, s.stepsOf(n)), verdict: v, chain: chain})
}

// stepsOf is n's path; a state of who-can's that acts on the key itself
// has it written on first use.
func (s *search) stepsOf(n *node) []Step {
	if n.steps == nil && n.level == 0 && n.chain {
		n.steps = []Step{step(n.st.p.ARN, s.action, "", s.key.ARN, n.verdict, s.keyQuery(n.st.p.ARN, nil))}
	}
	return n.steps
}

// can evaluates q (the principal itself: no role chains), once per tag:
// tag names what q carries beyond its principal, action and resource.
//
// A request on anything but the key (an IAM write, a role's trust, a new
// function) does not depend on the key: its answer is kept for every
// search of the Searcher.
//
// Unless DENY, the answer's explanation is kept with it: a step made of
// q is explained from it (withExplanations), not asked again.
func (s *search) can(q graph.Query, tag string) eval.Verdict {
	return s.canAnswer(q, tag).v
}

// answer is a verdict of can's and, unless DENY, its explanation.
type answer struct {
	v eval.Verdict
	e *explanation
}

func (s *search) canAnswer(q graph.Query, tag string) answer {
	k := memoKey(q, tag)
	if a, ok := s.memo[k]; ok {
		return a
	}
	shared := q.Resource != s.key.ARN
	if shared {
		s.mu.Lock()
		a, ok := s.sharedMemo[k]
		s.mu.Unlock()
		if ok {
			s.memo[k] = a
			return a
		}
	}
	q.ChainDepth = -1
	a := answer{v: eval.Deny}
	if d, err := s.decider().Decide(q); err == nil {
		a.v = d.Verdict
		if a.v != eval.Deny {
			e := explanationOf(d)
			a.e = &e
		}
	}
	s.memo[k] = a
	if shared {
		s.mu.Lock()
		s.sharedMemo[k] = a
		s.mu.Unlock()
	}
	return a
}

// memoKey is can's key of q asked with tag.
func memoKey(q graph.Query, tag string) string {
	return q.Principal + "\x00" + q.Action + "\x00" + q.Resource + "\x00" + tag
}

// withExplanations gives st, made of requests can asked (with tags, in order),
// their explanations: explain need not ask them again.
func (s *search) withExplanations(st Step, tags ...string) Step {
	st.expl = make([]*explanation, len(st.queries))
	for i, q := range st.queries {
		if i < len(tags) {
			st.expl[i] = s.memo[memoKey(q, tags[i])].e
		}
	}
	return st
}

// keyStep is the action on the key by p under w, evaluated as can does
// (tag likewise): the last step of a path. Unless DENY it is explained at
// once, from the same evaluation (explain would ask again), when can has
// not asked it before.
func (s *search) keyStep(p string, w *graph.WhatIf, tag string) Step {
	q := s.keyQuery(p, w)
	k := memoKey(q, tag)
	if a, ok := s.memo[k]; ok {
		return s.withExplanations(step(p, s.action, "", s.key.ARN, a.v, q), tag)
	}
	q.ChainDepth = -1
	d, err := s.decider().Decide(q)
	v := eval.Deny
	if err == nil {
		v = d.Verdict
	}
	st := step(p, s.action, "", s.key.ARN, v, q)
	a := answer{v: v}
	if v != eval.Deny {
		e := explanationOf(d)
		a.e = &e
		st.Reasons = append(st.Reasons, e.reasons...)
		st.Conditions = append(st.Conditions, e.conditions...)
		st.queries = nil
	}
	s.memo[k] = a
	return st
}

// decider is the search's graph.Decider (its evaluations reuse one
// request and decision): kept with its buffers for the Searcher's next
// search.
func (s *search) decider() *graph.Decider {
	if s.bufs.dec == nil {
		s.bufs.dec = s.g.Decider()
	}
	return s.bufs.dec
}

// step is a step evaluated as q.
func step(principal, action, kind, target string, v eval.Verdict, qs ...graph.Query) Step {
	for i := range qs {
		qs[i].ChainDepth = -1
	}
	return Step{Principal: principal, Action: action, Kind: kind, Target: target, Decision: v, queries: qs}
}

// keyQuery is the action on the key by p, under w.
func (s *search) keyQuery(p string, w *graph.WhatIf) graph.Query {
	return graph.Query{Principal: p, Action: s.action, Resource: s.key.ARN, WhatIf: w}
}
