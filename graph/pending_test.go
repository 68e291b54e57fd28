package graph

import (
	"reflect"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keyhound/keyhound/graph/accessdenied"
)

// waitingCalls are the exported methods that read the principals, each
// called once with arguments from the fixture; they must wait for a
// background build and answer as a whole one.
func waitingCalls(key *Key, role, bucket string) map[string]func(g *Graph) any {
	ad := "User: " + role + " is not authorized to perform: kms:Decrypt on resource: " + key.ARN + " because no identity-based policy allows the kms:Decrypt action"
	return map[string]func(g *Graph) any{
		"Principals":   func(g *Graph) any { return len(g.Principals()) },
		"Principal":    func(g *Graph) any { return g.Principal(role) != nil },
		"Role":         func(g *Graph) any { return g.Role(key.Account, "role-1") != nil },
		"PrincipalsOf": func(g *Graph) any { return len(g.PrincipalsOf(key.Account)) },
		"WhoCan": func(g *Graph) any {
			w, err := g.WhoCan("kms:Decrypt", key.ARN, "", DefaultChainDepth)
			return []any{w, err}
		},
		"WhoCanPrincipals": func(g *Graph) any {
			w, _, err := g.WhoCanPrincipals("kms:Decrypt", key.ARN, "", DefaultChainDepth)
			return []any{w, err}
		},
		"WhoCanAmong": func(g *Graph) any {
			w, err := g.WhoCanAmong("kms:Decrypt", key.ARN, "", DefaultChainDepth, g.AmongAccounts([]string{key.Account}))
			return []any{w, err}
		},
		"AmongPrincipals": func(g *Graph) any { return g.AmongPrincipals([]string{role}, nil, false) != nil },
		"AssumedByAmong": func(g *Graph) any {
			a, err := g.AssumedByAmong(role, g.AmongAccounts([]string{key.Account}))
			return []any{a, err}
		},
		"Can": func(g *Graph) any {
			a, err := g.Can(Query{Principal: role, Action: "kms:Decrypt", Resource: key.ARN, ChainDepth: -1})
			return []any{a, err}
		},
		"Request": func(g *Graph) any {
			_, iss, err := g.Request(Query{Principal: role, Action: "kms:Decrypt", Resource: key.ARN})
			return []any{iss, err}
		},
		"Decider": func(g *Graph) any {
			d, err := g.Decider().Decide(Query{Principal: role, Action: "kms:Decrypt", Resource: key.ARN})
			return []any{d, err}
		},
		"Fixes": func(g *Graph) any {
			a, err := g.Can(Query{Principal: role, Action: "kms:Decrypt", Resource: key.ARN, ChainDepth: -1})
			if err != nil {
				return err
			}
			return g.Fixes(a)
		},
		"ExplainDenied": func(g *Graph) any {
			m, err := accessdenied.Parse(ad)
			if err != nil {
				return err
			}
			r, err := g.ExplainDenied(m, DeniedOptions{})
			return []any{r, err}
		},
		"Assumables":        func(g *Graph) any { return g.Assumables(role, DefaultChainDepth) },
		"AssumedBy":         func(g *Graph) any { return g.AssumedBy(role) },
		"WhatCan":           func(g *Graph) any { w, err := g.WhatCan(role, "kms:Decrypt", DefaultChainDepth); return []any{w, err} },
		"WhatCanGaps":       func(g *Graph) any { return g.WhatCanGaps(role) },
		"PrepareCapable":    func(g *Graph) any { g.PrepareCapable([]string{"kms:Decrypt"}); return nil },
		"Capable":           func(g *Graph) any { return len(g.Capable("kms:Decrypt")) },
		"CapableByAccount":  func(g *Graph) any { return len(g.CapableByAccount("kms:Decrypt")) },
		"NamedInTrust":      func(g *Graph) any { return g.NamedInTrust(role) },
		"ServiceTrusting":   func(g *Graph) any { n, a := g.ServiceTrusting("lambda.amazonaws.com"); return []int{len(n), len(a)} },
		"External":          func(g *Graph) any { return g.External("999999999999") },
		"OutsidePrincipals": func(g *Graph) any { return g.OutsidePrincipals() },
		"EndpointsFor":      func(g *Graph) any { return g.EndpointsFor(nil, "kms", key.Region) },
		"WhoCanReadData": func(g *Graph) any {
			w, err := g.WhoCanReadData("decrypt", key.ARN, DefaultChainDepth)
			return []any{w, err}
		},
		"WhoCan resource": func(g *Graph) any {
			w, err := g.WhoCan("decrypt", bucket, "", DefaultChainDepth)
			return []any{w, err}
		},
		"Resources":             func(g *Graph) any { return len(g.Resources()) },
		"Resource":              func(g *Graph) any { return g.Resource(bucket) != nil },
		"ResourcesOf":           func(g *Graph) any { return len(g.ResourcesOf(key.ARN)) },
		"ParseResourcePolicies": func(g *Graph) any { g.ParseResourcePolicies(); return nil },
		"Findings":              func(g *Graph) any { return g.Findings() },
		"FindingsAbout":         func(g *Graph) any { return g.FindingsAbout([]string{key.ARN, role}) },
		"Stats":                 func(g *Graph) any { return g.Stats() },
		"Counts":                func(g *Graph) any { return g.Counts() },
	}
}

