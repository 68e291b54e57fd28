package graph

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// withKeyPolicy returns a copy of s, sharing all but the one Region, with
// the policy of the Region's first key replaced, as changeset.Apply copies.
func withKeyPolicy(s *snapshot.Snapshot, account, region, doc string) *snapshot.Snapshot {
	c := *s
	c.Accounts = maps.Clone(s.Accounts)
	a := *s.Accounts[account]
	a.Regions = maps.Clone(a.Regions)
	r := *a.Regions[region]
	kms := *r.KMS
	kms.Keys = slices.Clone(kms.Keys)
	kms.Keys[0].Policy = &doc
	r.KMS = &kms
	a.Regions[region] = &r
	c.Accounts[account] = &a
	return &c
}

// A key policy that no longer parses: the rebuilt graph has the Build's
// issues (the snapshot's load errors in the rebuilt Region kept, the old
// key's issues gone), keys, resources and findings, and shares the
// principals with the base graph.
func TestRebuildAsBuild(t *testing.T) {
	s, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	loadErrs := []snapshot.LoadError{
		{Account: "111111111111", Region: "us-east-1", Path: `accounts["111111111111"].regions["us-east-1"].kms.Keys[0].Tags`, Message: "bad tags"},
		{Account: "222222222222", Path: `accounts["222222222222"].iam`, Message: "bad iam"},
	}
	old := Build(s, loadErrs)
	for i, doc := range []string{`{"Statement":[{"Effect":"Maybe","Action":"kms:*","Resource":"*"}]}`, `{"Statement":[]}`} {
		changed := withKeyPolicy(s, "111111111111", "us-east-1", doc)
		got, want := Rebuild(old, changed, loadErrs), Build(changed, loadErrs)
		unparseable := slices.ContainsFunc(got.Issues, func(iss Issue) bool {
			return strings.HasPrefix(iss.Message, "unparseable policy") && iss.Region == "us-east-1"
		})
		if unparseable != (i == 0) || !slices.ContainsFunc(got.Issues, func(iss Issue) bool { return iss.Message == "bad tags" }) {
			t.Errorf("issues: unparseable key policy %v, want %v; or the load error went: %v", unparseable, i == 0, got.Issues)
		}
		if !reflect.DeepEqual(got.Issues, want.Issues) {
			t.Errorf("issues:\n%v\nwant\n%v", got.Issues, want.Issues)
		}
		if !reflect.DeepEqual(got.Keys(), want.Keys()) || !reflect.DeepEqual(got.Resources(), want.Resources()) {
			t.Error("keys or resources differ from Build's")
		}
		if !reflect.DeepEqual(got.Findings(), want.Findings()) {
			t.Errorf("findings:\n%v\nwant\n%v", got.Findings(), want.Findings())
		}
		// Every resource-side policy has the traits sharing reads (a review
		// found the rebuilt Region's resources' missing after the sort).
		for _, r := range got.Resources() {
			if r.Policy() != nil && r.Policy().Policy != nil {
				if _, ok := got.traits[r.Policy().Policy]; !ok {
					t.Errorf("%s: its policy has no traits", r.ARN)
				}
			}
		}
		p := old.Principals()[0]
		if got.Principal(p.ARN) != p {
			t.Error("the principals are built again: Rebuild fell back to Build")
		}
		keys, resources, ok := Delta(old, got)
		if !ok || len(keys) != 1 || len(resources) != 0 {
			t.Errorf("Delta = %v, %v, %v; want the one key", keys, resources, ok)
		}
	}
	if keys, _, ok := Delta(old, Rebuild(old, s, loadErrs)); !ok || len(keys) != 0 {
		t.Errorf("Delta of an unchanged snapshot = %v, %v", keys, ok)
	}
	if _, _, ok := Delta(old, Build(s, loadErrs)); ok {
		t.Error("Delta of two graphs built apart says what differs")
	}
}

// A rebuilt Region's resources sort among the kept ones: each of their
// policies still gets the traits sharing reads, as Build gives them (a
// review found those of resources sorted away from the end left out).
func TestRebuildTraitsOfRebuiltResources(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 4, Regions: 2, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 3})
	old := Build(s, nil)
	changed := withKeyPolicy(s, "100000000001", "us-east-1", `{"Statement":[]}`)
	got := Rebuild(old, changed, nil)
	if p := old.Principals()[0]; got.Principal(p.ARN) != p {
		t.Fatal("Rebuild fell back to Build")
	}
	checked := 0
	for _, r := range got.Resources() {
		if r.Policy() == nil || r.Policy().Policy == nil {
			continue
		}
		if _, ok := got.traits[r.Policy().Policy]; !ok {
			t.Errorf("%s: its policy has no traits", r.ARN)
		}
		if r.Account == "100000000001" && r.Region == "us-east-1" {
			checked++
		}
	}
	if checked == 0 {
		t.Fatal("no resource with a policy in the rebuilt Region: nothing checked")
	}
}
