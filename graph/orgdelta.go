package graph

import (
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// OrgChange is what may differ between two graphs whose snapshots differ
// only in the organization's SCPs and RCPs (OrgDelta).
type OrgChange struct {
	// Principals (ARNs, sorted) are the principals of the snapshot whose
	// answers may differ: those an added or removed statement may apply
	// to, and those that may assume one of their roles. Every other
	// principal's answers are the same in both graphs.
	Principals []string
	// Accounts are the accounts whose IAM was not collected, whose roots
	// (who-can's principals outside the snapshot, standing for theirs) may
	// answer otherwise; Outside says every principal outside the snapshot
	// may (an RCP applies to every caller, the public included).
	Accounts []string
	Outside  bool
	// About are the IDs whose findings may differ (Graph.FindingsAbout):
	// the changed accounts' roots and the policies whose issues differ.
	About []string
}

// OrgDelta says what differs between old and cur when their snapshots
// differ only in the organization's SCPs and RCPs: their documents and
// where they are attached. keyActions are the actions asked of keys
// (who-can's and export's); the actions of resource reads (the services'
// paths) and of role chains (sts:AssumeRole) are added to them.
//
// The SCP layer of a request is decided by the statements of the caller's
// account's levels that can match it (every level must allow, no
// statement may deny: https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps_evaluation.html);
// the RCP layer, likewise, by those of the resource's account's levels,
// whoever the caller (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps_evaluation.html).
// A statement present in one graph's level and not in the other's can
// change a principal's answers only when it matches one of the actions
// asked and its conditions are not definitely false for the principal
// (its tags and identity, as a request sets them): an SCP's for the
// principals of the accounts under it, an RCP's for every principal. A
// principal's chains go through the roles it may assume, so whoever may
// assume a role whose answers may differ is added too. SCPs do not apply
// to principals outside the organization, nor to the public; RCPs do.
//
// ok is false when more than SCPs and RCPs differ (IAM, keys, resources,
// the organization's structure), when an RCP's levels change as a whole
// (an account moved, a type enabled, a policy not known), or when a
// changed RCP statement may reach a service calling KMS as itself
// (rcpReachesServices: every reader's answer hangs on that call): then
// anything may.
func OrgDelta(old, cur *Graph, keyActions []string) (*OrgChange, bool) {
	old.wait()
	cur.wait()
	if old.Org == nil || cur.Org == nil || old.partition != cur.partition || !sameOutsideOrg(old.Snapshot, cur.Snapshot) {
		return nil, false
	}
	issuesAbout, ok := policyIssuesDiffer(old.Issues, cur.Issues)
	if !ok {
		return nil, false
	}
	actions := EvaluatedActions(keyActions)
	canon := map[string][]string{} // canonical statements, by document text
	changed := map[string][]*policy.Statement{}
	whole := map[string]bool{} // accounts whose SCP layer's gaps differ
	rcps := map[*policy.Statement]bool{}
	var accounts []string
	for _, a := range orgAccounts(old.Snapshot, cur.Snapshot) {
		ra, ia := old.Org.levels(a, snapshot.PolicyTypeRCP)
		rb, ib := cur.Org.levels(a, snapshot.PolicyTypeRCP)
		rsts, rall := changedStatements(ra, rb, canon)
		if rall || !sameIssues(ia, ib) {
			return nil, false
		}
		for _, st := range rsts {
			rcps[st] = true
		}
		sa, ja := old.Org.levels(a, snapshot.PolicyTypeSCP)
		sb, jb := cur.Org.levels(a, snapshot.PolicyTypeSCP)
		sts, all := changedStatements(sa, sb, canon)
		if all || !sameIssues(ja, jb) {
			whole[a] = true
		}
		if len(sts) > 0 || whole[a] {
			changed[a] = sts
		}
		if len(sts) > 0 || whole[a] || len(rsts) > 0 {
			accounts = append(accounts, a)
		}
	}
	rcpStmts := make([]*policy.Statement, 0, len(rcps))
	for st := range rcps {
		rcpStmts = append(rcpStmts, st)
	}
	if old.rcpReachesServices(rcpStmts) {
		// Every reader's answer for such a resource hangs on the service's
		// own call: not a matter of principals.
		return nil, false
	}
	oc := &OrgChange{About: issuesAbout, Outside: slices.ContainsFunc(rcpStmts, func(st *policy.Statement) bool { return matchesAny(st, actions) })}
	for _, a := range accounts {
		oc.About = append(oc.About, arn.AccountRoot(old.partition, a))
		if old.InSnapshot(a) && cur.InSnapshot(a) {
			continue // its principals are the snapshot's
		}
		if whole[a] || slices.ContainsFunc(changed[a], func(st *policy.Statement) bool { return matchesAny(st, actions) }) {
			oc.Accounts = append(oc.Accounts, a)
		}
	}
	slices.Sort(oc.About)
	oc.About = slices.Compact(oc.About)
	// The principals a changed statement may apply to.
	tainted := map[*Principal]bool{}
	var queue []*Principal
	ctx := policy.NewContextSize(false, 16)
	for _, p := range old.sortedPrincipals {
		scps, ok := changed[p.Account]
		if !ok && len(rcpStmts) == 0 {
			continue
		}
		if whole[p.Account] || old.mayApply(ctx, p, actions, scps, rcpStmts) {
			tainted[p] = true
			queue = append(queue, p)
		}
	}
	// Whoever may assume one of their roles: its chains may go through it.
	for len(queue) > 0 {
		r := queue[0]
		queue = queue[1:]
		if r.Kind != arn.KindRole {
			continue
		}
		for _, p := range old.assumersOf(r) {
			if !tainted[p] {
				tainted[p] = true
				queue = append(queue, p)
			}
		}
	}
	oc.Principals = make([]string, 0, len(tainted))
	for p := range tainted {
		oc.Principals = append(oc.Principals, p.ARN)
	}
	slices.Sort(oc.Principals)
	return oc, true
}

// EvaluatedActions are keyActions, sts:AssumeRole and every action of the
// services' paths (servicePaths: the read and the KMS calls it makes), in
// lower case: every action who-can evaluates for a key, a resource or a
// role chain.
func EvaluatedActions(keyActions []string) []string {
	out := []string{"sts:assumerole"}
	for _, a := range keyActions {
		out = append(out, strings.ToLower(a))
	}
	for _, sp := range servicePaths {
		out = append(out, strings.ToLower(sp.read))
		for a, calls := range sp.calls {
			out = append(out, strings.ToLower(a))
			for _, c := range calls {
				out = append(out, strings.ToLower(c))
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

func matchesAny(st *policy.Statement, lowerActions []string) bool {
	return slices.ContainsFunc(lowerActions, st.MatchesAction)
}

// mayApply reports whether a statement of the lists may match a request
// of p for one of actions: the action matches, and its conditions are not false given
// what every request of p's tells (callerSide's tags, principalFacts).
func (g *Graph) mayApply(ctx *policy.Context, p *Principal, actions []string, lists ...[]*policy.Statement) bool {
	g.principalFacts(ctx, p)
	// A request sets kms:CallerAccount for KMS calls only (eval's Prepare):
	// for the others it is absent, not the account.
	ctx.DeleteKey(factCallerAccount)
	ctx.SetKey(keyPrincipalIsAWSService, "false")
	setPrincipalTags(ctx, p)
	for _, sts := range lists {
		for _, st := range sts {
			if matchesAny(st, actions) && st.EvalConditions(ctx, nil) != policy.False {
				return true
			}
		}
	}
	return false
}

// rcpReachesServices reports whether one of the RCP statements may apply
// to a call a service makes as itself (a service path's asService: the
// logs service decrypting a log group's data) on a resource of the
// snapshot: RCPs apply to service principals too, whose requests tell
// aws:PrincipalIsAWSService (https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_rcps.html).
func (g *Graph) rcpReachesServices(sts []*policy.Statement) bool {
	if len(sts) == 0 {
		return false
	}
	var calls []string
	types := map[string]bool{}
	for typ, sp := range servicePaths {
		if !sp.asService {
			continue
		}
		types[typ] = true
		for _, cs := range sp.calls {
			for _, c := range cs {
				calls = append(calls, strings.ToLower(c))
			}
		}
	}
	g.needResources()
	if !slices.ContainsFunc(g.resources, func(r *Resource) bool { return types[r.Type] }) {
		return false
	}
	ctx := policy.NewContextSize(false, 2)
	ctx.SetKey(keyPrincipalIsAWSService, "true")
	for _, st := range sts {
		if matchesAny(st, calls) && st.EvalConditions(ctx, nil) != policy.False {
			return true
		}
	}
	return false
}

// changedStatements are the statements one of two lists of levels has at
// a level and the other has not there (as canonical JSON, counted): those
// that can make a request's answer differ. A level with nothing attached
// counts as one allowing everything. all says the levels themselves
// differ (the account moved, a type was enabled): every statement may.
func changedStatements(a, b [][]eval.NamedPolicy, canon map[string][]string) (out []*policy.Statement, all bool) {
	if len(a) != len(b) {
		for _, lv := range slices.Concat(a, b) {
			for _, np := range lv {
				for i := range np.Policy.Statements {
					out = append(out, &np.Policy.Statements[i])
				}
			}
		}
		return out, true
	}
	for i := range a {
		count := map[string]int{}
		first := map[string]*policy.Statement{}
		walk := func(level []eval.NamedPolicy, d int) {
			if len(level) == 0 {
				// Nothing attached: the level restricts nothing (evaluate.go),
				// as if it allowed every action.
				count[emptyLevel] += d
				first[emptyLevel] = &allowAll.Policy.Statements[0]
			}
			for _, np := range level {
				text := np.Policy.Text
				cs, ok := canon[text]
				if !ok {
					cs = policy.CanonicalStatements(text)
					canon[text] = cs
				}
				for j := range np.Policy.Statements {
					st := &np.Policy.Statements[j]
					k := "\x00" + text + "\x00" + strconv.Itoa(j) // not matched to its canonical text: by place
					if len(cs) == len(np.Policy.Statements) {
						// The Version decides whether policy variables are read.
						k = np.Policy.Version + "\x00" + cs[j]
					}
					count[k] += d
					if first[k] == nil {
						first[k] = st
					}
				}
			}
		}
		walk(a[i], 1)
		walk(b[i], -1)
		for k, n := range count {
			if n != 0 {
				out = append(out, first[k])
			}
		}
	}
	return out, false
}

// emptyLevel stands for a level with no policy attached, which the
// statement of allowAll is like.
const emptyLevel = "\x00empty level"

// sameIssues compares two layers' gaps by what they say, not where the
// snapshot holds them: a policy added before another moves its index.
func sameIssues(a, b []Issue) bool {
	return slices.EqualFunc(a, b, func(x, y Issue) bool { return x.Item == y.Item && x.Message == y.Message })
}

// policyIssuesDiffer compares two graphs' issues: those that differ must be
// about the organization's policies (their paths), whose items are
// returned; ok is false when another differs.
func policyIssuesDiffer(a, b []Issue) (items []string, ok bool) {
	for _, iss := range issuesDiffering(a, b) {
		if !strings.HasPrefix(iss.Path, "organization.Policies[") {
			return nil, false
		}
		items = append(items, iss.Item)
	}
	return items, true
}

// sameOutsideOrg reports whether two snapshots are the same but for their
// organization's policies.
func sameOutsideOrg(a, b *snapshot.Snapshot) bool {
	if a.Partition != b.Partition || len(a.Accounts) != len(b.Accounts) || (a.Organization == nil) != (b.Organization == nil) {
		return false
	}
	for id, x := range a.Accounts {
		y, ok := b.Accounts[id]
		if !ok || (x != y && !reflect.DeepEqual(x, y)) {
			return false
		}
	}
	if a.Organization == nil {
		return true
	}
	oa, ob := *a.Organization, *b.Organization
	oa.Policies, ob.Policies = nil, nil
	return reflect.DeepEqual(oa, ob)
}

// orgAccounts are the accounts of both snapshots and organizations, sorted.
func orgAccounts(a, b *snapshot.Snapshot) []string {
	var out []string
	for _, s := range []*snapshot.Snapshot{a, b} {
		for id := range s.Accounts {
			out = append(out, id)
		}
		if s.Organization != nil {
			for _, acc := range s.Organization.Accounts {
				out = append(out, acc.ID)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
