package export

import (
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// The conditions column of GraphML, DOT, Cypher and the CSVs reads each
// condition with its statement's effect: a Deny statement's condition says
// when the access is denied, not when it is allowed.
func TestConditionsTextReadsTheEffect(t *testing.T) {
	e := Edge{Conditions: []eval.Residual{
		{Layer: eval.LayerKeyPolicy, Statement: 0, Effect: policy.Allow, Operator: "StringEquals", Key: "kms:ViaService", Values: []string{"s3.us-east-1.amazonaws.com"}},
		{Layer: eval.LayerRCP, Policy: "DataPerimeter", Statement: 0, Effect: policy.Deny, Operator: "StringNotEqualsIfExists", Key: "aws:PrincipalOrgID", Values: []string{"o-1", "o-2"}},
	}}
	want := "allowed only if kms:ViaService StringEquals s3.us-east-1.amazonaws.com; denied if aws:PrincipalOrgID StringNotEqualsIfExists o-1 or o-2"
	if got := conditionsText(e); got != want {
		t.Errorf("conditionsText:\n got %q\nwant %q", got, want)
	}
	if got := conditionsText(Edge{}); got != "" {
		t.Errorf("no conditions: %q", got)
	}
}
