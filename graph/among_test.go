package graph_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// amongGraphs are the graphs WhoCanAmong's tests ask: the demo, the small
// test snapshot, generated and chained organizations, one with gaps (IAM,
// grants and a key policy not collected) and one where a role trusts
// everyone.
func amongGraphs(t *testing.T) map[string]*graph.Graph {
	t.Helper()
	graphs := fixtureGraphs(t)
	for _, seed := range []uint64{1, 2} {
		o := gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 10, KeysPerRegion: 4, ResourcesPerKey: 3, Seed: seed, EscalationShare: 0.1}
		graphs["generated-"+string(rune('0'+seed))] = graph.Build(gen.Organization(o), nil)
		graphs["chained-"+string(rune('0'+seed))] = graph.Build(gen.Chained(o), nil)
	}
	// An account whose IAM, keys' grants and a key's policy were not
	// collected: who-can lists "any grantee" of its account, and no other
	// of its principals, for that key.
	gaps := gen.Organization(gen.Options{Accounts: 3, Regions: 1, RolesPerAccount: 5, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 4})
	last := gaps.Accounts["100000000003"]
	last.IAM = nil
	for _, r := range last.Regions {
		for i := range r.KMS.Keys {
			r.KMS.Keys[i].Grants = nil
		}
		r.KMS.Keys[0].Policy = nil
	}
	graphs["gaps"] = graph.Build(gaps, nil)
	openOrg, openRole := openTrustOrganization()
	graphs["open-trust"] = graph.Build(openOrg, nil)
	if !entersOpenRole(t, graphs["open-trust"], openRole) {
		t.Fatal("open-trust: no answer reaches a key through the role that trusts everyone")
	}
	return graphs
}

// WhoCanAmong evaluates only the principals of some accounts and the roles
// they may reach: its answer must be WhoCan's, entry for entry, keeping
// those of the accounts.
func TestWhoCanAmongIsWhoCanRestricted(t *testing.T) {
	graphs := amongGraphs(t)
	for name, g := range graphs {
		t.Run(name, func(t *testing.T) {
			entered := 0 // roles assumed across accounts: MayAssume checked
			for _, accounts := range amongAccountSets(g) {
				among := g.AmongAccounts(accounts)
				keep := map[string]bool{}
				for _, a := range accounts {
					keep[a] = true
				}
				check := func(action, target string, depth int) {
					t.Helper()
					checkAmong(t, g, among, fmt.Sprint(accounts), action, target, depth, func(w graph.Who) bool { return keep[w.Account] })
				}
				for _, k := range g.Keys() {
					for _, action := range []string{"kms:Decrypt", "kms:GenerateDataKey"} {
						check(action, k.ARN, graph.DefaultChainDepth)
					}
					for _, depth := range []int{0, 1, 2, 3} {
						check("kms:Decrypt", k.ARN, depth)
					}
				}
				for _, r := range g.Resources() {
					if r.Key != "" {
						check("read", r.ARN, graph.DefaultChainDepth)
					}
				}
				for _, role := range g.Principals() {
					if role.Kind != arn.KindRole {
						continue
					}
					from := false
					for _, a := range g.AssumedBy(role.ARN) {
						from = from || keep[g.Principal(a.Via[0]).Account]
					}
					if from && !among.MayAssume(role) {
						t.Errorf("%v: MayAssume(%s) false, but AssumedBy lists a principal of the accounts", accounts, role.ARN)
					}
					if from && !keep[role.Account] {
						entered++
					}
				}

			}
			if entered == 0 {
				t.Error("no role assumed from another account: MayAssume is not checked")
			}
		})
	}
}

// amongAccountSets are each account of a graph alone, the first two
// together, and each account outside the snapshot that its keys name.
func amongAccountSets(g *graph.Graph) [][]string {
	var accounts []string
	for id := range g.Snapshot.Accounts {
		accounts = append(accounts, id)
	}
	slices.Sort(accounts)
	var out [][]string
	for _, a := range accounts {
		out = append(out, []string{a})
	}
	if len(accounts) > 1 {
		out = append(out, accounts[:2])
	}
	// A snapshot account with one outside it.
	out = append(out, []string{accounts[0], "999999999999"})
	for _, id := range g.OutsidePrincipals() {
		if p, err := arn.ParsePrincipal(id); err == nil && !g.InSnapshot(p.AccountID) {
			out = append(out, []string{p.AccountID})
		}
	}
	return out
}

