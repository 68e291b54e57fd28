package graph

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph/arn"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// Principals with the same tags share one map; other tags, even ones whose
// keys and values concatenate alike, get their own.
func TestTagMapsShared(t *testing.T) {
	b := &builder{}
	same1 := b.tagMap([]snapshot.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}})
	same2 := b.tagMap([]snapshot.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}})
	if reflect.ValueOf(same1).UnsafePointer() != reflect.ValueOf(same2).UnsafePointer() {
		t.Error("the same tags got two maps")
	}
	x := b.tagMap([]snapshot.Tag{{Key: "ab", Value: "c"}})
	y := b.tagMap([]snapshot.Tag{{Key: "a", Value: "bc"}})
	if maps.Equal(x, y) || x["ab"] != "c" || y["a"] != "bc" {
		t.Errorf("tags ab=c and a=bc merged: %v %v", x, y)
	}
	if got := b.tagMap(nil); got != nil {
		t.Errorf("no tags: %v, want nil", got)
	}
	// A repeated key (AWS returns none) keeps its last value, as the
	// unshared map did.
	if got := b.tagMap([]snapshot.Tag{{Key: "k", Value: "1"}, {Key: "k", Value: "2"}}); got["k"] != "2" || len(got) != 1 {
		t.Errorf("repeated key: %v", got)
	}
}

// Principals with the same tags share their context keys too, which are
// their tags' in key order, and the addPrincipal of a principal made
// elsewhere (tags only) makes the same keys.
func TestTagKeysShared(t *testing.T) {
	b := &builder{g: &Graph{principals: map[string]*Principal{}, otherRoles: map[string]*Principal{}, partition: "aws"}}
	tags := []snapshot.Tag{{Key: "team", Value: "a"}, {Key: "env", Value: "prod"}}
	m1, k1 := b.tags(tags)
	m2, k2 := b.tags(slices.Clone(tags))
	if len(k1) != 2 || &k1[0] != &k2[0] || reflect.ValueOf(m1).UnsafePointer() != reflect.ValueOf(m2).UnsafePointer() {
		t.Fatalf("the same tags: keys %v and %v not shared", k1, k2)
	}
	if k1[0].key.Name() != "aws:PrincipalTag/env" || k1[0].value != "prod" || k1[1].key.Name() != "aws:PrincipalTag/team" {
		t.Errorf("keys not in key order: %v", k1)
	}
	p := &Principal{ARN: "arn:aws:iam::111111111111:role/r", Kind: arn.KindRole, Account: "111111111111", Name: "r", Tags: map[string]string{"team": "a", "env": "prod"}}
	b.addPrincipal(p)
	if !reflect.DeepEqual(p.tagKeys, k1) {
		t.Errorf("addPrincipal made %v, want %v", p.tagKeys, k1)
	}
	if p.plainARN != p.ARN {
		t.Errorf("plainARN %q of a role of path /", p.plainARN)
	}
	q := &Principal{ARN: "arn:aws:iam::111111111111:role/team/r2", Kind: arn.KindRole, Account: "111111111111", Name: "r2", Path: "/team/"}
	b.addPrincipal(q)
	if q.plainARN != "arn:aws:iam::111111111111:role/r2" {
		t.Errorf("plainARN %q of a role of path /team/", q.plainARN)
	}
}
