package graph

import (
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// One query's sharing of answers among principals alike (share.go says
// which principals are alike, and why that is sound).

// shareKey identifies the principals one query answers alike.
type shareKey struct {
	class, tags int32
	// account is the principal's account, when the query names it (0 otherwise).
	account int32
	// conds are the outcomes of the class's conditions on principal-specific
	// keys, then the query's.
	conds, queryConds uint64
}

// maxShareConds is how many principal-specific conditions a share key holds.
const maxShareConds = 32

// sharer hands one query's answer for a principal to the others alike.
type sharer struct {
	off        bool
	individual map[*Principal]bool // named by a resource-side policy or grant
	accounts   map[int32]bool      // named by one, or the resource's own (by accountIndex)
	policyTraits
	// The resource side's conditions on principal-specific keys, split into
	// those on account-level keys (their outcomes kept per account in
	// acctBits) and the others.
	acctConds, nameConds []*policy.Condition
	acctBits             map[int32]uint64
	memo                 map[shareKey]quick
	ctx                  *policy.Context
}

// newSharer prepares sharing for a query whose resource side is these
// policies (nil entries skipped) and grants.
func (g *Graph) newSharer(resource []*eval.NamedPolicy, rcpAccounts []string, grants []eval.Grant) *sharer {
	s := &sharer{individual: map[*Principal]bool{}, accounts: map[int32]bool{}, memo: map[shareKey]quick{}, ctx: policy.NewContextSize(false, 8)}
	if g.noShare {
		s.off = true
		return s
	}
	name := func(e string) {
		if arn.IsAccountID(e) {
			s.nameAccount(g, e)
			return
		}
		a, err := arn.Parse(e)
		if err != nil || a.AccountID == "" {
			return // "*", services, canonical users: never one user, role or account
		}
		s.nameAccount(g, a.AccountID)
		if a.Service != "iam" || a.Resource == "root" {
			return
		}
		last := lastSegment(a.Resource)
		for _, p := range g.ix.byAccount[a.AccountID] {
			if p.Name == last {
				s.individual[p] = true
			}
		}
	}
	add := func(np *eval.NamedPolicy) {
		if np == nil || np.Policy == nil {
			return
		}
		t, ok := g.traits[np.Policy] // every policy of the snapshot: read-only
		if !ok {
			t = analysePolicy(np.Policy)
		}
		s.add(t)
		for i := range np.Policy.Statements {
			if ps := np.Policy.Statements[i].Principal; ps != nil {
				for _, list := range [...][]string{ps.AWS, ps.Federated, ps.CanonicalUser, ps.Service} {
					for _, e := range list {
						name(e)
					}
				}
			}
		}
	}
	for _, np := range resource {
		add(np)
	}
	for _, a := range rcpAccounts {
		s.nameAccount(g, a) // same-account requests follow other rules
		levels, _ := g.Org.levels(a, snapshot.PolicyTypeRCP)
		for _, l := range levels {
			for i := range l {
				add(&l[i])
			}
		}
	}
	for _, gr := range grants {
		name(gr.GranteePrincipal)
		name(gr.RetiringPrincipal)
	}
	s.off = s.byName || len(s.conds) > maxShareConds
	for _, c := range s.conds {
		if accountLevel(strings.ToLower(c.Key)) {
			s.acctConds = append(s.acctConds, c)
		} else {
			s.nameConds = append(s.nameConds, c)
		}
	}
	s.acctBits = map[int32]uint64{}
	return s
}

// nameAccount keeps the principals of an account the query names apart
// from other accounts'.
func (s *sharer) nameAccount(g *Graph, account string) { s.accounts[g.accountIndex[account]] = true }

// key returns p's share key; ok is false when p must be evaluated alone.
func (s *sharer) key(g *Graph, p *Principal) (k shareKey, ok bool) {
	c := p.class
	if s.off || c == nil || c.unshared || c.byName || s.individual[p] {
		return shareKey{}, false
	}
	k.class, k.conds = c.id, p.condBits
	if s.tags || c.tags {
		k.tags = p.tagsID
	}
	if s.accounts[p.accountIndex] {
		k.account = p.accountIndex
	}
	if len(s.acctConds) > 0 {
		bits, ok := s.acctBits[p.accountIndex]
		if !ok {
			bits = condBits(g.accountFacts[p.accountIndex], s.acctConds)
			s.acctBits[p.accountIndex] = bits
		}
		k.queryConds = bits
	}
	if len(s.nameConds) > 0 {
		g.principalFacts(s.ctx, p)
		k.queryConds |= condBits(s.ctx, s.nameConds) << (2 * len(s.acctConds))
	}
	return k, true
}

// lookup returns the answer already given to a principal alike, if any.
func (s *sharer) lookup(k shareKey, ok bool) (quick, bool) {
	if !ok {
		return quick{}, false
	}
	q, found := s.memo[k]
	return q, found
}

// store keeps an answer for the principals alike.
func (s *sharer) store(k shareKey, ok bool, q quick) {
	if ok {
		s.memo[k] = q
	}
}

// onlyTagVariables reports whether every policy variable of a statement
// stands for a principal tag.
func onlyTagVariables(st *policy.Statement) bool {
	check := func(names []string) bool {
		for _, v := range names {
			if !principalTagKey(strings.ToLower(v)) {
				return false
			}
		}
		return true
	}
	for i := range st.Resources {
		if !check(st.Resources[i].Variables()) {
			return false
		}
	}
	for i := range st.Conditions {
		if !check(st.Conditions[i].Variables()) {
			return false
		}
	}
	return true
}
