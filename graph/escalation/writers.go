package escalation

import (
	"fmt"
	"slices"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
)

// writers answers, per principal, who else may change its policies, its
// boundary, its trust or its credentials: the write kinds of the table
// that act on a user or role itself. IAM is not reached across accounts,
// so only principals of the target's account are asked, and only those
// whose identity policies may allow the call (graph.Capable).
type writers struct {
	g     *graph.Graph
	cache map[string][]write // by target ARN
	keys  map[string]int     // keys named so far in each decrypter's finding
}

// write is one principal allowed one write on a target.
type write struct {
	step Step
}

func newWriters(g *graph.Graph) *writers {
	return &writers{g: g, cache: map[string][]write{}, keys: map[string]int{}}
}

// of lists the writes other principals may make on target, by writer then
// kind (the table's order).
func (w *writers) of(target *graph.Principal) []write {
	if ws, ok := w.cache[target.ARN]; ok {
		return ws
	}
	var out []write
	for _, k := range kinds {
		if !writesPrincipal(k, target.Kind) {
			continue
		}
		for _, p := range w.g.Capable(k.Actions[0]) {
			if p == target || p.Account != target.Account {
				continue
			}
			a, err := w.g.Can(graph.Query{Principal: p.ARN, Action: k.Actions[0], Resource: target.ARN, ChainDepth: -1})
			if err != nil || a.Decision == eval.Deny {
				continue
			}
			st := Step{Principal: p.ARN, Action: k.Actions[0], Kind: k.Name, Target: target.ARN, Widens: target.ARN, Decision: a.Decision}
			for _, r := range a.Reasons {
				if (r.Outcome == eval.OutcomeAllows || r.Outcome == eval.OutcomeConditional) && r.Layer != eval.LayerSCP && r.Layer != eval.LayerRCP {
					st.Reasons = append(st.Reasons, r)
				}
			}
			st.Conditions = a.Conditions
			out = append(out, write{step: st})
		}
	}
	slices.SortStableFunc(out, func(a, b write) int {
		if a.step.Principal < b.step.Principal {
			return -1
		}
		if a.step.Principal > b.step.Principal {
			return 1
		}
		return 0
	})
	w.cache[target.ARN] = out
	return out
}

// writesPrincipal reports whether kind k changes a principal of kind pk
// itself (not a group or a managed policy, not a compute service).
func writesPrincipal(k Kind, pk arn.PrincipalKind) bool {
	switch k.Effect {
	case EffectIdentity, EffectNoBoundary, EffectTrust, EffectCredentials:
	default:
		return false
	}
	return (k.Target == TargetRole && pk == arn.KindRole) || (k.Target == TargetUser && pk == arn.KindUser)
}

// add records, for each user or role of the snapshot that can use key
// itself now (who), the principals that cannot but may write it, in the
// finding of that decrypter (by its ARN): one finding per decrypter,
// naming each key it can use, at the severity of the widest.
func (w *writers) add(k *graph.Key, who []graph.Who, reach Reach, out map[string]*graph.Finding) {
	can := map[string]bool{}
	for _, x := range who {
		can[x.Principal] = true
	}
	for _, x := range who {
		p := w.g.Principal(x.Principal)
		if p == nil || !direct(x) {
			continue
		}
		var ws []write
		for _, wr := range w.of(p) {
			if !can[wr.step.Principal] {
				ws = append(ws, wr)
			}
		}
		if len(ws) == 0 {
			continue
		}
		f := out[p.ARN]
		if f == nil {
			f = &graph.Finding{
				Rule: RuleWritableDecrypter, Severity: graph.Info, Account: p.Account, Resource: p.ARN,
				Remedy: "Allow writes to the policies, trust and credentials of principals that can decrypt only to their administrators (scope iam:Put*/Attach*/Update*/Create* to other resources, or use a permissions boundary).",
			}
			writers := map[string]bool{}
			for _, wr := range ws {
				writers[wr.step.Principal] = true
				f.Evidence = append(f.Evidence, stepEvidence(wr.step)...)
			}
			f.Title = fmt.Sprintf("%s that can decrypt is writable by %s that cannot", titleKind(p.Kind), countOf(len(writers), "principal"))
			out[p.ARN] = f
		}
		if s := reach.Severity(); s < f.Severity {
			f.Severity = s
		}
		if w.keys[p.ARN]++; w.keys[p.ARN] > maxPaths {
			continue
		}
		f.Evidence = append(f.Evidence, graph.Evidence{
			Statement: -1, Ref: k.ARN, Resource: k.ARN, Name: "key " + keyName(k),
			Detail: fmt.Sprintf("%s can use it now (%s); the key's reach: %s", shortARN(p.ARN), x.Decision, reach),
		})
	}
}

// direct reports whether the answer holds for the principal acting as
// itself (a path whose Via names only the principal).
func direct(x graph.Who) bool {
	for _, p := range x.Paths {
		if len(p.Via) <= 1 {
			return true
		}
	}
	return false
}

// titleKind is "Role" or "User".
func titleKind(k arn.PrincipalKind) string {
	if k == arn.KindUser {
		return "User"
	}
	return "Role"
}
