package escalation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// ResourcePaths answers escalation for an encrypted resource: the paths to
// the resource's key (Paths, kms:Decrypt), kept for the principals whose
// last step's caller may already make the resource's reading call as it is
// — its own permission, and the KMS calls its service makes other than
// kms:Decrypt — and that who-can does not list for the resource. Each
// path gains a last step, the reading call on the resource; its decision
// is the least certain of the path's and that call's.
//
// The widenings a path makes allow kms:Decrypt on the key only: a
// principal that lacks the resource's own permission is not listed (the
// search does not widen it for the resource's action).
func ResourcePaths(g *graph.Graph, resource string, who []graph.Who, opts Options) ([]Path, error) {
	var res *graph.Resource
	for _, r := range g.Resources() {
		if r.ARN == resource || (r.Type == "s3:bucket" && strings.HasPrefix(resource, r.ARN+"/")) {
			res = r
			break
		}
	}
	if res == nil {
		return nil, fmt.Errorf("%s is not a resource of the snapshot", resource)
	}
	if res.Key == "" || g.Key(res.Key) == nil {
		return nil, nil
	}
	paths, err := Paths(g, res.Key, Options{Depth: opts.Depth, Action: "kms:Decrypt"})
	if err != nil {
		return nil, err
	}
	can := map[string]bool{}
	for _, w := range who {
		can[w.Principal] = true
	}
	var out []Path
	for _, p := range paths {
		if can[p.Principal] || len(p.Steps) == 0 {
			continue
		}
		caller := p.Steps[len(p.Steps)-1].Principal
		a, err := g.Can(graph.Query{Principal: caller, Action: "decrypt", Resource: resource, ChainDepth: -1})
		if err != nil {
			return nil, fmt.Errorf("%s on %s: %w", caller, resource, err)
		}
		if len(a.Steps) == 0 {
			continue
		}
		v := p.Decision
		for _, s := range a.Steps[1:] {
			if s.Action != "kms:Decrypt" {
				v = v.And(s.Decision)
			}
		}
		read := a.Steps[0]
		v = v.And(read.Decision)
		if v == eval.Deny {
			continue
		}
		last := Step{Principal: caller, Action: read.Action, Target: read.Resource, Decision: read.Decision, Conditions: read.Conditions}
		for _, r := range read.Reasons {
			if r.Outcome == eval.OutcomeAllows || r.Outcome == eval.OutcomeConditional {
				last.Reasons = append(last.Reasons, r)
			}
		}
		p.Steps = append(p.Steps, last)
		p.Decision = v
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b Path) int {
		return cmp.Or(cmp.Compare(len(a.Steps), len(b.Steps)), cmp.Compare(rank(a.Decision), rank(b.Decision)), cmp.Compare(a.Principal, b.Principal))
	})
	return out, nil
}
