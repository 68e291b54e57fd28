package evalbatch

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// fixtureRequests returns the request documents of examples/ and of the
// scenario fixtures of graph/eval, each as written.
func fixtureRequests(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	examples, err := filepath.Glob(filepath.Join("..", "examples", "*.json"))
	if err != nil || len(examples) == 0 {
		t.Fatalf("no examples: %v", err)
	}
	for _, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = data
	}
	scenarios, err := filepath.Glob(filepath.Join("..", "graph", "eval", "testdata", "scenarios", "*.json"))
	if err != nil || len(scenarios) < 30 {
		t.Fatalf("%d scenario fixtures: %v", len(scenarios), err)
	}
	for _, p := range scenarios {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var s struct {
			Request json.RawMessage `json:"request"`
		}
		if err := json.Unmarshal(data, &s); err != nil || len(s.Request) == 0 {
			t.Fatalf("%s: no request: %v", p, err)
		}
		out[p] = s.Request
	}
	return out
}

// oddDecisions are decisions no evaluation gives, for the corners of the
// encoding: strings to escape, empty and nil lists, zero and other levels.
func oddDecisions() []*eval.Decision {
	cond := eval.ConditionResult{
		Operator: "StringEquals", Key: "aws:PrincipalTag/<team>", Values: []string{"a&b", "é", "\u2028", "tab\t", "\x01", "bad \xff utf-8", `quote " and \ backslash`},
		Context: []string{"x"}, Known: true, Present: true, NotIn: []string{"y"}, Result: policy.Unknown,
	}
	return []*eval.Decision{
		{},
		{Verdict: eval.Allow, DeniedBy: []eval.Denial{}, Reasons: []eval.Reason{}},
		{
			Verdict:  eval.Conditional,
			DeniedBy: []eval.Denial{{Layer: eval.LayerSCP, Explicit: true}, {Layer: eval.LayerRegion}},
			Reasons: []eval.Reason{
				{Layer: eval.LayerSCP, Outcome: eval.OutcomeConditional, Code: eval.CodeAccountDelegation, Policy: "<script>", PolicyARN: "arn:aws:iam::1:policy/p&q", Level: 2, Statement: 0, Sid: "Sid\n", Effect: "Deny", Grant: "g", Conditions: []eval.ConditionResult{cond, {Values: nil, Context: []string{}, NotIn: []string{}}, {Values: []string{}, Key: "a<b", Operator: "c>d", Result: policy.True}}},
				{Layer: eval.LayerGrant, Outcome: eval.OutcomeBlocked, Level: -1, Statement: -1, Conditions: []eval.ConditionResult{}},
			},
			Conditions: []eval.Residual{
				{Layer: eval.LayerKeyPolicy, Policy: "kp", Statement: 3, Sid: "s", Effect: policy.Deny, Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}},
				{Layer: eval.LayerRCP, Policy: "p&", Values: []string{}},
				{Layer: eval.LayerGrant, Statement: -1, Grant: "g<1>", Effect: policy.Allow, Operator: "EncryptionContextSubset", Key: "kms:EncryptionContext:dept", Values: []string{"finance"}},
			},
		},
	}
}

// TestAppendDecisionMatchesEncodingJSON checks the hand-written encoder byte
// for byte against json.Marshal: on the decisions of every example, every
// scenario fixture and thousands of mixed requests, and on decisions built
// to reach every branch of the encoding.
func TestAppendDecisionMatchesEncodingJSON(t *testing.T) {
	var decisions []*eval.Decision
	for name, data := range fixtureRequests(t) {
		r, err := eval.ParseRequest(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		d, err := eval.Evaluate(r)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		decisions = append(decisions, d)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(mixedRequests(300, 2)), []byte("\n")) {
		r, err := eval.ParseRequest(line)
		if err != nil {
			t.Fatal(err)
		}
		d, err := eval.Evaluate(r)
		if err != nil {
			t.Fatal(err)
		}
		decisions = append(decisions, d)
	}
	decisions = append(decisions, oddDecisions()...)
	for i, d := range decisions {
		want, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendDecision(nil, d); !bytes.Equal(got, want) {
			t.Fatalf("decision %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// TestAppendDecisionFields fails when a field is added to (or renamed in)
// the types appendDecision writes: the encoder must then learn it, and this
// list with it.
func TestAppendDecisionFields(t *testing.T) {
	want := map[string][]string{
		"Decision":        {"Verdict decision", "DeniedBy denied_by", "Reasons reasons", "Conditions conditions,omitempty"},
		"Denial":          {"Layer layer", "Explicit explicit"},
		"Reason":          {"Layer layer", "Outcome outcome", "Code code,omitempty", "Policy policy,omitempty", "PolicyARN policy_arn,omitempty", "Level level,omitempty", "Statement statement", "Sid sid,omitempty", "Effect effect,omitempty", "Grant grant,omitempty", "Conditions conditions,omitempty"},
		"ConditionResult": {"Operator operator", "Key key", "Values values", "Context context,omitempty", "Known known", "Present present", "NotIn not_in,omitempty", "Result result"},
		"Residual":        {"Layer layer", "Policy policy,omitempty", "Statement statement", "Sid sid,omitempty", "Grant grant,omitempty", "Effect effect", "Operator operator", "Key key", "Values values"},
	}
	for _, typ := range []reflect.Type{
		reflect.TypeFor[eval.Decision](), reflect.TypeFor[eval.Denial](), reflect.TypeFor[eval.Reason](),
		reflect.TypeFor[eval.ConditionResult](), reflect.TypeFor[eval.Residual](),
	} {
		var got []string
		for i := range typ.NumField() {
			if f := typ.Field(i); f.IsExported() {
				got = append(got, f.Name+" "+f.Tag.Get("json"))
			}
		}
		if !reflect.DeepEqual(got, want[typ.Name()]) {
			t.Errorf("eval.%s has fields %q; appendDecision writes %q: update encode.go", typ.Name(), got, want[typ.Name()])
		}
	}
}
