package export

import (
	"time"

	"github.com/keyhound/keyhound/graph"
)

// whoCan is who-can's answer for action on target, of account toAccount,
// as far as the export keeps it. With an account filter, the edges to a
// target outside the accounts are those from their principals: when part
// may be true, who-can answers for those principals only, evaluating their
// part of the organization (graph.WhoCanAmong: the same answers).
func (w *walker) whoCan(action, target, toAccount string, part bool) ([]graph.Who, error) {
	if w.o.Among != nil {
		return w.g.WhoCanAmong(action, target, "", w.o.ChainDepth, w.o.Among)
	}
	if part && !w.o.wholeWhoCan && w.f.accounts != nil && !w.f.accounts[toAccount] {
		return w.g.WhoCanAmong(action, target, "", w.o.ChainDepth, w.among())
	}
	return w.g.WhoCan(action, target, "", w.o.ChainDepth)
}

// unanswered tells Options.Unanswered of a target whose access edges could
// not be made: never silently none.
func (w *walker) unanswered(target string, err error) {
	if w.o.Unanswered != nil {
		w.o.Unanswered(target, err)
	}
}

// whoEdges are the access edges of who to `to`, in a slice with room for
// as many more; key is the key whose usage they carry (Options.Usage).
func (w *walker) whoEdges(who []graph.Who, room int, to, toAccount, kind, action, key string) []Edge {
	usageAction := action
	if kind == EdgeCanRead {
		usageAction = "" // the resource's key, any operation
	}
	edges := make([]Edge, 0, len(who)+room)
	for i := range who {
		x := &who[i]
		if x.Principal == graph.AnyGrantee || !w.f.access(x.Principal, x.Account, toAccount, x.Decision) {
			continue
		}
		e := Edge{From: x.Principal, To: to, Kind: kind, Action: action, Decision: x.Decision, Conditions: x.Conditions, Because: x.Because}
		w.used(&e, key, usageAction)
		for _, p := range x.Paths {
			if len(p.Via) > 1 {
				e.Via = p.Via
				break
			}
		}
		edges = append(edges, e)
	}
	return edges
}

// used sets an access edge's uses and last use of key (action "": any),
// when usage is given.
func (w *walker) used(e *Edge, key, action string) {
	if w.o.Usage == nil {
		return
	}
	u := w.o.Usage[UseKey{Principal: e.From, Key: key, Action: action}]
	n := u.Count
	e.Uses = &n
	if n > 0 {
		e.LastUsed = u.Last.UTC().Format(time.RFC3339)
	}
}
