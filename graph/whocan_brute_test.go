package graph_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// WhoCan evaluates only the principals its indexes and filters keep, and
// follows role chains backwards from the roles with access. This checks that
// nothing is lost: its snapshot principals must be exactly those whose own
// answer (every principal asked, one by one, chains followed forwards) is not
// DENY, with the same decision.
func TestWhoCanMatchesEveryPrincipalEvaluated(t *testing.T) {
	graphs := fixtureGraphs(t)
	graphs["generated"] = graph.Build(gen.Organization(gen.Options{Accounts: 6, Regions: 2, RolesPerAccount: 10, KeysPerRegion: 3, ResourcesPerKey: 1, Seed: 3}), nil)

	for name, g := range graphs {
		t.Run(name, func(t *testing.T) {
			checked := 0
			for _, key := range g.Keys() {
				for _, tc := range []struct {
					action string
					depth  int
				}{{"kms:Decrypt", 0}, {"kms:GenerateDataKey", 0}, {"kms:CreateGrant", 0}, {"kms:Decrypt", graph.DefaultChainDepth}} {
					action := tc.action
					who, err := g.WhoCan(action, key.ARN, "", tc.depth)
					if err != nil {
						t.Fatalf("who-can %s %s: %v", action, key.ARN, err)
					}
					got := map[string]eval.Verdict{}
					for _, w := range who {
						if g.Principal(w.Principal) != nil {
							got[w.Principal] = w.Decision
						}
					}
					for _, p := range g.Principals() {
						depth := tc.depth
						if depth == 0 {
							depth = -1
						}
						a, err := g.Can(graph.Query{Principal: p.ARN, Action: action, Resource: key.ARN, ChainDepth: depth})
						if err != nil {
							t.Fatalf("can %s: %v", p.ARN, err)
						}
						checked++
						want := a.Decision
						if _, listed := got[p.ARN]; !listed && want == eval.Conditional && !key.GrantsKnown && hasUnknown(a, "Grants") && anyGrantee(who) {
							continue // an unknown grant: who-can's AnyGrantee entry stands for it
						}
						if want == eval.Deny {
							if v, ok := got[p.ARN]; ok {
								t.Errorf("%s %s: who-can lists %s as %s, its own answer is DENY", action, key.ARN, p.ARN, v)
							}
							continue
						}
						if got[p.ARN] != want {
							t.Errorf("%s %s: who-can has %s as %q, its own answer is %s", action, key.ARN, p.ARN, got[p.ARN], want)
						}
					}
				}
			}
			if checked == 0 {
				t.Fatal("nothing checked")
			}
		})
	}
}

func hasUnknown(a *graph.Answer, path string) bool {
	for _, u := range a.Unknowns {
		if u.Path == path || strings.HasSuffix(u.Path, "."+path) {
			return true
		}
	}
	return false
}

func anyGrantee(who []graph.Who) bool {
	for _, w := range who {
		if w.Principal == graph.AnyGrantee && w.Decision == eval.Conditional {
			return true
		}
	}
	return false
}

// An alias name given without account or Region must name one key: in a
// generated organization every account has alias/app-0.
func TestResolveAmbiguousAlias(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 3, Regions: 2, RolesPerAccount: 2, KeysPerRegion: 1, Seed: 1}), nil)
	if _, err := g.ResolveKey("alias/app-0", "", ""); err == nil {
		t.Fatal("alias/app-0 resolved though six keys have it")
	}
	if _, err := g.ResolveKey("alias/app-0", "100000000001", ""); err == nil {
		t.Fatal("alias/app-0 resolved in an account with two Regions")
	}
	k, err := g.ResolveKey("alias/app-0", "100000000001", "us-east-1")
	if err != nil || k.Account != "100000000001" || k.Region != "us-east-1" {
		t.Fatalf("alias/app-0 in its account and Region: %v %v", k, err)
	}
}

// The same for resources: who can read a resource's data (its permission and
// its service's KMS calls) must be exactly the principals whose own answer is
// not DENY.
func TestWhoCanReadMatchesEveryPrincipalEvaluated(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	graphs := map[string]*graph.Graph{
		"demo":      graph.Build(s, errs),
		"generated": graph.Build(gen.Organization(gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 10, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: 9}), nil),
	}
	for name, g := range graphs {
		t.Run(name, func(t *testing.T) {
			checked := 0
			for _, r := range g.Resources() {
				who, err := g.WhoCan("read", r.ARN, "", 0)
				if err != nil {
					continue // a resource type with no read path
				}
				got := map[string]eval.Verdict{}
				for _, w := range who {
					got[w.Principal] = w.Decision
				}
				for _, p := range g.Principals() {
					a, err := g.Can(graph.Query{Principal: p.ARN, Action: "read", Resource: r.ARN, ChainDepth: -1})
					if err != nil {
						t.Fatalf("can %s read %s: %v", p.ARN, r.ARN, err)
					}
					checked++
					if a.Decision == eval.Deny {
						if v, ok := got[p.ARN]; ok {
							t.Errorf("%s: who-can lists %s as %s, its own answer is DENY", r.ARN, p.ARN, v)
						}
						continue
					}
					if got[p.ARN] != a.Decision {
						t.Errorf("%s: who-can has %s as %q, its own answer is %s", r.ARN, p.ARN, got[p.ARN], a.Decision)
					}
				}
			}
			if checked == 0 {
				t.Fatal("nothing checked")
			}
		})
	}
}

// fixtureGraphs are the graphs of the demo and of testdata/small.json, by
// name ("demo", "small"), for tests that ask them and more.
func fixtureGraphs(t *testing.T) map[string]*graph.Graph {
	t.Helper()
	graphs := map[string]*graph.Graph{}
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	graphs["demo"] = graph.Build(s, errs)
	f, err := os.ReadFile(filepath.Join("testdata", "small.json"))
	if err != nil {
		t.Fatal(err)
	}
	if s, errs, err = snapshot.Decode(f); err != nil {
		t.Fatal(err)
	}
	graphs["small"] = graph.Build(s, errs)
	return graphs
}
