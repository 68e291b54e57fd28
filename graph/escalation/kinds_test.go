package escalation_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/escalation"
)

// Every modelled step names its AWS page, well-formed actions, and a
// unique name; compute and stack steps name the service that assumes the
// role, the new resource and the iam:PassRole they need.
func TestKindsTable(t *testing.T) {
	names := map[string]bool{}
	for _, k := range escalation.Kinds() {
		if names[k.Name] {
			t.Errorf("%s: listed twice", k.Name)
		}
		names[k.Name] = true
		if !strings.HasPrefix(k.Doc, "https://docs.aws.amazon.com/") {
			t.Errorf("%s: cites %q, not an AWS documentation page", k.Name, k.Doc)
		}
		if len(k.Actions) == 0 {
			t.Errorf("%s: no action", k.Name)
		}
		for _, a := range k.Actions {
			if svc, name, ok := strings.Cut(a, ":"); !ok || svc == "" || name == "" || strings.ContainsAny(a, "*? ") {
				t.Errorf("%s: action %q is not service:Action", k.Name, a)
			}
		}
		passes := k.Effect == escalation.EffectCompute || k.Effect == escalation.EffectStack
		if passes != (k.Service != "") || passes != (k.Resource != "") {
			t.Errorf("%s: a service and a new resource are named for steps that pass a role and only them", k.Name)
		}
		if passes && (len(k.Actions) < 2 || k.Actions[1] != "iam:PassRole") {
			t.Errorf("%s: a step that passes a role is its create call, iam:PassRole, then what runs it", k.Name)
		}
		if k.ViaStack && (k.Effect != escalation.EffectIdentity && k.Effect != escalation.EffectGroup || k.Target == escalation.TargetPolicy) {
			t.Errorf("%s: a stack makes only inline policy writes and group additions on existing principals", k.Name)
		}
	}
	if len(escalation.NotModelled) == 0 {
		t.Error("no step listed as not modelled: say what the search leaves out")
	}
}

// The answer does not depend on map order or on what the graph memoized
// before: two searches on two graphs of the same snapshot agree.
func TestPathsAreDeterministic(t *testing.T) {
	s := sprinkled(t, 7)
	g1, g2 := build(t, s), build(t, s)
	for _, key := range g1.Keys() {
		// g1's memos are filled by another question first.
		if _, err := escalation.Paths(g1, key.ARN, escalation.Options{Depth: 1}); err != nil {
			t.Fatal(err)
		}
		a, err := escalation.Paths(g1, key.ARN, escalation.Options{})
		if err != nil {
			t.Fatal(err)
		}
		b, err := escalation.Paths(g2, key.ARN, escalation.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("%s: two searches differ:\n%v\n%v", key.ARN, a, b)
		}
	}
}
