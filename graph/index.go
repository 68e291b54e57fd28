package graph

import (
	"slices"
	"strings"
	"sync"

	"github.com/keyhound/keyhound/graph/eval"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// index holds what lets questions avoid evaluating every principal against
// every key: who each trust policy names, and which principals can call
// sts:AssumeRole at all.
type index struct {
	// trusts maps an account ID, or "*", to the roles whose trust policy has
	// an Allow statement for sts:AssumeRole naming that account or one of its
	// principals (or anyone).
	trusts map[string][]*Principal
	// serviceTrusts maps a service principal ("lambda.amazonaws.com"), or
	// "*", to the roles whose trust policy has an Allow statement naming
	// it ("*": any service, anyone, no principal, or a trust policy not
	// known), in the order of Principals.
	serviceTrusts map[string][]*Principal
	// trustNamed holds the user and role ARNs a trust policy's Allow
	// statement for sts:AssumeRole names, as written.
	trustNamed map[string]bool
	// byAccount lists each account's users and roles, sorted by ARN.
	byAccount map[string][]*Principal
	// assumers are the principals with an identity-policy statement that can
	// allow sts:AssumeRole.
	assumers map[*Principal]bool
	// assumersBy lists, per account, its assumers and its principals whose
	// policies are not all known (they may assume anything), sorted by ARN.
	assumersBy map[string][]*Principal
	// assumeLiteral lists, per role ARN, the assumers whose only
	// sts:AssumeRole statements name roles literally (no wildcard, no
	// variable, no NotResource); assumeWild, per account, every other
	// assumer. A role's possible assumers in an account are
	// assumeLiteral[its ARN] (and its path-less ARN) plus assumeWild.
	assumeLiteral map[string][]*Principal
	assumeWild    map[string][]*Principal
	// capable caches, per lower-case action, the principals with an
	// identity-policy Allow statement covering the action (resource aside).
	capable map[string]map[*Principal]bool
	// capableSorted caches Capable's lists; capableBy the same by account.
	capableSorted map[string][]*Principal
	capableBy     map[string]map[string][]*Principal
	// capableMu guards capable: answers may be asked from many goroutines
	// (the TUI computes in the background).
	capableMu sync.Mutex
	// noContext is an empty, incomplete context: every key unknown.
	noContext *policy.Context
}

// capableOf returns the principals whose identity policies have an Allow
// statement for action: only they can be allowed through IAM.
func (g *Graph) capableOf(action string) map[*Principal]bool {
	action = strings.ToLower(action)
	g.ix.capableMu.Lock()
	defer g.ix.capableMu.Unlock()
	if c, ok := g.ix.capable[action]; ok {
		return c
	}
	c := g.capableSets([]string{action})[0]
	g.ix.capable[action] = c
	return c
}

// PrepareCapable computes Capable for each of actions not yet asked, in
// one pass over the principals' policies instead of one per action: the
// pass, not the matching, is what costs in a large organization. The
// escalation search asks about twenty actions at once.
func (g *Graph) PrepareCapable(actions []string) {
	g.wait()
	g.ix.capableMu.Lock()
	defer g.ix.capableMu.Unlock()
	var todo []string
	for _, a := range actions {
		a = strings.ToLower(a)
		if _, ok := g.ix.capable[a]; !ok && !slices.Contains(todo, a) {
			todo = append(todo, a)
		}
	}
	if len(todo) == 0 {
		return
	}
	sets := g.capableSets(todo)
	for i, a := range todo {
		g.ix.capable[a] = sets[i]
	}
}

// capableSets computes capableOf's sets for lower-case actions in one pass
// over the principals. Their policies decide, so principals of one shared
// class (the same policies) are matched once for the class.
func (g *Graph) capableSets(actions []string) []map[*Principal]bool {
	sets := make([]map[*Principal]bool, len(actions))
	for i := range sets {
		sets[i] = map[*Principal]bool{}
	}
	for lo := 0; lo < len(actions); lo += 64 {
		chunk := actions[lo:min(lo+64, len(actions))]
		masks := make([]uint64, g.numClasses+1)
		known := make([]bool, g.numClasses+1)
		for _, p := range g.sortedPrincipals {
			if len(p.Issues) > 0 {
				for i := range chunk {
					sets[lo+i][p] = true // unknown policies may allow anything
				}
				continue
			}
			c := p.class
			shared := c != nil && c.id > 0 && int(c.id) < len(known)
			var mask uint64
			if shared && known[c.id] {
				mask = masks[c.id]
			} else {
				mask = allowMask(p.Policies, chunk)
				if shared {
					masks[c.id], known[c.id] = mask, true
				}
			}
			for i := range chunk {
				if mask&(1<<i) != 0 {
					sets[lo+i][p] = true
				}
			}
		}
	}
	return sets
}

// allowMask has bit i set when an Allow statement of policies matches
// actions[i] (at most 64, lower case).
func allowMask(policies []eval.NamedPolicy, actions []string) uint64 {
	var mask uint64
	all := uint64(1)<<len(actions) - 1
	if len(actions) == 64 {
		all = ^uint64(0)
	}
	for _, np := range policies {
		for j := range np.Policy.Statements {
			st := &np.Policy.Statements[j]
			if st.Effect != policy.Allow {
				continue
			}
			for i, a := range actions {
				if mask&(1<<i) == 0 && st.MatchesAction(a) {
					mask |= 1 << i
				}
			}
			if mask == all {
				return mask
			}
		}
	}
	return mask
}

// Capable returns the principals whose identity policies have an Allow
// statement for action (resource and conditions aside), or whose policies
// are not all known, sorted by ARN: the only ones IAM can allow it without
// a resource-based policy naming them. The slice is the caller's.
func (g *Graph) Capable(action string) []*Principal {
	g.wait()
	action = strings.ToLower(action)
	c := g.capableOf(action)
	g.ix.capableMu.Lock()
	defer g.ix.capableMu.Unlock()
	out, ok := g.ix.capableSorted[action]
	if !ok {
		out = make([]*Principal, 0, len(c))
		for p := range c {
			out = append(out, p)
		}
		slices.SortFunc(out, func(a, b *Principal) int { return cmpString(a.ARN, b.ARN) })
		g.ix.capableSorted[action] = out
	}
	return slices.Clone(out)
}

// CapableByAccount is Capable(action) by account, each list sorted by ARN,
// computed once per action and shared: callers must not modify it. The
// escalation search asks it for every state it expands.
func (g *Graph) CapableByAccount(action string) map[string][]*Principal {
	g.wait()
	action = strings.ToLower(action)
	g.ix.capableMu.Lock()
	m, ok := g.ix.capableBy[action]
	g.ix.capableMu.Unlock()
	if ok {
		return m
	}
	m = map[string][]*Principal{}
	for _, p := range g.Capable(action) {
		m[p.Account] = append(m[p.Account], p)
	}
	g.ix.capableMu.Lock()
	defer g.ix.capableMu.Unlock()
	if old, ok := g.ix.capableBy[action]; ok {
		return old
	}
	g.ix.capableBy[action] = m
	return m
}

func (g *Graph) buildIndex() {
	ix := &index{trusts: map[string][]*Principal{}, serviceTrusts: map[string][]*Principal{}, trustNamed: map[string]bool{}, byAccount: map[string][]*Principal{}, assumers: map[*Principal]bool{}, assumersBy: map[string][]*Principal{}, assumeLiteral: map[string][]*Principal{}, assumeWild: map[string][]*Principal{}, capable: map[string]map[*Principal]bool{}, capableSorted: map[string][]*Principal{}, capableBy: map[string]map[string][]*Principal{}, noContext: policy.NewContext(false)}
	for i, p := range g.sortedPrincipals { // not Principals: it waits for this build
		p.seq = int32(i + 1) //nolint:gosec // G115: fewer principals than 2^31
		ix.byAccount[p.Account] = append(ix.byAccount[p.Account], p)
		for _, np := range p.Policies {
			for i := range np.Policy.Statements {
				st := &np.Policy.Statements[i]
				if st.Effect == policy.Allow && st.MatchesAction("sts:assumerole") {
					ix.assumers[p] = true
				}
			}
		}
		if ix.assumers[p] || len(p.Issues) > 0 {
			ix.assumersBy[p.Account] = append(ix.assumersBy[p.Account], p)
			if literal, ok := literalAssumeTargets(p); ok {
				for _, r := range literal {
					ix.assumeLiteral[r] = append(ix.assumeLiteral[r], p)
				}
			} else {
				ix.assumeWild[p.Account] = append(ix.assumeWild[p.Account], p)
			}
		}
		if p.Kind == arn.KindRole {
			ix.indexServiceTrust(p)
		}
		if p.Kind != arn.KindRole || p.Trust == nil {
			continue
		}
		named := map[string]bool{}
		for i := range p.Trust.Policy.Statements {
			st := &p.Trust.Policy.Statements[i]
			if st.Effect != policy.Allow || !st.MatchesAction("sts:assumerole") || st.Principal == nil {
				continue
			}
			if st.Principal.Any || st.NotPrincipal {
				named["*"] = true
			}
			for _, e := range st.Principal.AWS {
				switch {
				case e == "*":
					named["*"] = true
				case arn.IsAccountID(e):
					named[e] = true
				default:
					if a, err := arn.Parse(e); err == nil && a.AccountID != "" {
						named[a.AccountID] = true
						if a.Resource != "root" {
							ix.trustNamed[e] = true
						}
					}
				}
			}
		}
		for k := range named {
			ix.trusts[k] = append(ix.trusts[k], p)
		}
	}
	g.ix = ix
}

// indexServiceTrust adds role p to serviceTrusts.
func (ix *index) indexServiceTrust(p *Principal) {
	if p.Trust == nil || p.Trust.Policy == nil {
		ix.serviceTrusts["*"] = append(ix.serviceTrusts["*"], p)
		return
	}
	var named []string
	for i := range p.Trust.Policy.Statements {
		st := &p.Trust.Policy.Statements[i]
		if st.Effect != policy.Allow {
			continue
		}
		if st.Principal == nil || st.Principal.Any || st.NotPrincipal || slices.Contains(st.Principal.Service, "*") {
			ix.serviceTrusts["*"] = append(ix.serviceTrusts["*"], p)
			return
		}
		for _, s := range st.Principal.Service {
			if !slices.Contains(named, s) {
				named = append(named, s)
			}
		}
	}
	for _, s := range named {
		ix.serviceTrusts[s] = append(ix.serviceTrusts[s], p)
	}
}

// NamedInTrust reports whether some role's trust policy names principal
// (a user's or role's ARN, as the policy writes it) in an Allow statement
// for sts:AssumeRole.
func (g *Graph) NamedInTrust(principal string) bool {
	g.wait()
	return g.ix.trustNamed[principal]
}

// ServiceTrusting returns the roles whose trust policy may let service
// (a service principal, "lambda.amazonaws.com") assume them, on a cheap
// filter: an Allow statement naming the service, any service or anyone
// (for any action), or a trust policy not known. Each role once; the
// slices are the graph's.
func (g *Graph) ServiceTrusting(service string) (named, anyService []*Principal) {
	g.wait()
	return slices.Clip(g.ix.serviceTrusts[service]), slices.Clip(g.ix.serviceTrusts["*"])
}

// assumeCandidates returns the roles whose trust policy may let caller
// assume them: roles naming its account (or anyone), and, when the caller
// has no identity statement for sts:AssumeRole, only those in its own account
// that name it directly (a trust policy naming a principal needs no IAM
// permission in the same account; naming the account, or another account,
// does).
func (g *Graph) assumeCandidates(caller arn.Principal, self *Principal) []*Principal {
	if caller.AccountID == "" {
		return nil
	}
	var out []*Principal
	for _, list := range [][]*Principal{g.ix.trusts[caller.AccountID], g.ix.trusts["*"]} {
		for _, r := range list {
			if g.mayAssume(self, caller, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// mayAssume is a cheap filter before evaluating sts:AssumeRole: the caller
// needs an identity statement allowing sts:AssumeRole on the role's ARN
// (conditions aside), unless the role, in the caller's own account, trusts
// the caller by name. A caller whose policies are not known is always tried.
func (g *Graph) mayAssume(self *Principal, caller arn.Principal, role *Principal) bool {
	if self == nil || len(self.Issues) > 0 {
		return true
	}
	if role.Account == caller.AccountID && trustNamesDirectly(role, caller) {
		return true
	}
	if !g.ix.assumers[self] {
		return false
	}
	for _, np := range self.Policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect == policy.Allow && st.MatchesAction("sts:assumerole") && st.MatchesResource(role.ARN, g.ix.noContext) != policy.False {
				return true
			}
		}
	}
	return false
}

// trustNamesDirectly reports whether a role's trust policy names the caller
// itself (its ARN, or its role's ARN), not only its account.
func trustNamesDirectly(role *Principal, caller arn.Principal) bool {
	roleARN := caller.RoleARN()
	for _, st := range role.Trust.Policy.Statements {
		if st.Principal == nil {
			continue
		}
		for _, e := range st.Principal.AWS {
			if e == caller.ARN || (roleARN != "" && lastSegment(e) == caller.Name && strings.HasPrefix(e, "arn:"+caller.Partition+":iam::"+caller.AccountID+":role/")) {
				return true
			}
		}
	}
	return false
}

// literalAssumeTargets returns the role ARNs a principal's sts:AssumeRole
// Allow statements name, when every one names them literally; ok is false
// when one uses a wildcard, a variable or NotResource, or when the
// principal's policies are not all known.
func literalAssumeTargets(p *Principal) (targets []string, ok bool) {
	if len(p.Issues) > 0 {
		return nil, false
	}
	for _, np := range p.Policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect != policy.Allow || !st.MatchesAction("sts:assumerole") {
				continue
			}
			if !st.HasResource || st.NotResource {
				return nil, false
			}
			for _, r := range st.Resources {
				if strings.ContainsAny(r.String(), "*?$") {
					return nil, false
				}
				targets = append(targets, r.String())
			}
		}
	}
	return targets, true
}