// A graph built with its principals in the background (the TUI's) lists
// its keys and resources while they are built; every other method waits,
// then answers as a graph built whole. Under the race detector (make
// test) a method that read the principals without waiting is a race.
func TestBackgroundBuildWaits(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	whole := Build(fx.s, fx.errs)
	key := whole.Keys()[len(whole.Keys())-1]
	for _, k := range whole.Keys() {
		if k.Manager() == "CUSTOMER" && len(whole.ResourcesOf(k.ARN)) > 0 {
			key = k
			break
		}
	}
	role := whole.PrincipalsOf(key.Account)[1].ARN
	var bucket string
	for _, r := range whole.Resources() {
		if r.Type == "s3:bucket" {
			bucket = r.ARN
			break
		}
	}
	release := make(chan struct{})
	g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, Background: true, Hold: release})

	// While the principals wait: their maps are not made (53 MB at 5,000
	// accounts, before the TUI's first frame), and the keys answer.
	if g.principals != nil || g.otherRoles != nil {
		t.Error("the principals' maps are made before the principals")
	}
	if len(g.Keys()) != len(whole.Keys()) || g.Key(key.ARN) == nil || !g.InSnapshot(key.Account) || g.Ready() {
		t.Fatal("keys differ from a whole build's while the principals are built, or it says it is done")
	}
	if k, err := g.ResolveKey(key.ARN, "", ""); err != nil || k != g.Key(key.ARN) {
		t.Fatalf("ResolveKey: %v %v", k, err)
	}
	_, _ = g.Endpoints(), g.SCPDeniedRegions(key.Account, []string{key.Region})
	if st, complete := g.CountsSoFar(); complete || st.Keys != len(whole.Keys()) || st.Users+st.Roles != 0 {
		t.Errorf("CountsSoFar during the build: %+v, complete %v", st, complete)
	}

	calls := waitingCalls(key, role, bucket)
	done := make(chan string, len(calls))
	got := make(map[string]any, len(calls))
	results := make(chan [2]any, len(calls))
	for name, call := range calls {
		go func() {
			results <- [2]any{name, call(g)}
			done <- name
		}()
	}
	select {
	case name := <-done:
		t.Errorf("%s answered before the principals were built", name)
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	for range calls {
		r := <-results
		got[r[0].(string)] = r[1]
	}
	for name, call := range calls {
		if want := call(whole); !reflect.DeepEqual(got[name], want) {
			t.Errorf("%s: %v\nwant %v", name, got[name], want)
		}
	}
	if !reflect.DeepEqual(g.Issues, whole.Issues) {
		t.Error("issues differ")
	}
	if st, complete := g.CountsSoFar(); !complete || !reflect.DeepEqual(st, whole.Counts()) || !g.Ready() {
		t.Errorf("CountsSoFar once built: %+v, complete %v; want %+v", st, complete, whole.Counts())
	}
}

// A panic while the principals are built in the background is the
// waiting caller's, as it is Build's caller's on one goroutine.
func TestBackgroundBuildPanicReachesTheWaiter(t *testing.T) {
	fx := knownIssuesFixtures(t)["demo"]
	principalsHook = func() { panic("boom") }
	defer func() { principalsHook = nil }()
	g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Background: true})
	defer func() {
		if r := recover(); r != "boom" {
			t.Errorf("recovered %v, want the build's panic", r)
		}
	}()
	g.Principals()
	t.Error("Principals returned after the build panicked")
}

// A background build begins only when asked: Start, Built or a method that
// waits for it; the keys, Ready and CountsSoFar leave it be, so that the
// TUI draws the keys list with both CPUs.
func TestBackgroundBuildStartsWhenAsked(t *testing.T) {
	fx := knownIssuesFixtures(t)["demo"]
	whole := Build(fx.s, fx.errs)
	key := whole.Keys()[0]
	for name, begin := range map[string]func(g *Graph){
		"Start":      func(g *Graph) { g.Start(); g.Start() }, // twice: once is enough
		"Built":      func(g *Graph) { <-g.Built() },
		"Principals": func(g *Graph) { _ = g.Principals() },
		"WhoCan":     func(g *Graph) { _, _ = g.WhoCan("kms:Decrypt", key.ARN, "", DefaultChainDepth) },
	} {
		t.Run(name, func(t *testing.T) {
			// In a bubble: Wait returns once every goroutine of the build
			// is blocked, so a build that began would have begun by then.
			synctest.Test(t, func(t *testing.T) {
				started := make(chan struct{})
				principalsHook = func() { close(started) }
				defer func() { principalsHook = nil }()
				g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, Background: true})
				_, _, _ = g.Keys(), g.Key(key.ARN), g.Ready()
				_, _ = g.CountsSoFar()
				synctest.Wait()
				select {
				case <-started:
					t.Fatal("the build began before anything asked for it")
				default:
				}
				begin(g)
				<-started
				<-g.Built()
				if !g.Ready() || len(g.Principals()) != len(whole.Principals()) {
					t.Errorf("after %s: ready %v, %d principals, want %d", name, g.Ready(), len(g.Principals()), len(whole.Principals()))
				}
			})
		})
	}
}

// BuildOptions.Done runs once a background build is done, panicked or not,
// and before Built's channel is closed; not before the build is started.
func TestBackgroundBuildDone(t *testing.T) {
	fx := knownIssuesFixtures(t)["demo"]
	whole := Build(fx.s, fx.errs)
	for name, boom := range map[string]bool{"built": false, "panicked": true} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				if boom {
					principalsHook = func() { panic("boom") }
					defer func() { principalsHook = nil }()
				}
				var done atomic.Int32
				g := BuildWith(fx.s, fx.errs, BuildOptions{KnownIssues: true, Issues: whole.Issues, Background: true, Done: func() { done.Add(1) }})
				synctest.Wait()
				if n := done.Load(); n != 0 {
					t.Fatalf("Done ran %d times before the build began", n)
				}
				g.Start()
				<-g.Built()
				if n := done.Load(); n != 1 {
					t.Fatalf("Done ran %d times once Built was closed, want 1", n)
				}
			})
		})
	}
}
