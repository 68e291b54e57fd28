package graph

import (
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// Who is one principal that can (or may) perform an action on a resource.
type Who struct {
	Principal string `json:"principal"`
	// Kind is user, role, account (an account outside the snapshot, through
	// whichever of its principals it delegates to) or public ("*").
	Kind    string `json:"kind"`
	Account string `json:"account,omitempty"`
	// External is true for principals outside the organization (or outside
	// the snapshot when no organization was scanned).
	External   bool            `json:"external"`
	Decision   eval.Verdict    `json:"decision"`
	Paths      []Path          `json:"paths"`
	Conditions []eval.Residual `json:"conditions,omitempty"`
	Unknowns   []Issue         `json:"unknowns,omitempty"`
	// Because names the statements and grants that allow the principal's
	// own access (its direct path): see allowedBecause.
	Because []string `json:"because,omitempty"`
}

// AnyGrantee stands, in a who-can answer, for every principal that may hold
// a grant of a key whose grants were not collected.
const AnyGrantee = "(any grantee)"

// WhoCan lists every principal of the snapshot, every account outside it that
// the key's policy or grants (or the resource's sharing) name, and the public
// when a statement names "*", whose decision for action on the key or
// resource is not DENY: ALLOW first, then CONDITIONAL, each with its paths.
//
// It does not evaluate every principal: only those of the accounts the key
// (or resource) trusts are evaluated directly; then, breadth first up to
// chainDepth hops, the principals that can assume a role that has access
// (found through the trust index).
func (g *Graph) WhoCan(action, resource, region string, chainDepth int) ([]Who, error) {
	var outside []string
	target := resource
	accounts := map[string]bool{}
	named := map[string]bool{} // principals a resource-side policy names itself
	everyone := false
	open := false // a resource-side Allow statement names everyone
	capAction := action
	var key *Key // the key asked about, when it is a key
	if res := g.resourceFor(resource); res != nil {
		if sp, ok := servicePaths[res.Type]; ok && (capAction == "" || strings.EqualFold(capAction, "decrypt") || strings.EqualFold(capAction, "read")) {
			capAction = sp.read
		}
		if res.Policy != nil {
			open = namesPrincipals(res.Policy, named)
			everyone = open || everyone
		}
		if res.PolicyGap != nil {
			// A policy (or sharing attribute) not known may name anyone.
			open, everyone = true, true
		}
		if _, err := g.decide(Query{Principal: arn.AccountRoot(g.partition, res.Account), Action: action, Resource: resource}); err != nil {
			return nil, err
		}
		accounts[res.Account] = true
		for _, a := range res.SharedWith {
			switch {
			case a == "all":
				outside, everyone = append(outside, "*"), true
			case !g.InSnapshot(a):
				outside = append(outside, arn.AccountRoot(g.partition, a))
			default:
				accounts[a] = true
			}
		}
		if k := g.keys[res.Key]; k != nil {
			outside = append(outside, g.namedOutside(k)...)
		}
		slices.Sort(outside)
		outside = slices.Compact(outside)
	} else {
		if strings.EqualFold(action, "decrypt") {
			action = "kms:Decrypt"
		}
		k, err := g.ResolveKey(resource, "", region)
		if err != nil {
			return nil, err
		}
		key = k
		target = key.ARN
		capAction = action
		outside = g.namedOutside(key)
		everyone = g.keyTrusts(key, accounts) || key.Policy == nil
		// A key policy not known may name anyone of the key's account.
		open = key.Policy == nil
		if key.Policy != nil {
			open = namesPrincipals(key.Policy, named)
		}
		for _, gr := range key.Grants {
			named[gr.GranteePrincipal] = true
		}
	}

	// whos holds the answers in the order found; index finds one by principal.
	var whos []Who
	index := map[string]int32{}
	var whoP []*Principal // whos[i]'s principal, when it is one of the snapshot
	record := func(w Who, p *Principal) {
		if i, ok := index[w.Principal]; ok {
			old := &whos[i]
			old.Paths = append(old.Paths, w.Paths...)
			if verdictRank(w.Decision) < verdictRank(old.Decision) {
				old.Decision = w.Decision
			}
			return
		}
		index[w.Principal] = int32(len(whos)) //nolint:gosec // G115: fewer answers than principals
		whos = append(whos, w)
		whoP = append(whoP, p)
	}
	found := func(principal string) *Who {
		if i, ok := index[principal]; ok {
			return &whos[i]
		}
		return nil
	}
	// Direct access: only principals that IAM could allow (an identity
	// statement for the action) or that the resource side names itself.
	var pool []*Principal
	if everyone {
		pool = g.Principals()
	} else {
		for _, a := range sortedKeys(accounts) {
			pool = append(pool, g.ix.byAccount[a]...)
		}
	}
	var candidates []*Principal
	if key != nil {
		candidates = g.keyCandidates(everyone, pool, action, key, named, open)
	} else {
		capable := g.capableOf(capAction)
		res := g.resourceFor(resource)
		kmsOK := g.serviceKeyFilter(res, capAction)
		for _, p := range pool {
			if (capable[p] || named[p.ARN] || (p.Kind == arn.KindRole && named[p.plainARN]) || (open && p.Account == res.Account)) && kmsOK(p) {
				candidates = append(candidates, p)
			}
		}
	}
	var s *scratch
	var sh *sharer // answers principals alike once (share.go)
	if key != nil {
		s = &scratch{}
		sh = g.newSharer([]*eval.NamedPolicy{key.Policy}, []string{key.Account}, key.Grants)
	} else {
		res := g.resourceFor(resource)
		side, rcps := []*eval.NamedPolicy{res.Policy}, []string{res.Account}
		var grants []eval.Grant
		if k := g.keys[res.Key]; k != nil {
			side, rcps, grants = append(side, k.Policy), append(rcps, k.Account), k.Grants
		}
		sh = g.newSharer(side, rcps, grants)
		// A snapshot's sharing attribute names accounts only (sharingPolicy).
		for _, a := range res.SharedWith {
			sh.nameAccount(g, a)
		}
	}
	whos = make([]Who, 0, len(candidates)+len(outside)+1)
	whoP = make([]*Principal, 0, cap(whos))
	index = make(map[string]int32, len(candidates))
	// A path and its one-principal chain per candidate, allocated at once
	// (three-index slices: a later append copies).
	paths, vias := make([]Path, len(candidates)), make([]string, len(candidates))
	for i, p := range candidates {
		k, shared := sh.key(g, p)
		a, hit := sh.lookup(k, shared)
		if !hit {
			var err error
			if a, err = g.verdict(Query{Principal: p.ARN, Action: action, Resource: target}, s); err != nil {
				continue
			}
			sh.store(k, shared, a)
		}
		if a.verdict == eval.Deny {
			continue
		}
		vias[i] = p.ARN
		paths[i] = Path{Via: vias[i : i+1 : i+1], Decision: a.verdict}
		record(Who{
			Principal: p.ARN, Kind: p.Kind.String(), Account: p.Account, External: p.outside,
			Decision: a.verdict, Paths: paths[i : i+1 : i+1], Conditions: a.conditions, Unknowns: a.unknowns,
			Because: a.because,
		}, p)
	}
	direct := len(whos) // the answers so far are in pool order
	for _, name := range outside {
		principal, kind, account := "*", "public", ""
		if name != "*" {
			pr, err := arn.ParsePrincipal(name)
			if err != nil {
				continue
			}
			principal, kind, account = pr.ARN, pr.Kind.String(), pr.AccountID
		}
		a, err := g.Can(Query{Principal: principal, Action: action, Resource: target, ChainDepth: -1})
		if err != nil || a.Decision == eval.Deny {
			continue
		}
		unknowns := a.Unknowns
		if account != "" && (g.Snapshot.Accounts[account] != nil || g.Org.Member(account)) {
			// An account of the snapshot or organization whose IAM was not
			// collected stands for its principals: which of them its IAM
			// allows is unknown, and the answer says why.
			unknowns = append(slices.Clip(unknowns), g.accountGap(account, principal))
		}
		record(Who{
			Principal: principal, Kind: kind, Account: account, External: g.external(account),
			Decision: a.Decision, Paths: a.Paths, Conditions: a.Conditions, Unknowns: unknowns,
		}, nil)
	}
	// Grants not collected: any principal may hold one. Rather than listing
	// every principal of the organization, one entry says so.
	if key != nil && !key.GrantsKnown {
		record(Who{
			Principal: AnyGrantee, Kind: "grantee", Account: key.Account, External: true, Decision: eval.Conditional,
			Paths:    []Path{{Via: []string{AnyGrantee}, Decision: eval.Conditional}},
			Unknowns: []Issue{anyGranteeIssue(key)},
		}, nil)
	}
	// Role chains, backwards from the roles that have access.
	type reach struct {
		role    *Principal
		verdict eval.Verdict
		via     []string // from this role to the access
	}
	var frontier []reach
	for i, p := range whoP {
		// Only roles someone may assume can start a chain.
		if p != nil && p.Kind == arn.KindRole && len(g.assumersOf(p)) > 0 {
			frontier = append(frontier, reach{p, whos[i].Decision, whos[i].Paths[0].Via})
		}
	}
	seen := map[[2]*Principal]bool{}
	var cs scratch // reused by every sts:AssumeRole evaluation below
	for level := 0; level < chainDepth && len(frontier) > 0; level++ {
		var next []reach
		for _, r := range frontier {
			for _, p := range g.assumersOf(r.role) {
				if p == r.role || seen[[2]*Principal{p, r.role}] {
					continue
				}
				seen[[2]*Principal{p, r.role}] = true
				if w := found(p.ARN); w != nil && w.Decision == eval.Allow {
					continue
				}
				v := g.canAssumeIn(p.ARN, r.role, &cs)
				if v == eval.Deny {
					continue
				}
				v = v.And(r.verdict)
				via := append([]string{p.ARN}, r.via...)
				record(Who{
					Principal: p.ARN, Kind: p.Kind.String(), Account: p.Account, External: p.outside,
					Decision: v, Paths: []Path{{Via: via, Decision: v}},
				}, p)
				if p.Kind == arn.KindRole {
					next = append(next, reach{p, v, via})
				}
			}
		}
		frontier = next
	}
	permute(whos, sortedAnswers(whos, direct))
	out := slices.Clip(whos)
	return out, nil
}

// anyGranteeIssue is the gap behind who-can's AnyGrantee entry.
func anyGranteeIssue(key *Key) Issue {
	iss := Issue{Account: key.Account, Region: key.Region, Item: key.ARN, Path: "Grants"}
	if key.GrantsIssue != nil {
		iss.Path = key.GrantsIssue.Path
	}
	iss.Message = "grants not collected"
	if key.grantsWhy != "" {
		iss.Message += " (" + key.grantsWhy + ")"
	}
	iss.Message += ": any principal may hold a grant for this operation"
	return iss
}

// permute puts whos in the order perm gives (whos[perm[0]] first), in place,
// cycle by cycle: an organization-wide answer is tens of thousands of
// entries, not worth copying. perm is used up.
func permute(whos []Who, perm []int32) {
	for i := range perm {
		if perm[i] < 0 {
			continue
		}
		tmp := whos[i]
		j := i
		for {
			k := int(perm[j])
			perm[j] = -1
			if k == i {
				whos[j] = tmp
				break
			}
			whos[j] = whos[k]
			j = k
		}
	}
}

// sortedAnswers returns the order of whos by decision, then principal
// (unique: a total order), as indexes. The first direct answers come in
// pool order, which is principal order: when they are, only the rest is
// sorted, and merged in; a stable pass by decision ends it.
func sortedAnswers(whos []Who, direct int) []int32 {
	n := len(whos)
	byPrincipal := func(a, b int32) int { return strings.Compare(whos[a].Principal, whos[b].Principal) }
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i) //nolint:gosec // G115: fewer answers than principals
	}
	if !slices.IsSortedFunc(perm[:direct], byPrincipal) {
		slices.SortFunc(perm, byPrincipal)
	} else if direct < n {
		slices.SortFunc(perm[direct:], byPrincipal)
		merged := make([]int32, 0, n)
		i, j := 0, direct
		for i < direct && j < n {
			if byPrincipal(perm[i], perm[j]) <= 0 {
				merged, i = append(merged, perm[i]), i+1
			} else {
				merged, j = append(merged, perm[j]), j+1
			}
		}
		perm = append(append(merged, perm[i:direct]...), perm[j:]...)
	}
	// Stable by decision: ALLOW, CONDITIONAL, then any other.
	out := make([]int32, 0, n)
	for rank := range 3 {
		for _, k := range perm {
			if verdictRank(whos[k].Decision) == rank {
				out = append(out, k)
			}
		}
	}
	return out
}

