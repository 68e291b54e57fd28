package graph

import (
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// keyFilter decides cheaply, and soundly, which principals need a full
// evaluation of an action on one key: a principal is skipped only when no
// Allow statement of its identity policies can match the request, given what
// is certain for any call on that key (the key's ARN, account and tags; the
// defaults of setCallDefaults, kms:ViaService left open) and the principal's
// own tags. Everything else in the
// context stays unknown, so a statement whose conditions need it is kept.
//
// The filter is not used for principals a key's policy or grants name, nor,
// when the key policy is open to "*", for the key's own account: they need
// no identity policy (a resource-based policy naming a principal of its own
// account, or everyone, suffices; https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html).
type keyFilter struct {
	action string // lower case
	key    *Key
	ctx    *policy.Context
	// memo holds, for statements whose answer cannot depend on the
	// principal (no policy variables, no aws:PrincipalTag condition), whether
	// they may allow: principals share managed and identical inline policies.
	memo map[*policy.Statement]bool
	// byClass holds, per principal class whose statements the memo can
	// answer, whether its policies may allow: 0 not asked, 1 may, 2 may not.
	byClass []uint8
	// byTags is byClass for classes whose statements read principal tags:
	// per class and tag set.
	byTags map[[2]int32]bool
	// memoTags is memo for statements that read principal tags (and no
	// other principal fact), per tag set; deps says which those are.
	memoTags map[stTags]bool
	deps     map[*policy.Statement]stmtDep
}

type stTags struct {
	st   *policy.Statement
	tags int32
}

// stmtDep is how a statement's answer under a key filter depends on the
// principal.
type stmtDep uint8

const (
	depNone stmtDep = iota // not at all
	depTags                // through its tags only
	depMore                // through other policy variables
)

func statementDep(st *policy.Statement) stmtDep {
	switch {
	case !principalDependent(st):
		return depNone
	case onlyTagVariables(st):
		return depTags
	}
	return depMore
}

func (g *Graph) newKeyFilter(action string, key *Key) *keyFilter {
	ctx := policy.NewContextSize(false, 16)
	if key.Tags != nil {
		for k, v := range key.Tags {
			ctx.Set("aws:ResourceTag/"+k, v)
		}
		ctx.SetPrefixKnown("aws:ResourceTag/")
	}
	ctx.Set("aws:ResourceAccount", key.Account)
	setCallDefaults(ctx, arn.KindRole, strings.ToLower(action), nil, false)
	if g.Org != nil && g.Org.Member(key.Account) {
		ctx.SetKey(keyResourceOrgID, g.Org.ID)
	}
	return &keyFilter{action: strings.ToLower(action), key: key, ctx: ctx, memo: map[*policy.Statement]bool{}, byClass: make([]uint8, g.numClasses+1), byTags: map[[2]int32]bool{}, memoTags: map[stTags]bool{}, deps: g.stmtDeps}
}

// mayAllow reports whether p's identity policies may allow the action on
// the key. A principal whose policies are not all known may.
func (f *keyFilter) mayAllow(p *Principal) bool {
	if len(p.Issues) > 0 {
		return true
	}
	c := p.class
	if c == nil || c.id <= 0 || int(c.id) >= len(f.byClass) {
		return f.mayAllowPolicies(p)
	}
	if !c.reaches(f.action, f.key.Account) {
		// None of its statements for the action names a key of this
		// account: no member's can, whatever its tags.
		f.byClass[c.id] = 2
		return false
	}
	switch {
	case !c.filterDep:
		// The same policies give the same answer: once per class.
		if v := f.byClass[c.id]; v != 0 {
			return v == 1
		}
		may := f.mayAllowPolicies(p)
		f.byClass[c.id] = 2
		if may {
			f.byClass[c.id] = 1
		}
		return may
	case c.filterTags:
		k := [2]int32{c.id, p.tagsID}
		may, ok := f.byTags[k]
		if !ok {
			may = f.mayAllowPolicies(p)
			f.byTags[k] = may
		}
		return may
	}
	return f.mayAllowPolicies(p)
}

func (f *keyFilter) mayAllowPolicies(p *Principal) bool {
	tagsSet := false
	defer func() {
		if tagsSet {
			for _, t := range p.tagKeys {
				f.ctx.DeleteKey(t.key)
			}
		}
	}()
	for _, np := range p.Policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect != policy.Allow {
				continue
			}
			if may, ok := f.memo[st]; ok {
				if may {
					return true
				}
				continue
			}
			dep, known := f.deps[st]
			if !known {
				dep = statementDep(st)
			}
			dependent := dep != depNone
			tk := stTags{st, p.tagsID}
			if dep == depTags {
				// Its answer depends on the principal's tags only: once per tag set.
				if may, ok := f.memoTags[tk]; ok {
					if may {
						return true
					}
					continue
				}
			}
			if dependent && !tagsSet {
				for _, t := range p.tagKeys {
					f.ctx.SetKey(t.key, t.value)
				}
				tagsSet = true
			}
			may := st.MatchesAction(f.action) && st.MatchesResource(f.key.ARN, f.ctx) != policy.False && st.EvalConditions(f.ctx, nil) != policy.False
			switch dep {
			case depNone:
				f.memo[st] = may
			case depTags:
				f.memoTags[tk] = may
			}
			if may {
				return true
			}
		}
	}
	return false
}

