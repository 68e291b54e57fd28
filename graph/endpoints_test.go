package graph

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// withEndpoints is the small organization with VPC endpoints in account
// 111111111111: two KMS interface endpoints in us-east-1 (vpc-1, vpc-2), an
// S3 gateway endpoint in vpc-1, and a KMS endpoint in eu-west-1; the role
// Decrypter may decrypt only through vpce-a or vpce-eu and is denied
// outside vpc-1, and Reader (222222222222) may read bucket data only
// through vpce-s3.
func withEndpoints(t *testing.T) *Graph {
	t.Helper()
	return smallWith(t, func(s *snapshot.Snapshot) {
		a := s.Accounts["111111111111"]
		us := a.Regions["us-east-1"]
		us.EC2 = &snapshot.EC2{VpcEndpoints: []snapshot.VpcEndpoint{
			{VpcEndpointID: "vpce-b", VpcEndpointType: "Interface", ServiceName: "com.amazonaws.us-east-1.kms", VpcID: "vpc-2"},
			{
				VpcEndpointID: "vpce-a", VpcEndpointType: "Interface", ServiceName: "com.amazonaws.us-east-1.kms", VpcID: "vpc-1",
				PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"}]}`,
			},
			{VpcEndpointID: "vpce-s3", VpcEndpointType: "Gateway", ServiceName: "com.amazonaws.us-east-1.s3", VpcID: "vpc-1"},
		}}
		a.Regions["eu-west-1"] = &snapshot.Region{EC2: &snapshot.EC2{VpcEndpoints: []snapshot.VpcEndpoint{
			{VpcEndpointID: "vpce-eu", VpcEndpointType: "Interface", ServiceName: "com.amazonaws.eu-west-1.kms", VpcID: "vpc-1"},
		}}}
		policy := `{"Version":"2012-10-17","Statement":[` +
			`{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*","Condition":{"StringEquals":{"aws:SourceVpce":["vpce-a","vpce-eu"]}}},` +
			`{"Effect":"Deny","Action":"kms:Decrypt","Resource":"*","Condition":{"StringNotEquals":{"aws:SourceVpc":"vpc-1"}}}]}`
		for i, r := range a.IAM.RoleDetailList {
			if r.RoleName == "Decrypter" {
				a.IAM.RoleDetailList[i].RolePolicyList = []snapshot.PolicyDetail{{PolicyName: "through-vpce", PolicyDocument: policy}}
			}
		}
		bucketPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::data/*",` +
			`"Condition":{"StringEquals":{"aws:SourceVpce":"vpce-s3"}}}]}`
		us.S3 = &snapshot.S3{Buckets: []snapshot.Bucket{{Name: "data", Policy: &bucketPolicy}}}
		a.S3Control = &snapshot.S3Control{}
		r := &s.Accounts["222222222222"].IAM.RoleDetailList[0]
		r.RolePolicyList = append(r.RolePolicyList, snapshot.PolicyDetail{PolicyName: "read", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`})
	})
}

// The graph indexes VPC endpoints (ID → VPC, service, policy) and names,
// for a condition on aws:SourceVpce or aws:SourceVpc, the endpoints of the
// request's service and Region that satisfy it (IAM UG, aws:SourceVpce and
// aws:SourceVpc: a request through an endpoint carries its ID and its
// VPC's): an Allow condition's endpoints are the ways in, a Deny
// condition's the ways that are refused.
func TestEndpointsSatisfyingConditions(t *testing.T) {
	g := withEndpoints(t)
	var ids []string
	for _, ep := range g.Endpoints() {
		ids = append(ids, ep.ID)
	}
	if !slices.Equal(ids, []string{"vpce-a", "vpce-b", "vpce-eu", "vpce-s3"}) {
		t.Errorf("endpoints %v", ids)
	}
	if ep, ok := g.Endpoint("vpce-a"); !ok || ep.VPC != "vpc-1" || ep.Service != "com.amazonaws.us-east-1.kms" || ep.Account != "111111111111" || ep.Region != "us-east-1" || ep.Policy != "known" {
		t.Errorf("vpce-a = %+v", ep)
	}
	if ep, _ := g.Endpoint("vpce-b"); ep.Policy != "none" {
		t.Errorf("an endpoint without a policy document: %+v", ep)
	}

	a, err := g.Can(Query{Principal: "arn:aws:iam::111111111111:role/Decrypter", Action: "kms:Decrypt", Resource: kApp, ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if a.Decision != eval.Conditional {
		t.Fatalf("decision %s", a.Decision)
	}
	got := map[string][]string{}
	for _, m := range a.Endpoints {
		var names []string
		for _, ep := range m.Endpoints {
			names = append(names, ep.ID)
		}
		got[m.Condition.Effect.String()+" "+m.Condition.Key] = names
	}
	want := map[string][]string{
		"Allow aws:SourceVpce": {"vpce-a"}, // vpce-eu is in another Region; vpce-b not named
		"Deny aws:SourceVpc":   {"vpce-b"}, // the only KMS endpoint outside vpc-1
	}
	if len(got) != len(want) || !slices.Equal(got["Allow aws:SourceVpce"], want["Allow aws:SourceVpce"]) || !slices.Equal(got["Deny aws:SourceVpc"], want["Deny aws:SourceVpc"]) {
		t.Errorf("endpoints %v, want %v", got, want)
	}
	var text bytes.Buffer
	if err := WriteAnswer(&text, a); err != nil {
		t.Fatal(err)
	}
	for _, line := range []string{"aws:SourceVpce StringEquals vpce-a or vpce-eu — allowed through:", "vpce-a  vpc-1  com.amazonaws.us-east-1.kms  111111111111 us-east-1  policy: known", "aws:SourceVpc StringNotEquals vpc-1 — denied through:"} {
		if !strings.Contains(text.String(), line) {
			t.Errorf("answer text lacks %q:\n%s", line, text.String())
		}
	}

	// Through a bucket: the S3 endpoints of the bucket's Region.
	b, err := g.Can(Query{Principal: "arn:aws:iam::222222222222:role/Reader", Action: "s3:GetObject", Resource: "arn:aws:s3:::data/x", ChainDepth: -1})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Endpoints) != 1 || len(b.Endpoints[0].Endpoints) != 1 || b.Endpoints[0].Endpoints[0].ID != "vpce-s3" {
		t.Errorf("bucket answer endpoints %+v (decision %s)", b.Endpoints, b.Decision)
	}

	// A condition no endpoint of the snapshot satisfies says so.
	none := g.EndpointsFor([]eval.Residual{{Key: "aws:SourceVpce", Operator: "StringEquals", Values: []string{"vpce-elsewhere"}}}, "kms", "us-east-1")
	if len(none) != 1 || none[0].Endpoints == nil || len(none[0].Endpoints) != 0 {
		t.Errorf("unmatched condition: %+v", none)
	}
	if other := g.EndpointsFor([]eval.Residual{{Key: "kms:ViaService", Operator: "StringEquals", Values: []string{"s3.us-east-1.amazonaws.com"}}}, "kms", "us-east-1"); other != nil {
		t.Errorf("other keys are not about endpoints: %+v", other)
	}
}
