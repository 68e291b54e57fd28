package graph

import (
	"errors"
	"slices"

	"github.com/keyhound/keyhound/graph/arn"
)

// Among is the part of the snapshot a who-can question restricted to some
// accounts, or some principals, needs (WhoCanAmong): those principals and every
// role they may reach by sts:AssumeRole, however many hops, on the index
// who-can follows chains with (assumersOf). A chain that who-can can find
// to one of them goes through members only: the rest of the organization
// need not be evaluated.
type Among struct {
	g *Graph // the graph whose principals it holds
	// accounts are the accounts whose answers are kept (AmongAccounts), or
	// those whose principals outside the snapshot are asked about
	// (AmongPrincipals).
	accounts map[string]bool
	// keep, for AmongPrincipals, are the principals whose answers are
	// kept; nil for AmongAccounts (those of the accounts). allOutside
	// keeps every answer outside the snapshot.
	keep       map[*Principal]bool
	allOutside bool
	members    map[*Principal]bool
	// sorted are the members in the order of g.Principals(); byAccount, in
	// the order of g.ix.byAccount: who-can's pools, restricted.
	sorted    []*Principal
	byAccount map[string][]*Principal
	// entered are the roles a principal of the accounts may assume, in a
	// hop.
	entered map[*Principal]bool
}

// AmongAccounts makes the Among of some accounts (of the snapshot or
// outside it). It asks every role who may assume it, once for the graph.
func (g *Graph) AmongAccounts(accounts []string) *Among {
	g.wait()
	m := &Among{g: g, accounts: map[string]bool{}, members: map[*Principal]bool{}, byAccount: map[string][]*Principal{}, entered: map[*Principal]bool{}}
	var queue []*Principal
	for _, a := range accounts {
		if m.accounts[a] {
			continue
		}
		m.accounts[a] = true
		for _, p := range g.ix.byAccount[a] {
			m.members[p] = true
			queue = append(queue, p)
		}
	}
	m.close(queue)
	return m
}

// AmongPrincipals makes the Among of some principals of the snapshot
// (ARNs; those it does not have are ignored) and, of the principals
// outside it (who-can's account roots, principals and "*", the public
// standing for no account), those of outsideAccounts, or all of them with
// allOutside: WhoCanAmong keeps their answers. A comparison whose change
// can reach those principals only asks it of both graphs (graph/diff).
func (g *Graph) AmongPrincipals(principals, outsideAccounts []string, allOutside bool) *Among {
	g.wait()
	m := &Among{g: g, accounts: map[string]bool{}, keep: map[*Principal]bool{}, members: map[*Principal]bool{}, byAccount: map[string][]*Principal{}, entered: map[*Principal]bool{}, allOutside: allOutside}
	for _, a := range outsideAccounts {
		m.accounts[a] = true
	}
	var queue []*Principal
	for _, arn := range principals {
		if p := g.principals[arn]; p != nil && !m.members[p] {
			m.keep[p], m.members[p] = true, true
			queue = append(queue, p)
		}
	}
	m.close(queue)
	return m
}

// close adds to m's members every role the queue's principals may reach,
// in any number of hops, and fills its pools.
func (m *Among) close(queue []*Principal) {
	g := m.g
	// The roles each principal may assume: who-can's index, turned round.
	assumes := map[*Principal][]*Principal{}
	for _, r := range g.sortedPrincipals {
		if r.Kind != arn.KindRole {
			continue
		}
		for _, p := range g.assumersOf(r) {
			if p != r {
				assumes[p] = append(assumes[p], r)
			}
		}
	}
	for _, p := range queue {
		for _, r := range assumes[p] {
			m.entered[r] = true
		}
	}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, r := range assumes[p] {
			if !m.members[r] {
				m.members[r] = true
				queue = append(queue, r)
			}
		}
	}
	for _, p := range g.sortedPrincipals {
		if m.members[p] {
			m.sorted = append(m.sorted, p)
		}
	}
	for a, ps := range g.ix.byAccount {
		for _, p := range ps {
			if m.members[p] {
				m.byAccount[a] = append(m.byAccount[a], p)
			}
		}
	}
	m.sorted = slices.Clip(m.sorted)
}

// MayAssume reports whether a principal of among's accounts may assume
// role in a hop: when it may not, AssumedBy lists none of them.
func (m *Among) MayAssume(role *Principal) bool { return m.entered[role] }

// Of reports whether m was made for g.
func (m *Among) Of(g *Graph) bool { return m != nil && m.g == g }

// Members are how many principals of the snapshot an Among holds.
func (m *Among) Members() int { return len(m.members) }

// WhoCanAmong is WhoCan's answer restricted to among's principals: those
// of its accounts (Who.Account; AmongAccounts), or its principals and, of
// the answers outside the snapshot, its accounts' (AmongPrincipals). The
// same entries, in the same order, with the same paths, decisions and
// conditions, evaluating among's members only.
// For one account of a large organization it is a small part of the work.
// When none of among's principals can be in the answer it returns none at
// once: without WhoCan's error, for a resource keyhound cannot evaluate.
// among must be of g (AmongAccounts): another graph's is an error, since
// its principals are not g's.
func (g *Graph) WhoCanAmong(action, resource, region string, chainDepth int, among *Among) ([]Who, error) {
	g.wait()
	if among == nil || among.g != g {
		return nil, errors.New("WhoCanAmong: the Among was made for another graph")
	}
	who, _, err := g.whoCan(action, resource, region, chainDepth, among, false)
	return who, err
}

// keeps reports whether WhoCanAmong keeps an answer, of principal p of
// the snapshot (nil for one outside it).
func (m *Among) keeps(w *Who, p *Principal) bool {
	switch {
	case m.keep == nil:
		return m.accounts[w.Account]
	case p != nil:
		return m.keep[p]
	}
	return w.Principal != AnyGrantee && m.asksOutside(w.Account)
}

// asksOutside reports whether WhoCanAmong asks about the principals
// outside the snapshot of account ("" for the public).
func (m *Among) asksOutside(account string) bool { return m.allOutside || m.accounts[account] }

// AssumedByAmong is AssumedBy's answer restricted to among's principals
// (AmongPrincipals; of its accounts for AmongAccounts): the same entries,
// in the same order, evaluating those only.
func (g *Graph) AssumedByAmong(roleARN string, among *Among) ([]Assumable, error) {
	g.wait()
	if among == nil || among.g != g {
		return nil, errors.New("AssumedByAmong: the Among was made for another graph")
	}
	return g.assumedBy(roleARN, among), nil
}

// anyOf reports whether some of who-can's principals outside the snapshot
// ("*", account roots, principals) are of among's accounts.
func (m *Among) anyOf(outside []string) bool {
	for _, name := range outside {
		account := ""
		if name != "*" {
			pr, err := arn.ParsePrincipal(name)
			if err != nil {
				continue
			}
			account = pr.AccountID
		}
		if m.asksOutside(account) {
			return true
		}
	}
	return false
}