// keyTrusts adds to accounts the accounts a key's policy and grants name,
// and reports whether a statement names everyone ("*").
func (g *Graph) keyTrusts(k *Key, accounts map[string]bool) bool {
	everyone := false
	accounts[k.Account] = true
	add := func(e string) {
		switch {
		case e == "*":
			everyone = true
		case arn.IsAccountID(e):
			accounts[e] = true
		default:
			if p, err := arn.ParsePrincipal(e); err == nil && p.AccountID != "" {
				accounts[p.AccountID] = true
			}
		}
	}
	if k.Policy != nil {
		for _, st := range k.Policy.Policy.Statements {
			if st.Principal == nil || st.Principal.Any || st.NotPrincipal {
				if st.Effect != 0 {
					continue
				}
				// "*" limited to named accounts by kms:CallerAccount or
				// aws:PrincipalAccount (as AWS managed keys are) trusts
				// those accounts only.
				if limited := callerAccounts(&st); limited != nil {
					for _, a := range limited {
						accounts[a] = true
					}
					continue
				}
				everyone = true
				continue
			}
			for _, e := range st.Principal.AWS {
				add(e)
			}
		}
	}
	for _, gr := range k.Grants {
		add(gr.GranteePrincipal)
	}
	return everyone || !k.GrantsKnown
}

