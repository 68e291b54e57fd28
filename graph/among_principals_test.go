package graph_test

import (
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
)

// WhoCanAmong with the Among of some principals (AmongPrincipals) must be
// WhoCan's answer, entry for entry, keeping those principals and the
// answers outside the snapshot of the accounts given; AssumedByAmong must
// be AssumedBy's, keeping the assumers among the principals. A diff of an
// SCP change asks only these (graph/diff).
func TestWhoCanAmongPrincipalsIsWhoCanRestricted(t *testing.T) {
	for name, g := range amongGraphs(t) {
		t.Run(name, func(t *testing.T) {
			chained := 0 // kept answers reached through a role chain
			for _, set := range amongPrincipalSets(g) {
				among := g.AmongPrincipals(set.principals, set.accounts, set.allOutside)
				keep, accounts := map[string]bool{}, map[string]bool{}
				for _, p := range set.principals {
					keep[p] = true
				}
				for _, a := range set.accounts {
					accounts[a] = true
				}
				kept := func(w graph.Who) bool {
					if g.Principal(w.Principal) != nil {
						return keep[w.Principal]
					}
					return w.Principal != graph.AnyGrantee && (set.allOutside || accounts[w.Account])
				}
				check := func(action, target string, depth int) {
					t.Helper()
					chained += checkAmong(t, g, among, set.name, action, target, depth, kept)
				}
				for _, k := range g.Keys() {
					check("kms:Decrypt", k.ARN, graph.DefaultChainDepth)
					check("kms:Decrypt", k.ARN, 1)
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
					var want []graph.Assumable
					for _, a := range g.AssumedBy(role.ARN) {
						if keep[a.Via[0]] {
							want = append(want, a)
						}
					}
					got, err := g.AssumedByAmong(role.ARN, among)
					if err != nil || !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: AssumedByAmong(%s) = %v, %v; want %v", set.name, role.ARN, got, err, want)
					}
				}
			}
			if chained == 0 && name != "gaps" {
				t.Error("no kept answer came through a role chain: the chains are not checked")
			}
		})
	}
}

type principalSet struct {
	name                 string
	principals, accounts []string
	allOutside           bool
}

// amongPrincipalSets are, for a graph: every third principal (three ways),
// the roles someone may assume with the principals that may assume them,
// one role alone, nobody but the accounts outside the snapshot that
// who-can names, the public ("") included, and the first third with every
// answer outside the snapshot.
func amongPrincipalSets(g *graph.Graph) []principalSet {
	var out []principalSet
	ps := g.Principals()
	for off := range 3 {
		s := principalSet{name: "every third from " + string(rune('0'+off))}
		for i := off; i < len(ps); i += 3 {
			s.principals = append(s.principals, ps[i].ARN)
		}
		out = append(out, s)
	}
	assumed := principalSet{name: "assumed roles and their assumers"}
	for _, p := range ps {
		if p.Kind != arn.KindRole {
			continue
		}
		if as := g.AssumedBy(p.ARN); len(as) > 0 {
			assumed.principals = append(assumed.principals, p.ARN, as[0].Via[0])
			if len(out) == 3 {
				out = append(out, principalSet{name: "one role", principals: []string{p.ARN}})
			}
		}
	}
	out = append(out, assumed)
	outside := principalSet{name: "outside accounts", accounts: []string{""}}
	for _, id := range g.OutsidePrincipals() {
		if p, err := arn.ParsePrincipal(id); err == nil {
			outside.accounts = append(outside.accounts, p.AccountID)
		}
	}
	third := out[0]
	third.name, third.allOutside = "every third, all outside", true
	return append(out, outside, third)
}
