package graph

import (
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// principalWork shares the accounts' principals between the goroutine
// that builds them and the keys' once that is done with its own (a
// one-shot build: the keys took a third of the principals' time and the
// keys' goroutine then sat idle). Each claims the next account and builds
// it with a builder of its own; an account's principals go to its slot,
// and the order is the slots' in account order: the order one goroutine
// builds them in. The builders share preparse's documents (a one-shot
// build parses every IAM document first), so a document is one policy
// whichever builder met it, and build nothing else of the graph's: the
// maps are filled after (addPrincipals). A background build (the TUI's)
// has no helper: its principals' goroutine claims every account.
type principalWork struct {
	s        *snapshot.Snapshot
	accounts []string
	next     atomic.Int64
	finished atomic.Int64
	slots    [][]*Principal
	// done is closed once every account is built; abort when a helper
	// panicked (the build panics with it: nothing waits for done then).
	done, abort chan struct{}
	abortOnce   sync.Once
}

// claimedHook, when not nil, runs after each account a builder built
// (tests).
var claimedHook func()

func newPrincipalWork(s *snapshot.Snapshot, accounts []string) *principalWork {
	w := &principalWork{s: s, accounts: accounts, slots: make([][]*Principal, len(accounts)), done: make(chan struct{}), abort: make(chan struct{})}
	if len(accounts) == 0 {
		close(w.done)
	}
	return w
}

// claim builds accounts with b until none is left to claim, or the other
// builder panicked.
func (w *principalWork) claim(b *builder) {
	for {
		select {
		case <-w.abort:
			return
		default:
		}
		i := int(w.next.Add(1)) - 1
		if i >= len(w.accounts) {
			return
		}
		id := w.accounts[i]
		mark := len(b.order)
		b.buildPrincipals(id, w.s.Accounts[id].IAM, "accounts["+strconv.Quote(id)+"].iam")
		w.slots[i] = b.order[mark:len(b.order):len(b.order)]
		if claimedHook != nil {
			claimedHook()
		}
		if int(w.finished.Add(1)) == len(w.accounts) {
			close(w.done)
		}
	}
}

// help is claim for a helper; a panic there aborts the work and is
// returned, for Build to panic with once the principals' goroutine is done.
func (w *principalWork) help(b *builder) (panicked any) {
	defer func() {
		if panicked = recover(); panicked != nil {
			w.stop()
		}
	}()
	w.claim(b)
	return nil
}

// stop aborts the work: no account is claimed after, and order reports
// it (Build panics: nothing waits for done).
func (w *principalWork) stop() { w.abortOnce.Do(func() { close(w.abort) }) }

// order waits for every account and returns the principals in build
// order, of n in all; ok is false when a helper panicked.
func (w *principalWork) order(n int) (out []*Principal, ok bool) {
	select {
	case <-w.done:
	case <-w.abort:
		return nil, false
	}
	out = make([]*Principal, 0, n)
	for _, s := range w.slots {
		out = append(out, s...)
	}
	return out, true
}

// addPrincipals indexes the principals by ARN, in build order (a later
// principal of one ARN replaces an earlier one), and the roles the index
// by ARN does not find by account and name (Role): those whose ARN is not
// arn:PARTITION:iam::ACCOUNT:role/NAME (a path, or an ARN at odds with the
// role's fields) or that a later principal of their ARN replaced. A map of
// every role by account and name was 42 MB of 5,000 generated accounts'
// graph, and held the same roles as the first. A panic is the caller's.
func (g *Graph) addPrincipals(order []*Principal) {
	// Made here, not with the graph: in the background, a 5,000-account
	// organization's map was 30 MB for the TUI's first frame to allocate,
	// and clear, before it showed.
	g.principals = make(map[string]*Principal, len(order))
	for _, p := range order {
		g.principals[p.ARN] = p
	}
	g.otherRoles = map[string]*Principal{}
	for _, p := range order {
		if p.Kind == arn.KindRole && (p.plainARN != p.ARN || g.principals[p.ARN] != p) {
			g.otherRoles[p.Account+"/"+p.Name] = p
		}
	}
}
