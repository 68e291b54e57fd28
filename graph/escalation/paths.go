package escalation

import (
	"cmp"
	"runtime"
	"slices"
	"strconv"
	"sync"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// DefaultDepth is how many steps Paths follows before the action on the key.
const DefaultDepth = 3

// Options tune Paths; the zero value asks about kms:Decrypt, three steps deep.
type Options struct {
	// Depth is the most steps before the action on the key (0: DefaultDepth).
	Depth int
	// Action is the KMS action asked about ("": kms:Decrypt).
	Action string
}

// Step is one API call of a path, as its principal makes it.
type Step struct {
	// Principal makes the call (acting as itself, or as a role or user an
	// earlier step gave it).
	Principal string `json:"principal"`
	// Action is the call: "kms:PutKeyPolicy"; a compute step names the
	// create call and the iam:PassRole it needs ("lambda:CreateFunction+iam:PassRole").
	Action string `json:"action"`
	// Kind is the row of the table the step is (Kind.Name); "" for the
	// last step, the action on the key.
	Kind   string `json:"kind,omitempty"`
	Target string `json:"target"`
	// Widens, for a write, is the principal whose access it changes (the
	// target, a member of the target group, a holder of the target policy).
	Widens string `json:"widens,omitempty"`
	// Version, for SetDefaultPolicyVersion, is the existing version of the
	// target policy the call makes its default ("v2").
	Version  string       `json:"version,omitempty"`
	Decision eval.Verdict `json:"decision"`
	// Reasons are the statements and grants that allow the call (or may);
	// Conditions what it depends on when it is CONDITIONAL.
	Reasons    []eval.Reason   `json:"reasons,omitempty"`
	Conditions []eval.Residual `json:"conditions,omitempty"`
	// queries are the requests the step was evaluated as (two for
	// compute), asked again for Reasons once the path is chosen, unless
	// expl (by query) has their explanations already.
	queries []graph.Query
	expl    []*explanation
}

// Path is how one principal that cannot use the key now can make itself
// able to: its steps in order, the last being the action on the key made
// under the changes of those before it. Decision is the least certain
// step's.
type Path struct {
	Principal string       `json:"principal"`
	Decision  eval.Verdict `json:"decision"`
	Steps     []Step       `json:"steps"`
}

// Paths lists, for the principals of the snapshot who-can does not list for
// the action on the key (with role chains as deep as opts.Depth), the
// shortest way each can gain it within opts.Depth steps, ALLOW preferred
// among the shortest. Paths are sorted by number of steps, decision (ALLOW
// first), then principal.
func Paths(g *graph.Graph, keyARN string, opts Options) ([]Path, error) {
	// Who-can's answer and the Searcher's preparation do not depend on
	// each other: they are computed side by side.
	var who []graph.Who
	var whoPs []*graph.Principal
	done := make(chan struct{})
	go func() {
		defer close(done)
		who, whoPs, _ = g.WhoCanPrincipals(cmp.Or(opts.Action, "kms:Decrypt"), keyARN, "", cmp.Or(opts.Depth, DefaultDepth))
	}()
	sr := newSearcher(g, opts)
	<-done
	s, err := sr.newSearch(keyARN)
	if err != nil {
		return nil, err
	}
	s.who, s.whoOf, s.alone = who, whoPs, true
	s.run()
	defer s.release()
	return s.paths(), nil
}

// paths turns the search's states into answers: each principal's own
// state, no change pending, when who-can does not list it.
func (s *search) paths() []Path {
	var out []Path
	for st, n := range s.best {
		if st.goal != (goal{}) || n.level == 0 || s.excluded.has(st.p) {
			continue
		}
		out = append(out, Path{Principal: st.p.ARN, Decision: n.verdict, Steps: slices.Clone(s.stepsOf(n))})
	}
	// Paths through the same state share its steps (their requests are
	// the same slice): each such step is explained once, and its
	// explanation copied to the others.
	var steps []*Step
	var copies []*Step
	first := map[*graph.Query]*Step{}
	for i := range out {
		for j := range out[i].Steps {
			st := &out[i].Steps[j]
			if len(st.queries) > 0 {
				if f := first[&st.queries[0]]; f != nil {
					copies = append(copies, st)
					continue
				}
				first[&st.queries[0]] = st
			}
			steps = append(steps, st)
		}
	}
	// Explaining is evaluating again, each step on its own: with many,
	// on two goroutines (the graph answers from many).
	workers := 1
	if len(steps) >= 64 && runtime.GOMAXPROCS(0) > 1 {
		workers = 2
	}
	decs := []*graph.Decider{s.decider()}
	if workers > 1 {
		if s.bufs.dec2 == nil {
			s.bufs.dec2 = s.g.Decider()
		}
		decs = append(decs, s.bufs.dec2)
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(steps); i += workers {
				s.explain(steps[i], decs[w])
			}
		}()
	}
	wg.Wait()
	for _, st := range copies {
		f := first[&st.queries[0]]
		st.Reasons, st.Conditions, st.queries, st.expl = slices.Clone(f.Reasons), slices.Clone(f.Conditions), nil, nil
	}
	slices.SortFunc(out, func(a, b Path) int {
		return cmp.Or(cmp.Compare(len(a.Steps), len(b.Steps)), cmp.Compare(rank(a.Decision), rank(b.Decision)), cmp.Compare(a.Principal, b.Principal))
	})
	return out
}