// principalDependent reports whether a statement's answer under a key filter
// may differ between principals: it uses policy variables or a principal's
// tags (the only principal facts the filter sets).
func principalDependent(st *policy.Statement) bool {
	if st.HasVariables() {
		return true
	}
	for i := range st.Conditions {
		if k := st.Conditions[i].Key; len(k) >= 17 && strings.EqualFold(k[:17], "aws:PrincipalTag/") {
			return true
		}
	}
	return false
}

// keyCandidates returns the principals of pool that need a full evaluation
// of action on key: those the key's policy or grants name, every principal of
// the key's account when its policy is open to everyone, and the others whose
// identity policies may allow it. everyone says pool is every principal of
// the snapshot: it is then read through g.lite, a compact copy of what the
// filter needs, since a key open to the organization is asked of all.
func (g *Graph) keyCandidates(everyone bool, pool []*Principal, action string, key *Key, named map[string]bool, open bool) []*Principal {
	f := g.newKeyFilter(action, key)
	direct := g.namedPrincipals(named)
	var out []*Principal
	if !everyone || len(g.lite) != len(g.sortedPrincipals) {
		for _, p := range pool {
			switch {
			case direct[p]:
			case open && p.Account == key.Account:
			case !f.mayAllow(p):
				continue
			}
			out = append(out, p)
		}
		return out
	}
	keyAccount := g.accountIndex[key.Account]
	for i := range g.lite {
		l := &g.lite[i]
		switch {
		case open && l.account == keyAccount:
		case l.mode != filterAlone && f.byClass[l.class] == 2:
			if len(direct) == 0 || !direct[g.sortedPrincipals[i]] {
				continue
			}
		case l.mode == filterByClass && f.byClass[l.class] == 1:
		case l.mode == filterByTags:
			may, ok := f.byTags[[2]int32{l.class, l.tags}]
			if !ok {
				may = f.mayAllow(g.sortedPrincipals[i])
			}
			if !may && (len(direct) == 0 || !direct[g.sortedPrincipals[i]]) {
				continue
			}
		default:
			p := g.sortedPrincipals[i]
			if !direct[p] && !f.mayAllow(p) {
				continue
			}
		}
		out = append(out, g.sortedPrincipals[i])
	}
	return out
}

// principalLite is what the key filter reads of a principal, kept in an
// array in the order of g.sortedPrincipals.
type principalLite struct {
	class, account, tags int32
	mode                 uint8
}

// How the key filter can answer for a principal.
const (
	filterAlone   uint8 = iota // on its own
	filterByClass              // once for its class (keyFilter.byClass)
	filterByTags               // once per class and tag set (keyFilter.byTags)
)

// namedPrincipals returns the snapshot's principals a set of policy
// principal ARNs names, by ARN or, for roles, by path-less ARN.
func (g *Graph) namedPrincipals(named map[string]bool) map[*Principal]bool {
	out := make(map[*Principal]bool, len(named))
	for e := range named {
		if p := g.principals[e]; p != nil {
			out[p] = true
			continue
		}
		if a, err := arn.Parse(e); err == nil && a.Service == "iam" && strings.HasPrefix(a.Resource, "role/") {
			if p := g.Role(a.AccountID, lastSegment(a.Resource)); p != nil && p.plainARN == e {
				out[p] = true
			}
		}
	}
	return out
}

// serviceKeyFilter returns, for reading a resource's data through its
// service, a sound filter on the KMS calls the service makes with the
// caller's permissions (forward access sessions): the caller must be named
// by the key's policy or grants, be in the key's account when its policy is
// open to everyone (or unknown), or hold an identity statement that may allow
// the first KMS call with kms:ViaService set to the service. Keys whose
// grants were not collected, services calling KMS as themselves, and
// resources without a known key keep everyone.
func (g *Graph) serviceKeyFilter(res *Resource, action string) func(*Principal) bool {
	all := func(*Principal) bool { return true }
	sp, ok := servicePaths[res.Type]
	key := g.keys[res.Key]
	if !ok || sp.asService || key == nil || !key.GrantsKnown {
		return all
	}
	var calls []string
	for a, c := range sp.calls {
		if strings.EqualFold(a, action) {
			calls = c
		}
	}
	if len(calls) == 0 {
		return all
	}
	named := map[string]bool{}
	open := key.Policy() == nil
	if key.Policy() != nil {
		open = namesPrincipals(key.Policy(), named)
	}
	for _, gr := range key.Grants {
		named[gr.GranteePrincipal] = true
	}
	direct := g.namedPrincipals(named)
	f := g.newKeyFilter(calls[len(calls)-1], key)
	f.ctx.Set("kms:ViaService", sp.service+"."+key.Region+".amazonaws.com")
	f.ctx.DeleteKey(keyViaAWSService)
	f.ctx.DeleteKey(keyCalledVia)
	return func(p *Principal) bool {
		return direct[p] || (open && p.Account == key.Account) || f.mayAllow(p)
	}
}
