package graph

import "github.com/keyhound/keyhound/graph/eval"

// Decider answers many queries about principals acting as themselves (no
// role chains), reusing one request, context and decision from one call to
// the next: for a caller that asks many questions and keeps little of each
// answer (the escalation search). A Decider is not safe for concurrent use.
type Decider struct {
	g *Graph
	s scratch
}

// Decider returns a Decider of g.
func (g *Graph) Decider() *Decider {
	g.wait()
	return &Decider{g: g}
}

// Decide evaluates q for its principal itself, as Can answers with
// ChainDepth -1 — or, when q.WhatIf.NewResource, the request Request(q)
// builds, as it is (a resource of the snapshot under that ARN is not
// asked about). The decision and its lists are valid until the next call.
func (d *Decider) Decide(q Query) (*eval.Decision, error) {
	if !q.WhatIf.newResource() {
		if res := d.g.resourceFor(q.Resource); res != nil {
			dr, err := d.g.decideResource(q, res)
			if err != nil {
				return nil, err
			}
			return &eval.Decision{Verdict: dr.verdict, DeniedBy: dr.deniedBy, Reasons: dr.reasons, Conditions: dr.conditions}, nil
		}
	}
	r, _, err := d.g.request(q, &d.s)
	if err != nil {
		return nil, err
	}
	var e eval.Evaluator
	e.Evaluate(r, &d.s.dec)
	return &d.s.dec, nil
}
