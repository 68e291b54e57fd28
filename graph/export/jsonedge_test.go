package export

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// encodingJSON is the reference: what json.Encoder writes for an edge.
func encodingJSON(t testing.TB, e *Edge) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var edgeCases = []Edge{
	{From: "111111111111", To: "arn:aws:iam::111111111111:role/app", Kind: EdgeContains},
	{
		From: "arn:aws:iam::111111111111:role/app", To: "arn:aws:kms:us-east-1:111111111111:key/k", Kind: EdgeCanUseKey, Action: "kms:Decrypt", Decision: eval.Conditional,
		Conditions: []eval.Residual{
			{Layer: eval.LayerKeyPolicy, Statement: 2, Sid: "Org", Effect: policy.Allow, Operator: "StringEquals", Key: "aws:SourceVpce", Values: []string{"vpce-1", "vpce-2"}},
			{Layer: eval.LayerIdentityPolicy, Policy: "inline <&>", Statement: 0, Effect: policy.Deny, Operator: "Null", Key: "aws:SourceIp"},
			{Layer: eval.LayerSCP, Policy: "p", Effect: policy.Allow, Values: []string{}},
			{Layer: eval.LayerGrant, Statement: -1, Grant: "g1", Effect: policy.Allow, Operator: "EncryptionContextSubset", Key: "kms:EncryptionContext:dept", Values: []string{"finance"}},
		},
		Via: []string{"arn:aws:iam::2:role/a", "arn:aws:iam::1:role/b"}, Because: []string{`key-policy statement 2 "Org"`, "grant g1"},
	},
	{From: "g", To: "k", Kind: EdgeGrant, Attrs: map[string]string{"operations": "Decrypt Encrypt", "grant_id": "g\u2028\x01", "constraints": "a=b"}},
	{From: "r", To: "k", Kind: EdgeCanEscalate, Action: "kms:Decrypt", Decision: eval.Conditional, Steps: []escalation.Step{
		{Principal: "r", Action: "iam:PutRolePolicy", Kind: "PutRolePolicy", Target: "r<&>", Widens: "r", Decision: eval.Allow, Reasons: []eval.Reason{{Sid: "x\u2028"}}},
		{Principal: "r", Action: "kms:Decrypt", Target: "k", Decision: eval.Conditional},
	}, Attrs: map[string]string{"steps": "PutRolePolicy r → Decrypt"}},
	{From: "\xff\xfeinvalid", To: "tab\there\nnewline \\ \"quoted\" é ü 日本", Kind: "x", Action: "<script>&amp;", Decision: eval.Allow},
	{From: "", To: "", Kind: "", Via: []string{}, Because: []string{""}, Attrs: map[string]string{}},
	{From: "p", To: "k", Kind: EdgeCanUseKey, Action: "kms:Decrypt", Decision: eval.Allow, Uses: new(int)},
	{From: "p", To: "r", Kind: EdgeCanRead, Action: "read", Decision: eval.Allow, Uses: intp(412), LastUsed: "2026-11-20T09:30:00Z", Attrs: map[string]string{"a": "b"}},
}

func intp(n int) *int { return &n }

func TestEdgeEncodingMatchesEncodingJSON(t *testing.T) {
	for i := range edgeCases {
		e := &edgeCases[i]
		want := encodingJSON(t, e)
		if got := appendEdge(nil, e); !bytes.Equal(got, want) {
			t.Errorf("edge %d:\n got %s\nwant %s", i, got, want)
		}
	}
}

// FuzzEdgeJSON holds the hand-written edge encoding to encoding/json's on
// any strings.
func FuzzEdgeJSON(f *testing.F) {
	f.Add("arn:aws:iam::1:role/a", "k", "kms:Decrypt", "Sid", "aws:SourceIp", "10.0.0.0/8", "g", uint8(1))
	f.Add("\x00\u2029\xff", "\"\\", "<>&", "", "", "", "", uint8(2))
	f.Fuzz(func(t *testing.T, from, to, action, sid, key, value, attr string, decision uint8) {
		e := &Edge{
			From: from, To: to, Kind: EdgeCanUseKey, Action: action, Decision: eval.Verdict(decision % 3),
			Via: []string{from, to}, Because: []string{sid},
			Conditions: []eval.Residual{{Layer: eval.LayerKeyPolicy, Policy: attr, Statement: int(decision), Sid: sid, Grant: to, Effect: policy.Allow, Operator: "StringEquals", Key: key, Values: []string{value}}},
			Attrs:      map[string]string{attr: value, key: sid},
		}
		if got, want := appendEdge(nil, e), encodingJSON(t, e); !bytes.Equal(got, want) {
			t.Fatalf("\n got %q\nwant %q", got, want)
		}
	})
}
