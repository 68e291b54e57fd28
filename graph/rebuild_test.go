package graph

import (
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
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