// explain fills a step's reasons and conditions from its requests,
// evaluated with d. A step on anything but the key reads the same for
// every key: its explanation is kept for the Searcher's other searches.
func (s *search) explain(st *Step, d *graph.Decider) {
	for i, q := range st.queries {
		if i < len(st.expl) && st.expl[i] != nil {
			st.Reasons = append(st.Reasons, st.expl[i].reasons...)
			st.Conditions = append(st.Conditions, st.expl[i].conditions...)
			continue
		}
		var k string
		if q.Resource != s.key.ARN {
			k = q.Principal + "\x00" + q.Action + "\x00" + q.Resource + "\x00" + st.Kind + "\x00" + strconv.Itoa(i)
			s.mu.Lock()
			e, ok := s.explained[k]
			s.mu.Unlock()
			if ok {
				st.Reasons = append(st.Reasons, e.reasons...)
				st.Conditions = append(st.Conditions, e.conditions...)
				continue
			}
		}
		a, err := d.Decide(q)
		if err != nil {
			continue
		}
		e := explanationOf(a)
		st.Reasons = append(st.Reasons, e.reasons...)
		st.Conditions = append(st.Conditions, e.conditions...)
		if k != "" {
			s.mu.Lock()
			s.explained[k] = e
			s.mu.Unlock()
		}
	}
	st.queries, st.expl = nil, nil
}

// explanation is what explain keeps of a request's answer.
type explanation struct {
	reasons    []eval.Reason
	conditions []eval.Residual
}

// explanationOf is what explains an answer: the statements and grants
// that allow it (or may), SCPs and RCPs aside, and its conditions. They
// are copied: a Decider's decision is overwritten by its next.
func explanationOf(a *eval.Decision) explanation {
	var e explanation
	for _, r := range a.Reasons {
		if (r.Outcome == eval.OutcomeAllows || r.Outcome == eval.OutcomeConditional) && r.Layer != eval.LayerSCP && r.Layer != eval.LayerRCP {
			if len(r.Conditions) > 0 {
				cs := slices.Clone(r.Conditions)
				for i := range cs {
					cs[i].Context, cs[i].NotIn = slices.Clone(cs[i].Context), slices.Clone(cs[i].NotIn)
				}
				r.Conditions = cs
			}
			e.reasons = append(e.reasons, r)
		}
	}
	if len(a.Conditions) > 0 {
		e.conditions = slices.Clone(a.Conditions)
	}
	return e
}

func rank(v eval.Verdict) int {
	switch v {
	case eval.Allow:
		return 0
	case eval.Conditional:
		return 1
	}
	return 2
}
