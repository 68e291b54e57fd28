package escalation

import (
	"fmt"
	"slices"
	"sync"

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
	g *graph.Graph
	// targets are the principals some writer's policies may allow a write
	// on (a cheap, generous filter before of): most principals have none.
	targets map[*graph.Principal]bool
	mu      sync.Mutex
	cache   map[string][]write // by target ARN, guarded by mu
	keys    map[string]int     // keys named so far in each decrypter's finding
}

// write is one principal (p) allowed one write on a target.
type write struct {
	p    *graph.Principal
	step Step
}

func newWriters(g *graph.Graph) *writers {
	w := &writers{g: g, targets: map[*graph.Principal]bool{}, cache: map[string][]write{}, keys: map[string]int{}}
	var actions []string
	for _, k := range kinds {
		if writesPrincipal(k, arn.KindRole) || writesPrincipal(k, arn.KindUser) {
			actions = append(actions, k.Actions[0])
		}
	}
	g.PrepareCapable(actions)
	for _, k := range kinds {
		if !writesPrincipal(k, arn.KindRole) && !writesPrincipal(k, arn.KindUser) {
			continue
		}
		for account, ps := range g.CapableByAccount(k.Actions[0]) {
			for _, t := range g.PrincipalsOf(account) {
				if w.targets[t] || !writesPrincipal(k, t.Kind) {
					continue
				}
				for _, p := range ps {
					if p != t && mayAllow(p, k.Actions[0], t.ARN) {
						w.targets[t] = true
						break
					}
				}
			}
		}
	}
	return w
}

// of lists the writes other principals may make on target, by writer then
// kind (the table's order). It may be called from many goroutines.
func (w *writers) of(target *graph.Principal) []write {
	if !w.targets[target] {
		return nil
	}
	w.mu.Lock()
	ws, ok := w.cache[target.ARN]
	w.mu.Unlock()
	if ok {
		return ws
	}
	var out []write
	for _, k := range kinds {
		if !writesPrincipal(k, target.Kind) {
			continue
		}
		for _, p := range w.g.CapableByAccount(k.Actions[0])[target.Account] {
			if p == target {
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
			out = append(out, write{p: p, step: st})
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
	w.mu.Lock()
	w.cache[target.ARN] = out
	w.mu.Unlock()
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

// writableDecrypter is a user or role of the snapshot that can use a key
// itself now (x), with the writes on it by principals that cannot (ws).
type writableDecrypter struct {
	p  *graph.Principal
	x  graph.Who
	ws []write
}

// decrypters lists, in who-can's order, the users and roles of a
// search's who-can answer that can use the key themselves and that
// principals not in it may write. It may be called from many goroutines.
func (w *writers) decrypters(s *search) []writableDecrypter {
	var out []writableDecrypter
	for i, p := range s.whoPs {
		if !w.targets[p] {
			continue
		}
		x := s.who[s.whoIdx[i]]
		if !direct(x) {
			continue
		}
		var ws []write
		for _, wr := range w.of(p) {
			if !s.excluded.has(wr.p) {
				ws = append(ws, wr)
			}
		}
		if len(ws) > 0 {
			out = append(out, writableDecrypter{p: p, x: x, ws: ws})
		}
	}
	return out
}

// add records, for each writable decrypter of key k (decrypters), the
// principals that cannot use it but may write it, in the finding of that
// decrypter (by its ARN): one finding per decrypter, naming each key it
// can use, at the severity of the widest.
func (w *writers) add(k *graph.Key, found []writableDecrypter, reach Reach, out map[string]*graph.Finding) {
	for _, d := range found {
		p, x, ws := d.p, d.x, d.ws
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
