package graph

import (
	"fmt"
	"reflect"
	"regexp"
	"sync"
	"testing"
	"testing/synctest"
)

// describePrincipals is what answers read of each principal, in order.
func describePrincipals(g *Graph) []string {
	var out []string
	for _, p := range g.Principals() {
		var pols []string
		for _, np := range p.Policies {
			pols = append(pols, fmt.Sprintf("%s %s %p", np.Name, np.ARN, np.Policy))
		}
		out = append(out, fmt.Sprintf("%s %s %s %v %v trust=%v boundary=%v issues=%v class=%d tags=%d role=%v",
			p.ARN, p.Kind, p.Account, p.Tags, pols, p.Trust != nil, p.Boundary != nil, p.Issues, p.class.id, p.tagsID, g.Role(p.Account, p.Name) == p))
	}
	return out
}

// The keys' goroutine helps build the principals once its keys are built
// (principalwork.go): the graph is the one a single goroutine builds —
// the same principals in the same order, the same documents (one policy
// per text), the same classes and answers. The principals' goroutine
// waits here until the helper built an account, so that both build some.
func TestPrincipalsBuiltByTwoAsByOne(t *testing.T) {
	fixtures := knownIssuesFixtures(t)
	// A role listed in two accounts under one ARN: the later account's
	// wins, in build order.
	dup := knownIssuesFixtures(t)["generated"]
	twice := dup.s.Accounts["100000000002"].IAM.RoleDetailList[0]
	dup.s.Accounts["100000000009"].IAM.RoleDetailList[0].Arn = twice.Arn
	fixtures["one ARN twice"] = dup
	for name, fx := range fixtures {
		one := Build(fx.s, fx.errs) // before the hooks: as it comes
		helped := make(chan struct{})
		var once sync.Once
		claimedHook = func() { once.Do(func() { close(helped) }) }
		principalsHook = func() { <-helped }
		two := Build(fx.s, fx.errs)
		claimedHook, principalsHook = nil, nil
		// One goroutine: the background build's.
		bg := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: one.Issues, Background: true})
		<-bg.Built()
		want := describePrincipals(bg)
		for label, g := range map[string]*Graph{"as it comes": one, "helped": two} {
			got := describePrincipals(g)
			// Policy pointers differ between graphs: compare their
			// sharing within each graph instead, through the classes.
			if len(got) != len(want) {
				t.Fatalf("%s, %s: %d principals, want %d", name, label, len(got), len(want))
			}
			if !reflect.DeepEqual(g.Issues, bg.Issues) || g.numClasses != bg.numClasses {
				t.Errorf("%s, %s: issues or classes differ (%d classes, want %d)", name, label, g.numClasses, bg.numClasses)
			}
			for _, k := range g.Keys() {
				a, err := g.WhoCan("kms:Decrypt", k.ARN, "", DefaultChainDepth)
				if err != nil {
					t.Fatal(err)
				}
				b, err := bg.WhoCan("kms:Decrypt", k.ARN, "", DefaultChainDepth)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(a, b) {
					t.Errorf("%s, %s: who-can on %s differs", name, label, k.ARN)
				}
			}
		}
		if !reflect.DeepEqual(stripPointers(describePrincipals(two)), stripPointers(want)) {
			t.Errorf("%s: the helped build's principals differ from one goroutine's", name)
		}
		if name == "one ARN twice" {
			// The later account's, by the ARN; each account's, by name.
			other := dup.s.Accounts["100000000009"].IAM.RoleDetailList[0].RoleName
			for _, g := range []*Graph{one, two, bg} {
				if p := g.Principal(twice.Arn); p == nil || p.Account != "100000000009" {
					t.Errorf("%s: the principal of the ARN listed twice is not account 100000000009's", name)
				}
				if g.Role("100000000002", twice.RoleName) == nil || g.Role("100000000009", other) == nil {
					t.Errorf("%s: a role of the ARN listed twice is not found by account and name", name)
				}
			}
		}
	}
}

// stripPointers drops the policy pointers (%p) from describePrincipals'
// lines, keeping whether two policies of one graph are one.
func stripPointers(lines []string) []string {
	ids := map[string]int{}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = pointerRE.ReplaceAllStringFunc(l, func(p string) string {
			if _, ok := ids[p]; !ok {
				ids[p] = len(ids)
			}
			return fmt.Sprintf("policy#%d", ids[p])
		})
	}
	return out
}

// A panic in the helper is Build's caller's, and leaves no goroutine
// behind waiting for the account it did not finish: the principals'
// goroutine waits until the helper panicked on its first account, then
// builds the others (synctest fails the test if it is left blocked).
func TestPrincipalHelperPanicReachesTheCaller(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	synctest.Test(t, func(t *testing.T) {
		release := make(chan struct{})
		var once sync.Once
		claimedHook = func() {
			once.Do(func() {
				close(release)
				panic("boom")
			})
		}
		principalsHook = func() { <-release }
		defer func() { claimedHook, principalsHook = nil, nil }()
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the helper's panic", r)
			}
		}()
		Build(fx.s, fx.errs)
		t.Error("Build returned after the principals' build panicked")
	})
}

var pointerRE = regexp.MustCompile(`0x[0-9a-f]+`)