// callerAccounts returns the accounts a statement's StringEquals condition
// on kms:CallerAccount or aws:PrincipalAccount limits it to, or nil.
func callerAccounts(st *policy.Statement) []string {
	for _, c := range st.Conditions {
		k := strings.ToLower(c.Key)
		if c.Family == policy.OpStringEquals && !c.Negated && !c.IfExists && c.Set == policy.SetNone &&
			(k == "kms:calleraccount" || k == "aws:principalaccount") {
			return c.Values
		}
	}
	return nil
}

// namesPrincipals adds the ARNs a policy's Allow statements name to named,
// and reports whether one names everyone.
func namesPrincipals(np *eval.NamedPolicy, named map[string]bool) bool {
	everyone := false
	for _, st := range np.Policy.Statements {
		if st.Effect != 0 || st.Principal == nil {
			continue
		}
		everyone = everyone || st.Principal.Any || st.NotPrincipal
		for _, e := range st.Principal.AWS {
			named[e] = true
		}
	}
	return everyone
}

// assumersOf returns the principals a role's trust policy can let assume it:
// those of the accounts it names (all, for "*"). The graph does not change:
// each role's list is computed once; callers must not modify it.
func (g *Graph) assumersOf(role *Principal) []*Principal {
	if role.Trust == nil {
		return nil
	}
	if v := role.assumers.Load(); v != nil {
		return *v
	}
	out := g.computeAssumers(role)
	role.assumers.Store(&out) // two goroutines may both compute it: the same list
	return out
}

