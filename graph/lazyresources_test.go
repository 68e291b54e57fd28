package graph

import (
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph/accessdenied"
)

// A graph built with LazyResources (can's and denied's about a key, from
// the graph cache) builds its resources when an answer first reads them. Each exported method, asked first on a graph of its own, answers
// as a graph built whole: a reader that did not call needResources would
// see no resources and answer otherwise.
func TestLazyResourcesAnswerAsBuilt(t *testing.T) {
	for _, name := range []string{"generated", "demo"} {
		fx := knownIssuesFixtures(t)[name]
		whole := Build(fx.s, fx.errs)
		key, role, bucket := lazyFixtureNames(t, whole)
		lazy := func() *Graph {
			g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true})
			if g.resources != nil {
				t.Fatalf("%s: the resources were built with the graph", name)
			}
			return g
		}
		// With the resource index, after the resources of a key: those
		// built, the others not yet (keyresources.go).
		indexed := func() *Graph {
			g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true, ResourceIndex: whole.ResourceIndex()})
			if len(g.ResourcesOf(key.ARN)) == 0 || g.ResourcesBuilt() {
				t.Fatalf("%s: the key's resources through the index: none, or all built", name)
			}
			return g
		}
		for call, ask := range waitingCalls(key, role, bucket) {
			want := ask(whole)
			if got := ask(lazy()); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s on a graph whose resources were not built yet: %v\nwant %v", name, call, got, want)
			}
			if got := ask(indexed()); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: %s on a graph that built a key's resources only: %v\nwant %v", name, call, got, want)
			}
		}
		// Rebuild, Delta and OrgDelta read them too.
		arns := func(rs []*Resource) []string {
			out := make([]string, len(rs))
			for i, r := range rs {
				out[i] = r.Type + " " + r.ARN + " " + r.Key
			}
			return out
		}
		for label, old := range map[string]*Graph{"lazy": lazy(), "indexed": indexed()} {
			rebuilt := Rebuild(old, fx.s, fx.errs)
			if !reflect.DeepEqual(arns(rebuilt.Resources()), arns(whole.Resources())) {
				t.Errorf("%s: Rebuild of a %s graph: its resources differ", name, label)
			}
			if keys, resources, ok := Delta(old, rebuilt); !ok || len(keys)+len(resources) != 0 {
				t.Errorf("%s: Delta of a %s graph and its rebuild for one snapshot: %v %v %v", name, label, keys, resources, ok)
			}
		}
		if _, ok := OrgDelta(lazy(), lazy(), []string{"kms:decrypt"}); !ok {
			t.Errorf("%s: OrgDelta of two lazy graphs of one snapshot", name)
		}
	}
}

// can, who-can and denied about a principal and a key never build the
// resources: a KMS ARN names a key, never a resource.
func TestKeyQuestionsLeaveResourcesUnbuilt(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	whole := Build(fx.s, fx.errs)
	key, role, _ := lazyFixtureNames(t, whole)
	g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, LazyResources: true})
	if _, err := g.Can(Query{Principal: role, Action: "kms:Decrypt", Resource: key.ARN, ChainDepth: -1}); err != nil {
		t.Fatal(err)
	}
	if _, err := g.WhoCan("kms:Decrypt", key.ARN, "", DefaultChainDepth); err != nil {
		t.Fatal(err)
	}
	m, err := accessdenied.Parse("User: " + role + " is not authorized to perform: kms:Decrypt on resource: " + key.ARN + " because no identity-based policy allows the kms:Decrypt action")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.ExplainDenied(m, DeniedOptions{}); err != nil {
		t.Fatal(err)
	}
	if g.resources != nil {
		t.Error("a question about a principal and a key built the resources")
	}
	if len(g.ResourcesOf(key.ARN)) == 0 || g.resources == nil {
		t.Error("ResourcesOf did not build them")
	}
}

// lazyFixtureNames picks a customer managed key with resources, a role of
// its account and a bucket.
func lazyFixtureNames(t *testing.T, whole *Graph) (key *Key, role, bucket string) {
	t.Helper()
	key = whole.Keys()[len(whole.Keys())-1]
	for _, k := range whole.Keys() {
		if k.Manager() == "CUSTOMER" && len(whole.ResourcesOf(k.ARN)) > 0 {
			key = k
			break
		}
	}
	if ps := whole.PrincipalsOf(key.Account); len(ps) > 1 {
		role = ps[1].ARN
	} else {
		role = whole.Principals()[0].ARN
	}
	for _, r := range whole.Resources() {
		if r.Type == "s3:bucket" {
			bucket = r.ARN
			break
		}
	}
	return key, role, bucket
}
