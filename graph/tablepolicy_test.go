package graph

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// A DynamoDB table's resource-based policy is part of its answer (DynamoDB
// DG, "Using resource-based policies for DynamoDB"): in its own account, a
// statement naming the caller allows without an identity policy (IAM UG,
// "Policy evaluation logic"). A policy that could not be read is unknown:
// never "none".
func TestTableResourcePolicy(t *testing.T) {
	const (
		alice = "arn:aws:iam::111111111111:user/alice"
		table = "arn:aws:dynamodb:us-east-1:111111111111:table/orders"
	)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + alice + `"},"Action":"dynamodb:GetItem","Resource":"*"}]}`
	withTable := func(policy *string, failed bool) *Graph {
		return smallWith(t, func(s *snapshot.Snapshot) {
			a := s.Accounts["111111111111"]
			a.Regions["us-east-1"].DynamoDB = &snapshot.DynamoDB{Tables: []snapshot.Table{{
				TableName: "orders", TableArn: table, ResourcePolicy: policy,
				SSEDescription: &snapshot.SSEDescription{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: kApp},
			}}}
			if failed {
				a.Errors = append(a.Errors, snapshot.CollectionError{Service: "dynamodb", Region: "us-east-1", Operation: "GetResourcePolicy", Resource: table, Code: "AccessDeniedException"})
			}
		})
	}
	for _, tc := range []struct {
		name   string
		policy *string
		failed bool
		want   eval.Verdict
		gap    bool
	}{
		{"no policy: alice has no identity statement for dynamodb:GetItem", nil, false, eval.Deny, false},
		{"the table's policy names alice", &doc, false, eval.Allow, false},
		{"the policy could not be read", nil, true, eval.Conditional, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := withTable(tc.policy, tc.failed)
			a, err := g.Can(Query{Principal: alice, Action: "decrypt", Resource: table, ChainDepth: -1})
			if err != nil {
				t.Fatal(err)
			}
			if a.Decision != tc.want {
				t.Fatalf("%s, want %s", a.Decision, tc.want)
			}
			named := false
			for _, u := range a.Unknowns {
				named = named || strings.Contains(u.Message, "GetResourcePolicy")
			}
			if named != tc.gap {
				t.Errorf("gap named %v, want %v: %+v", named, tc.gap, a.Unknowns)
			}
		})
	}
}