func (g *Graph) computeAssumers(role *Principal) []*Principal {
	accounts := map[string]bool{}
	for _, st := range role.Trust.Policy.Statements {
		if st.Principal == nil {
			continue
		}
		if st.Principal.Any || st.NotPrincipal || slices.Contains(st.Principal.AWS, "*") {
			return g.anyAssumers(role)
		}
		for _, e := range st.Principal.AWS {
			switch {
			case arn.IsAccountID(e):
				accounts[e] = true
			default:
				if a, err := arn.Parse(e); err == nil {
					accounts[a.AccountID] = true
				}
			}
		}
	}
	// Only principals with an identity statement for sts:AssumeRole (or
	// unknown policies) can use a trust naming their account; a principal the
	// trust names itself, in the role's own account, needs none.
	var out []*Principal
	for _, a := range sortedKeys(accounts) {
		for _, p := range g.ix.assumeWild[a] {
			if trustMayName(role, p) && g.mayAssume(p, p.parsed, role) {
				out = append(out, p)
			}
		}
	}
	for _, name := range []string{role.ARN, role.plainARN} {
		for _, p := range g.ix.assumeLiteral[name] {
			if accounts[p.Account] && trustMayName(role, p) && !slices.Contains(out, p) && g.mayAssume(p, p.parsed, role) {
				out = append(out, p)
			}
		}
		if role.plainARN == role.ARN {
			break
		}
	}
	for _, st := range role.Trust.Policy.Statements {
		if st.Principal == nil {
			continue
		}
		for _, e := range st.Principal.AWS {
			p := g.principals[e]
			if p == nil {
				if a, err := arn.Parse(e); err == nil && a.AccountID == role.Account && strings.HasPrefix(a.Resource, "role/") {
					p = g.Role(a.AccountID, lastSegment(a.Resource))
				}
			}
			if p != nil && p.Account == role.Account && !slices.Contains(out, p) && g.mayAssume(p, p.parsed, role) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Principal) int { return cmpString(a.ARN, b.ARN) })
	return out
}