// openTrustOrganization is a chained organization where the first member
// account's role-1 (returned) trusts everyone ("*") and every role-0 may
// assume any role: chains that enter an account from anywhere.
func openTrustOrganization() (*snapshot.Snapshot, string) {
	s := gen.Chained(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 6, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 3})
	var ids []string
	for id := range s.Accounts {
		ids = append(ids, id)
	}
	slices.Sort(ids) // ids[0] is the management account
	open := "arn:aws:iam::" + ids[1] + ":role/role-1"
	for _, id := range ids {
		roles := s.Accounts[id].IAM.RoleDetailList
		for j := range roles {
			switch {
			case roles[j].Arn == open:
				roles[j].AssumeRolePolicyDocument = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}`
			case roles[j].RoleName == "role-0":
				roles[j].RolePolicyList = append(roles[j].RolePolicyList, snapshot.PolicyDetail{
					PolicyName:     "assume-any",
					PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`,
				})
			}
		}
	}
	return s, open
}

// entersOpenRole reports whether some who-can answer of g comes from
// another account through open, the role that trusts "*": the case
// openTrustOrganization is for.
func entersOpenRole(t *testing.T, g *graph.Graph, open string) bool {
	t.Helper()
	acct := g.Principal(open).Account
	for _, k := range g.Keys() {
		who, err := g.WhoCan("kms:Decrypt", k.ARN, "", graph.DefaultChainDepth)
		if err != nil {
			continue
		}
		for _, w := range who {
			for _, p := range w.Paths {
				if w.Account != acct && slices.Contains(p.Via, open) {
					return true
				}
			}
		}
	}
	return false
}

// An Among holds one graph's principals: asking another graph with it is
// an error, never an answer about the wrong principals.
func TestWhoCanAmongOtherGraph(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	g1, g2 := graph.Build(s, errs), graph.Build(s, errs)
	among := g1.AmongAccounts([]string{"111111111111"})
	key := g1.Keys()[0].ARN
	if _, err := g1.WhoCanAmong("kms:Decrypt", key, "", graph.DefaultChainDepth, among); err != nil {
		t.Fatalf("its own graph: %v", err)
	}
	if _, err := g2.WhoCanAmong("kms:Decrypt", key, "", graph.DefaultChainDepth, among); err == nil {
		t.Error("another graph's Among was accepted")
	}
	if _, err := g1.WhoCanAmong("kms:Decrypt", key, "", graph.DefaultChainDepth, nil); err == nil {
		t.Error("a nil Among was accepted")
	}
}

// checkAmong checks that WhoCanAmong's answer for action on target is
// WhoCan's, entry for entry, keeping those kept says; it returns how many
// kept answers' paths go through a role chain.
func checkAmong(t *testing.T, g *graph.Graph, among *graph.Among, name, action, target string, depth int, kept func(graph.Who) bool) (chained int) {
	t.Helper()
	full, ferr := g.WhoCan(action, target, "", depth)
	got, gerr := g.WhoCanAmong(action, target, "", depth, among)
	if ferr != nil && gerr == nil && len(got) == 0 {
		return 0 // nothing to list: no question asked
	}
	if (ferr == nil) != (gerr == nil) {
		t.Fatalf("%s %s %s: errors %v and %v", name, action, target, ferr, gerr)
	}
	var want []graph.Who
	for _, w := range full {
		if kept(w) {
			want = append(want, w)
			for _, p := range w.Paths {
				if len(p.Via) > 1 {
					chained++
				}
			}
		}
	}
	if len(want) != len(got) {
		t.Fatalf("%s %s %s depth %d: %d answers, want %d", name, action, target, depth, len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(want[i], got[i]) {
			t.Fatalf("%s %s %s depth %d: answer %d\n got %+v\nwant %+v", name, action, target, depth, i, got[i], want[i])
		}
	}
	return chained
}
