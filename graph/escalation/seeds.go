package escalation

// Where a search starts: who-can's principals (already able) and the
// key-side steps (key policy, grants) that end a path.

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// seedDirect starts from who-can: its principals need no escalation, and
// those that can act on the key themselves are where paths end.
func (s *search) seedDirect() {
	who, whoOf := s.who, s.whoOf
	if who == nil {
		var err error
		if who, whoOf, err = s.g.WhoCanPrincipals(s.action, s.key.ARN, "", s.depth); err != nil {
			return
		}
	}
	if len(whoOf) != len(who) {
		whoOf = nil
	}
	s.pending = slices.Grow(s.pending[:0], len(who))
	s.whoPs = slices.Grow(s.whoPs[:0], len(who))
	s.whoIdx = slices.Grow(s.whoIdx[:0], len(who))
	s.who = who
	for i, w := range who {
		// Only principals of the snapshot are ever asked about: accounts
		// outside it and the public are left out.
		var p *graph.Principal
		if whoOf != nil {
			p = whoOf[i]
		}
		if p == nil {
			if p = s.g.Principal(w.Principal); p == nil {
				continue
			}
		}
		s.excluded.add(p)
		s.whoPs = append(s.whoPs, p)
		s.whoIdx = append(s.whoIdx, int32(i))
		for _, path := range w.Paths {
			if len(path.Via) == 1 {
				s.direct.add(p)
				s.pending = append(s.pending, directSeed{p, path.Decision})
			}
		}
	}
}

// addDirect adds the states of who-can's principals that act on the key
// themselves, once entryChains has said which a step may enter: the others
// (most) would expand to nothing, and add turns away any longer way to
// them (they are direct).
func (s *search) addDirect() {
	var nodes []node // one allocation for those added
	for _, d := range s.pending {
		if !s.exhaustive && !s.entered.has(d.p) && len(s.chainAssumers[d.p]) == 0 {
			continue // idle
		}
		if nodes == nil {
			nodes = make([]node, 0, min(len(s.pending), 64))
		}
		// Its one step (the action itself) is written when a path goes
		// through it (stepsOf): most never are.
		nodes = append(nodes, node{st: state{p: d.p}, chain: true, verdict: d.v})
		s.add(&nodes[len(nodes)-1])
	}
	s.pending = nil
}

// directSeed is a principal of who-can's that acts on the key itself, and
// how surely.
type directSeed struct {
	p *graph.Principal
	v eval.Verdict
}

// seedKeySteps adds the principals that can change the key's own access
// (kms:PutKeyPolicy, kms:CreateGrant) and then act on it.
func (s *search) seedKeySteps() {
	for _, k := range kinds {
		if k.Target != TargetKey {
			continue
		}
		if !s.keyMayAllowSome(k.Actions[0]) {
			continue
		}
		who, err := s.g.WhoCan(k.Actions[0], s.key.ARN, "", 0)
		if err != nil {
			continue
		}
		for _, w := range who {
			p := s.g.Principal(w.Principal)
			if p == nil || s.direct.has(p) {
				continue // a step to what it can do already
			}
			// The caller makes the call itself: not through a service.
			q := graph.Query{Principal: p.ARN, Action: k.Actions[0], Resource: s.key.ARN, Context: map[string][]string{"kms:ViaService": nil}}
			var after *graph.WhatIf
			switch k.Effect {
			case EffectKeyPolicy:
				if s.key.Manager() == eval.KeyManagerAWS {
					continue // customers cannot change an AWS managed key's policy (KMS DG, concepts: AWS managed keys)
				}
				pol, err := keyPolicyNaming(p.ARN)
				if err != nil {
					continue
				}
				after = &graph.WhatIf{ResourcePolicy: &eval.NamedPolicy{Name: "key policy (rewritten)", Policy: pol}}
			case EffectGrant:
				// The grant the caller would create: the action, to itself,
				// called directly (KMS DG, grant-authorization.html: the
				// conditions on CreateGrant see these values).
				q.Context["kms:GrantOperations"] = []string{strings.TrimPrefix(s.action, "kms:")}
				q.Context["kms:GranteePrincipal"] = []string{p.ARN}
				q.Context["kms:GrantIsForAWSResource"] = []string{"false"}
				after = &graph.WhatIf{Grants: []eval.Grant{{GrantID: "keyhound-escalation", GranteePrincipal: p.ARN, Operations: []string{strings.TrimPrefix(s.action, "kms:")}}}}
			}
			v1 := s.can(q, k.Name)
			if v1 == eval.Deny {
				continue
			}
			last := s.keyStep(p.ARN, after, k.Name)
			end := &node{verdict: last.Decision, steps: []Step{last}}
			s.link(end, p, goal{}, s.withExplanations(step(p.ARN, k.Actions[0], k.Name, s.key.ARN, v1, q), k.Name))
		}
	}
}