// trustMayName reports whether a role's trust policy has an Allow statement
// whose Principal can match p: everyone, p's account, or p itself (by ARN,
// or a role's path-less ARN). NotPrincipal statements may match anyone.
// Principals no statement can match need no evaluation.
func trustMayName(role, p *Principal) bool {
	root := "arn:" + p.parsed.Partition + ":iam::" + p.Account + ":root"
	for i := range role.Trust.Policy.Statements {
		st := &role.Trust.Policy.Statements[i]
		if st.Effect != policy.Allow || st.Principal == nil {
			continue
		}
		if st.Principal.Any || st.NotPrincipal {
			return true
		}
		for _, e := range st.Principal.AWS {
			if e == "*" || e == p.Account || e == root || e == p.ARN || e == p.ID || (p.plainARN != "" && e == p.plainARN) {
				return true
			}
		}
	}
	return false
}

// anyAssumers returns who a trust policy open to everyone may let assume a
// role: every principal of its account (a resource-based policy naming "*"
// needs no identity policy in its own account) and, elsewhere, those with an
// identity statement that may allow sts:AssumeRole on it.
func (g *Graph) anyAssumers(role *Principal) []*Principal {
	out := slices.Clone(g.ix.byAccount[role.Account])
	for _, a := range sortedKeys(g.ix.assumersBy) {
		if a == role.Account {
			continue
		}
		for _, p := range g.ix.assumersBy[a] {
			if g.mayAssume(p, p.parsed, role) {
				out = append(out, p)
			}
		}
	}
	slices.SortFunc(out, func(a, b *Principal) int { return cmpString(a.ARN, b.ARN) })
	return out
}

// quick is a principal's own answer as who-can keeps it.
type quick struct {
	verdict    eval.Verdict
	conditions []eval.Residual
	unknowns   []Issue
	because    []string
}

// verdict answers q for the principal itself, keeping only the verdict, its
// residual conditions, the statements that allow it and the snapshot's gaps:
// with s (for keys only), in reused storage.
func (g *Graph) verdict(q Query, s *scratch) (quick, error) {
	if s == nil {
		dr, err := g.decide(q)
		if err != nil {
			return quick{verdict: eval.Deny}, err
		}
		return quick{dr.verdict, dr.conditions, dr.unknowns, allowedBecause(dr.reasons)}.normal(), nil
	}
	r, unknowns, err := g.request(q, s)
	if err != nil {
		return quick{verdict: eval.Deny}, err
	}
	var e eval.Evaluator
	e.Evaluate(r, &s.dec)
	return quick{s.dec.Verdict, slices.Clone(s.dec.Conditions), unknowns, allowedBecause(s.dec.Reasons)}.normal(), nil
}

