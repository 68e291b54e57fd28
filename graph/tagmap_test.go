package graph

import (
	"maps"
	"reflect"
	"testing"

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
