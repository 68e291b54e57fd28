package graph

import (
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// keysSeen is what a graph holds about its keys, by name: the sorted keys,
// what each ARN, key ID and alias finds, the VPC endpoints and the keys
// left out, in order.
func keysSeen(g *Graph) map[string]any {
	names := func(m map[string]*Key) map[string]string {
		out := map[string]string{}
		for n, k := range m {
			out[n] = fmt.Sprintf("%s %s/%s %v", k.ARN, k.Account, k.Region, k.Aliases)
		}
		return out
	}
	var sorted []string
	for _, k := range g.sortedKeys {
		sorted = append(sorted, fmt.Sprintf("%s %v", k.ARN, k.Aliases))
	}
	eps := map[string]VPCEndpoint{}
	for id, ep := range g.endpoints {
		eps[id] = ep.view()
	}
	return map[string]any{
		"sorted": sorted, "keys": names(g.keys), "keyIDs": names(g.keyIDs), "aliases": names(g.aliases),
		"endpoints": eps, "leftOut": g.leftOut,
	}
}

// The background build's keys, built on every CPU, are the keys one
// builder makes going through the accounts in order: a later key of an ARN,
// key ID or alias wins, and the keys left out are listed in order.
func TestKeysOnEveryCPUAreOneBuildersKeys(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 40, Regions: 2, RolesPerAccount: 1, KeysPerRegion: 3, ResourcesPerKey: 1, Seed: 7})
	ids := sortedKeys(s.Accounts)
	regionOf := func(id string) *snapshot.Region { return s.Accounts[id].Regions[sortedKeys(s.Accounts[id].Regions)[0]] }
	for i, id := range ids[1:] {
		r := regionOf(id)
		if r.KMS == nil || len(r.KMS.Keys) < 2 {
			continue
		}
		keys := r.KMS.Keys
		switch i % 3 {
		case 0: // the same key listed twice in a Region, with an alias each: the later wins
			dup := keys[0]
			dup.Aliases = []snapshot.Alias{{AliasName: "alias/second-" + id}}
			r.KMS.Keys = append(r.KMS.Keys, dup)
		case 1: // a key listed under another account than its ARN's: left out
			other := regionOf(ids[i]).KMS.Keys[0]
			r.KMS.Keys = append(r.KMS.Keys, other)
		case 2: // two keys with one alias: the later wins
			keys[1].Aliases = append(keys[1].Aliases, snapshot.Alias{AliasName: "alias/shared"})
			keys[0].Aliases = append(keys[0].Aliases, snapshot.Alias{AliasName: "alias/shared"})
		}
		if r.EC2 == nil {
			r.EC2 = &snapshot.EC2{}
		}
		r.EC2.VpcEndpoints = append(r.EC2.VpcEndpoints,
			snapshot.VpcEndpoint{VpcEndpointID: "vpce-" + id, ServiceName: "com.amazonaws.eu-west-1.kms", VpcID: "vpc-1"},
			snapshot.VpcEndpoint{VpcEndpointID: "vpce-shared", ServiceName: "com.amazonaws.eu-west-1.kms." + id, VpcID: "vpc-2"})
	}
	one := Build(s, nil)
	want := keysSeen(one)
	if len(one.leftOut) == 0 || len(one.aliases) == 0 || len(one.endpoints) < 2 {
		t.Fatalf("the fixture has no left-out keys, aliases or endpoints: %d, %d, %d", len(one.leftOut), len(one.aliases), len(one.endpoints))
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(4))
	for range 3 {
		bg := BuildWith(s, nil, BuildOptions{KnownIssues: true, Issues: one.Issues, Background: true})
		got := keysSeen(bg)
		for name, w := range want {
			if !reflect.DeepEqual(got[name], w) {
				t.Errorf("%s: background %v\nwant %v", name, got[name], w)
			}
		}
		for n, k := range bg.keys {
			if !slices.Contains(bg.sortedKeys, k) {
				t.Errorf("key %s is not among the sorted keys", n)
			}
		}
		bg.Start()
		<-bg.Built()
	}
}

// A panic building the keys ahead of the documents reaches Build's caller,
// once the principals' goroutine has stopped (in a bubble: nothing of the
// build is left running when the test ends).
func TestKeysAheadPanicReachesTheCaller(t *testing.T) {
	fx := knownIssuesFixtures(t)["generated"]
	synctest.Test(t, func(t *testing.T) {
		keysHook = func() { panic("boom") }
		defer func() { keysHook = nil }()
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the keys' panic", r)
			}
		}()
		Build(fx.s, fx.errs)
		t.Error("Build returned after the keys' build panicked")
	})
}
