package graph

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
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
	g.wait()
	who, _, err := g.whoCan(action, resource, region, chainDepth, nil, false)
	return who, err
}

// WhoCanPrincipals is WhoCan with, for each answer, its principal of the
// snapshot (nil for an account outside it, the public and AnyGrantee): for
// a caller that would look each up by ARN (an organization-wide key's
// answer lists every principal of the organization).
func (g *Graph) WhoCanPrincipals(action, resource, region string, chainDepth int) ([]Who, []*Principal, error) {
	g.wait()
	return g.whoCan(action, resource, region, chainDepth, nil, true)
}

// whoCan is WhoCan, or with among WhoCanAmong: among's members are the only
// principals of the snapshot it evaluates, and its answer keeps those of
// among's accounts. withPrincipals also returns each answer's principal
// (WhoCanPrincipals).
func (g *Graph) whoCan(action, resource, region string, chainDepth int, among *Among, withPrincipals bool) ([]Who, []*Principal, error) {
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
		if res.Policy() != nil {
			open = namesPrincipals(res.Policy(), named)
			everyone = open || everyone
		}
		if res.PolicyGap() != nil {
			// A policy (or sharing attribute) not known may name anyone.
			open, everyone = true, true
		}
		accounts[res.Account] = true
		for _, a := range res.SharedWith() {
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
			return nil, nil, err
		}
		key = k
		target = key.ARN
		capAction = action
		outside = g.namedOutside(key)
		everyone = g.keyTrusts(key, accounts) || key.Policy() == nil
		// A key policy not known may name anyone of the key's account.
		open = key.Policy() == nil
		if key.Policy() != nil {
			open = namesPrincipals(key.Policy(), named)
		}
		for _, gr := range key.Grants {
			named[gr.GranteePrincipal] = true
		}
	}

	// whos holds the answers in the order found; found finds one by
	// principal (p, when one of the snapshot): among the direct answers by
	// binary search when they are in Principals' order (ordered), else
	// through index, which holds the others.
	var whos []Who
	var index map[string]int32
	var whoP []*Principal // whos[i]'s principal, when it is one of the snapshot
	direct, ordered := 0, false
	found := func(principal string, p *Principal) *Who {
		if ordered {
			var i int
			var ok bool
			if p != nil {
				i, ok = slices.BinarySearchFunc(whoP[:direct], p.seq, func(q *Principal, seq int32) int { return cmp.Compare(q.seq, seq) })
			} else {
				i, ok = slices.BinarySearchFunc(whos[:direct], principal, func(w Who, name string) int { return strings.Compare(w.Principal, name) })
			}
			if ok {
				return &whos[i]
			}
		}
		if i, ok := index[principal]; ok {
			return &whos[i]
		}
		return nil
	}
	record := func(w Who, p *Principal) {
		if old := found(w.Principal, p); old != nil {
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
	// Direct access: only principals that IAM could allow (an identity
	// statement for the action) or that the resource side names itself.
	var pool []*Principal
	switch {
	case everyone && among != nil:
		pool = among.sorted
	case everyone:
		pool = g.Principals()
	default:
		for _, a := range sortedKeys(accounts) {
			if among != nil {
				pool = append(pool, among.byAccount[a]...)
				continue
			}
			pool = append(pool, g.ix.byAccount[a]...)
		}
	}
	anyGrantee := key != nil && !key.GrantsKnown
	if among != nil && len(pool) == 0 && !among.anyOf(outside) && (!anyGrantee || among.keep != nil || !among.accounts[key.Account]) {
		return nil, nil, nil // none of among's principals can be in the answer
	}
	if res := g.resourceFor(resource); res != nil {
		// A resource keyhound cannot evaluate is an error.
		if _, err := g.decide(Query{Principal: arn.AccountRoot(g.partition, res.Account), Action: action, Resource: resource}); err != nil {
			return nil, nil, err
		}
	}
	var candidates []*Principal
	if key != nil {
		// The whole snapshot's pool is read through g.lite: not a part of it.
		candidates = g.keyCandidates(everyone && among == nil, pool, action, key, named, open)
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
		sh = g.newSharer([]*eval.NamedPolicy{key.Policy()}, []string{key.Account}, key.Grants)
	} else {
		res := g.resourceFor(resource)
		side, rcps := []*eval.NamedPolicy{res.Policy()}, []string{res.Account}
		var grants []eval.Grant
		if k := g.keys[res.Key]; k != nil {
			side, rcps, grants = append(side, k.Policy()), append(rcps, k.Account), k.Grants
		}
		sh = g.newSharer(side, rcps, grants)
		// A snapshot's sharing attribute names accounts only (sharingPolicy).
		for _, a := range res.SharedWith() {
			sh.nameAccount(g, a)
		}
	}
	whos = make([]Who, 0, len(candidates)+len(outside)+1)
	whoP = make([]*Principal, 0, cap(whos))
	// Candidates come in pool order, which is Principals' order: then the
	// direct answers need no index (an organization-wide key's are most
	// of the organization's principals).
	ordered = inPrincipalsOrder(candidates)
	if ordered {
		index = map[string]int32{}
	} else {
		index = make(map[string]int32, len(candidates))
	}
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
		w := Who{
			Principal: p.ARN, Kind: p.Kind.String(), Account: p.Account, External: p.outside,
			Decision: a.verdict, Paths: paths[i : i+1 : i+1], Conditions: a.conditions, Unknowns: a.unknowns,
			Because: a.because,
		}
		if !ordered {
			record(w, p)
			continue
		}
		// In strict principal order: no answer so far has this principal.
		whos, whoP = append(whos, w), append(whoP, p)
	}
	direct = len(whos) // the answers so far are in pool order
	for _, name := range outside {
		principal, kind, account := "*", "public", ""
		if name != "*" {
			pr, err := arn.ParsePrincipal(name)
			if err != nil {
				continue
			}
			principal, kind, account = pr.ARN, pr.Kind.String(), pr.AccountID
		}
		if among != nil && !among.asksOutside(account) {
			continue
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
	if anyGrantee {
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
	if chainDepth > 0 {
		g.assumersOfAll(whoP)
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
				if p == r.role || seen[[2]*Principal{p, r.role}] || (among != nil && !among.members[p]) {
					continue
				}
				seen[[2]*Principal{p, r.role}] = true
				if w := found(p.ARN, p); w != nil && w.Decision == eval.Allow {
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
	perm := sortedAnswers(whos, direct, ordered)
	var ps []*Principal
	if withPrincipals || among != nil {
		ps = make([]*Principal, len(perm))
		for i, k := range perm {
			ps[i] = whoP[k]
		}
	}
	permute(whos, perm)
	if among != nil {
		kept := 0
		for i := range whos {
			if !among.keeps(&whos[i], ps[i]) {
				continue
			}
			whos[kept], ps[kept] = whos[i], ps[i]
			kept++
		}
		whos, ps = whos[:kept], ps[:kept]
	}
	if !withPrincipals {
		ps = nil
	}
	out := slices.Clip(whos)
	return out, ps, nil
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
