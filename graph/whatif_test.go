package graph_test

import (
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// whatIfGraph: account 111111111111 with a key whose policy names only the
// role admin; user alice may call iam:PutUserPolicy on herself and has a
// boundary that allows IAM only; user bob has no policy.
func whatIfGraph(t *testing.T) *graph.Graph {
	t.Helper()
	keyPolicy := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`
	s := &snapshot.Snapshot{Format: snapshot.Format, Accounts: map[string]*snapshot.Account{"111111111111": {
		IAM: &snapshot.IAM{
			UserDetailList: []snapshot.UserDetail{
				{
					UserName: "alice", Arn: "arn:aws:iam::111111111111:user/alice", UserPolicyList: []snapshot.PolicyDetail{{PolicyName: "self", PolicyDocument: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:PutUserPolicy","Resource":"arn:aws:iam::111111111111:user/alice"}]}`}},
					PermissionsBoundary: &snapshot.AttachedPermissionsBoundary{PermissionsBoundaryArn: "arn:aws:iam::111111111111:policy/iamonly"},
				},
				{UserName: "bob", Arn: "arn:aws:iam::111111111111:user/bob"},
			},
			Policies: []snapshot.ManagedPolicyDetail{{
				PolicyName: "iamonly", Arn: "arn:aws:iam::111111111111:policy/iamonly", DefaultVersionID: "v1",
				PolicyVersionList: []snapshot.PolicyVersion{{VersionID: "v1", IsDefaultVersion: true, Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}`}},
			}},
		},
		Regions: map[string]*snapshot.Region{"us-east-1": {KMS: &snapshot.KMS{Keys: []snapshot.Key{{
			KeyMetadata: snapshot.KeyMetadata{KeyID: "k1", Arn: "arn:aws:kms:us-east-1:111111111111:key/k1", Enabled: true, KeyState: "Enabled"},
			Policy:      &keyPolicy, Grants: []snapshot.Grant{},
		}}}}},
	}}}
	return graph.Build(s, nil)
}

// A query under a WhatIf is answered as the changed snapshot would be,
// and leaves the graph as it was.
func TestWhatIf(t *testing.T) {
	g := whatIfGraph(t)
	const key = "arn:aws:kms:us-east-1:111111111111:key/k1"
	alice, bob := "arn:aws:iam::111111111111:user/alice", "arn:aws:iam::111111111111:user/bob"
	decrypt, err := policy.ParseString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Decrypt","Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	namesBob, err := policy.ParseString(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:user/bob"},"Action":"kms:Decrypt","Resource":"*"}]}`)
	if err != nil {
		t.Fatal(err)
	}
	added := []eval.NamedPolicy{{Name: "added", Policy: decrypt}}
	for _, tc := range []struct {
		name      string
		principal string
		w         *graph.WhatIf
		want      eval.Verdict
	}{
		{"as collected", alice, nil, eval.Deny},
		{"an identity policy added: the boundary still limits", alice, &graph.WhatIf{IdentityPolicies: added}, eval.Deny},
		{"the boundary removed: no identity allow", alice, &graph.WhatIf{NoBoundary: true}, eval.Deny},
		{"both", alice, &graph.WhatIf{IdentityPolicies: added, NoBoundary: true}, eval.Allow},
		{"bob, a key policy naming him", bob, &graph.WhatIf{ResourcePolicy: &eval.NamedPolicy{Name: "new", Policy: namesBob}}, eval.Allow},
		{"bob, a grant to him", bob, &graph.WhatIf{Grants: []eval.Grant{{GrantID: "g", GranteePrincipal: bob, Operations: []string{"Decrypt"}}}}, eval.Allow},
		{"bob, a grant for Encrypt only", bob, &graph.WhatIf{Grants: []eval.Grant{{GrantID: "g", GranteePrincipal: bob, Operations: []string{"Encrypt"}}}}, eval.Deny},
		{"as collected, after all that", alice, nil, eval.Deny},
	} {
		a, err := g.Can(graph.Query{Principal: tc.principal, Action: "kms:Decrypt", Resource: key, WhatIf: tc.w, ChainDepth: -1})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if a.Decision != tc.want {
			t.Errorf("%s: got %s, want %s", tc.name, a.Decision, tc.want)
		}
	}
	if n := len(g.Principal(alice).Policies); n != 1 {
		t.Errorf("alice's policies changed: %d", n)
	}
	if k := g.Key(key); len(k.Grants) != 0 {
		t.Errorf("the key's grants changed: %v", k.Grants)
	}
}

// IAM calls are answered on the identity side (IAM has no resource-based
// policies), with the boundary; across accounts they are denied.
func TestIAMActionsAndCapable(t *testing.T) {
	g := whatIfGraph(t)
	alice := "arn:aws:iam::111111111111:user/alice"
	for _, tc := range []struct {
		action, resource string
		want             eval.Verdict
	}{
		{"iam:PutUserPolicy", alice, eval.Allow},
		{"iam:PutUserPolicy", "arn:aws:iam::111111111111:user/bob", eval.Deny},
		{"iam:PutUserPolicy", "arn:aws:iam::222222222222:user/alice", eval.Deny},
		{"iam:CreateAccessKey", alice, eval.Deny},
	} {
		a, err := g.Can(graph.Query{Principal: alice, Action: tc.action, Resource: tc.resource, ChainDepth: -1})
		if err != nil {
			t.Fatalf("%s %s: %v", tc.action, tc.resource, err)
		}
		if a.Decision != tc.want {
			t.Errorf("%s %s: got %s, want %s", tc.action, tc.resource, a.Decision, tc.want)
		}
	}
	if _, err := g.Can(graph.Query{Principal: alice, Action: "s3:GetObject", Resource: "arn:aws:s3:::b/o"}); err == nil {
		t.Error("s3:GetObject on an object: want an error, answered")
	}
	// A call on an existing function would need its resource policy: not
	// answered; on one the caller has just created, it has none yet.
	fn := "arn:aws:lambda:us-east-1:111111111111:function:f"
	if _, err := g.Can(graph.Query{Principal: alice, Action: "lambda:InvokeFunction", Resource: fn}); err == nil {
		t.Error("lambda:InvokeFunction on an existing function: want an error, answered")
	}
	if a, err := g.Can(graph.Query{Principal: alice, Action: "lambda:InvokeFunction", Resource: fn, WhatIf: &graph.WhatIf{NewResource: true}}); err != nil || a.Decision != eval.Deny {
		t.Errorf("lambda:InvokeFunction on a new function: got %v, %v; want DENY (no identity allow)", a, err)
	}
	c := g.Capable("IAM:PutUserPolicy")
	if len(c) != 1 || c[0].ARN != alice {
		t.Errorf("Capable(iam:PutUserPolicy) = %v, want alice", c)
	}
	if c := g.Capable("iam:CreateAccessKey"); len(c) != 0 {
		t.Errorf("Capable(iam:CreateAccessKey) = %v, want none", c)
	}
}