// normal makes empty lists nil: answers shared among principals compare equal.
func (q quick) normal() quick {
	if len(q.conditions) == 0 {
		q.conditions = nil
	}
	if len(q.unknowns) == 0 {
		q.unknowns = nil
	}
	if len(q.because) == 0 {
		q.because = nil
	}
	return q
}

// allowedBecause names the statements and grants that allow (or may allow)
// a request, outside the SCP and RCP levels (which only allow what others
// grant): "key-policy statement 2 \"Sid\"", "identity-policy kms-use
// statement 0", "grant 5a7e…".
func allowedBecause(reasons []eval.Reason) []string {
	var out []string
	for _, rs := range reasons {
		if (rs.Outcome != eval.OutcomeAllows && rs.Outcome != eval.OutcomeConditional) || rs.Layer == eval.LayerSCP || rs.Layer == eval.LayerRCP || rs.Statement < 0 && rs.Grant == "" {
			continue
		}
		ref := rs.Layer.String()
		switch {
		case rs.Grant != "":
			ref += " " + rs.Grant
		default:
			if rs.Layer != eval.LayerKeyPolicy && rs.Layer != eval.LayerResourcePolicy && rs.Layer != eval.LayerTrustPolicy && rs.Policy != "" {
				ref += " " + rs.Policy
			}
			ref += " statement " + strconv.Itoa(rs.Statement)
			if rs.Sid != "" {
				ref += " " + strconv.Quote(rs.Sid)
			}
		}
		if !slices.Contains(out, ref) {
			out = append(out, ref)
		}
	}
	return out
}

func verdictRank(v eval.Verdict) int {
	switch v {
	case eval.Allow:
		return 0
	case eval.Conditional:
		return 1
	}
	return 2
}

// external reports whether account is outside the organization (or, with no
// organization scanned, outside the snapshot).
func (g *Graph) external(account string) bool {
	if account == "" {
		return true
	}
	if g.Org != nil {
		return !g.Org.Member(account)
	}
	return !g.InSnapshot(account)
}

// namedOutside returns the principals a key's policy and grants name that are
// not IAM users or roles of the snapshot: accounts and principals of other
// accounts, and "*". Sorted.
func (g *Graph) namedOutside(key *Key) []string {
	seen := map[string]bool{}
	add := func(e string) {
		switch {
		case e == "*":
			seen["*"] = true
		case arn.IsAccountID(e):
			if !g.InSnapshot(e) {
				seen[arn.AccountRoot(g.partition, e)] = true
			}
		default:
			p, err := arn.ParsePrincipal(e)
			if err != nil || p.Kind == arn.KindService {
				return
			}
			if !g.InSnapshot(p.AccountID) {
				seen[e] = true
			}
		}
	}
	if key.Policy != nil {
		for _, st := range key.Policy.Policy.Statements {
			if st.Effect != 0 || st.Principal == nil || st.NotPrincipal {
				continue
			}
			named := st.Principal.AWS
			if st.Principal.Any {
				named = append([]string{"*"}, named...)
			}
			for _, e := range named {
				// "*" limited to named accounts by kms:CallerAccount or
				// aws:PrincipalAccount (as AWS managed keys are) is those
				// accounts' principals, not the public.
				if limited := callerAccounts(&st); e == "*" && limited != nil {
					for _, a := range limited {
						add(a)
					}
					continue
				}
				add(e)
			}
		}
	}
	for _, gr := range key.Grants {
		add(gr.GranteePrincipal)
	}
	return sortedKeys(seen)
}

// OutsidePrincipals lists the principals outside the snapshot that some
// answer may name: accounts and principals that keys' policies and grants
// name, accounts resources are shared with, and "*" when a key or resource is
// open to everyone. Sorted.
func (g *Graph) OutsidePrincipals() []string {
	seen := map[string]bool{}
	for _, k := range g.sortedKeys {
		for _, p := range g.namedOutside(k) {
			seen[p] = true
		}
	}
	for _, r := range g.resources {
		for _, a := range r.SharedWith {
			switch {
			case a == "all":
				seen["*"] = true
			case !g.InSnapshot(a):
				seen[arn.AccountRoot(g.partition, a)] = true
			}
		}
	}
	return sortedKeys(seen)
}
