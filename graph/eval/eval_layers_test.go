package eval

// Evaluation beyond the policy layers of eval_test.go: key states, unknown
// context, other resources, NotPrincipal, VPC endpoints, the resource
// account, layers the scan could not read, RCPs.

import (
	"encoding/json"
	"strings"
	"testing"
)

// KMS DG, key-state.html: cryptographic operations need an Enabled key.
func TestKeyState_KMSDeveloperGuideKeyStates(t *testing.T) {
	allowed := obj{"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{doc(stmt("Allow", obj{"Action": "kms:*", "Resource": keyA}))}}
	with := func(state, action string) obj {
		in := base(sessA, allowed)
		in["key_state"], in["action"] = state, action
		return in
	}
	runCases(t, []evalCase{
		{name: "disabled key refuses Decrypt", want: Deny, deniedBy: []string{"key-state"}, in: with("Disabled", "kms:Decrypt")},
		{name: "disabled key answers DescribeKey", want: Allow, in: with("Disabled", "kms:DescribeKey")},
		{name: "disabled key accepts CreateGrant", want: Allow, in: with("Disabled", "kms:CreateGrant")},
		{name: "pending deletion refuses Encrypt", want: Deny, deniedBy: []string{"key-state"}, in: with("PendingDeletion", "kms:Encrypt")},
		{name: "pending deletion refuses CreateGrant", want: Deny, deniedBy: []string{"key-state"}, in: with("PendingDeletion", "kms:CreateGrant")},
		{name: "pending import refuses GenerateDataKey", want: Deny, deniedBy: []string{"key-state"}, in: with("PendingImport", "kms:GenerateDataKey")},
		{name: "unavailable refuses Decrypt", want: Deny, deniedBy: []string{"key-state"}, in: with("Unavailable", "kms:Decrypt")},
		{name: "updating multi-Region key allows Decrypt", want: Allow, in: with("Updating", "kms:Decrypt")},
	})
	if got := KeyStateError("Disabled", "kms:Decrypt"); got != "DisabledException" {
		t.Errorf("KeyStateError(Disabled) = %q", got)
	}
	if got := KeyStateError("PendingImport", "kms:Decrypt"); got != "KMSInvalidStateException" {
		t.Errorf("KeyStateError(PendingImport) = %q", got)
	}
}

// IAM UG, condition operators: a condition on a key the request is not known
// to carry makes the answer CONDITIONAL, with the condition shown.
func TestConditional_UnknownContext(t *testing.T) {
	viaS3 := doc(stmt("Allow", obj{
		"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*",
		"Condition": obj{"StringEquals": obj{"kms:ViaService": "s3.us-east-1.amazonaws.com"}},
	}))
	denyOffVPC := doc(rootStatement(acctA), stmt("Deny", obj{
		"Principal": "*", "Action": "kms:*", "Resource": "*",
		"Condition": obj{"StringNotEquals": obj{"aws:SourceVpce": "vpce-1"}},
	}))
	runCases(t, []evalCase{
		{name: "ViaService unknown", want: Conditional, in: obj{"principal": sessA, "action": "kms:Decrypt", "resource": keyA, "resource_policy": viaS3}},
		{name: "ViaService known absent (direct call)", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessA, obj{"resource_policy": viaS3})},
		{name: "ViaService present", want: Allow, in: obj{
			"principal": sessA, "action": "kms:Decrypt", "resource": keyA, "resource_policy": viaS3,
			"context": obj{"kms:ViaService": "s3.us-east-1.amazonaws.com"},
		}},
		{name: "complete context without ViaService", want: Deny, in: obj{"principal": sessA, "action": "kms:Decrypt", "resource": keyA, "resource_policy": viaS3, "context_complete": true}},
		{name: "deny on unknown SourceVpce", want: Conditional, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{"resource_policy": denyOffVPC, "identity_policies": []any{allowDecrypt(keyA)}})},
		{name: "deny on absent SourceVpce applies (negated operator, missing key)", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{
			"resource_policy": denyOffVPC, "identity_policies": []any{allowDecrypt(keyA)},
			"context": obj{"aws:SourceVpce": nil},
		})},
		{name: "deny on matching SourceVpce does not apply", want: Allow, in: base(sessA, obj{
			"resource_policy": denyOffVPC, "identity_policies": []any{allowDecrypt(keyA)},
			"context": obj{"aws:SourceVpce": "vpce-1"},
		})},
	})
	_, d := mustEval(t, obj{"principal": sessA, "action": "kms:Decrypt", "resource": keyA, "resource_policy": viaS3})
	if len(d.Conditions) != 1 || d.Conditions[0].Key != "kms:ViaService" || d.Conditions[0].Values[0] != "s3.us-east-1.amazonaws.com" {
		t.Errorf("residual conditions = %+v", d.Conditions)
	}
}

// IAM UG, policy evaluation for resources other than KMS keys and roles:
// in one account either the resource policy or an identity policy suffices;
// cross-account both are needed. Trust policies behave like key policies.
func TestOtherResources_IAMCrossAccountEvaluation(t *testing.T) {
	getObject := func(principal string, extra obj) obj {
		in := obj{"principal": principal, "action": "s3:GetObject", "resource": bucketA, "resource_account": acctA}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	allowGet := doc(stmt("Allow", obj{"Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"}))
	bucketPolicyFor := func(p string) obj {
		return doc(stmt("Allow", obj{"Principal": obj{"AWS": p}, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"}))
	}
	assume := func(principal string, trust obj, ids ...any) obj {
		return obj{"principal": principal, "action": "sts:AssumeRole", "resource": "arn:aws:iam::111111111111:role/Target", "resource_policy": trust, "identity_policies": ids}
	}
	runCases(t, []evalCase{
		{name: "same account: identity policy alone", want: Allow, in: getObject(sessA, obj{"identity_policies": []any{allowGet}})},
		{name: "same account: bucket policy naming the role alone", want: Allow, in: getObject(sessA, obj{"resource_policy": bucketPolicyFor(roleA)})},
		{name: "same account: nothing allows", want: Deny, deniedBy: []string{"identity-policy"}, in: getObject(sessA, nil)},
		{name: "cross account: identity policy alone", want: Deny, deniedBy: []string{"resource-policy"}, in: getObject(sessB, obj{"identity_policies": []any{allowGet}})},
		{name: "cross account: both", want: Allow, in: getObject(sessB, obj{"identity_policies": []any{allowGet}, "resource_policy": bucketPolicyFor(rootB)})},
		{name: "trust policy naming the account needs IAM", want: Deny, deniedBy: []string{"identity-policy"}, in: assume(userA, doc(stmt("Allow", obj{"Principal": obj{"AWS": rootA}, "Action": "sts:AssumeRole"})))},
		{name: "trust policy naming the user suffices", want: Allow, in: assume(userA, doc(stmt("Allow", obj{"Principal": obj{"AWS": userA}, "Action": "sts:AssumeRole"})))},
		{name: "trust policy without the caller", want: Deny, deniedBy: []string{"trust-policy"}, in: assume(userA, doc(stmt("Allow", obj{"Principal": obj{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})),
			doc(stmt("Allow", obj{"Action": "sts:AssumeRole", "Resource": "*"})))},
		{name: "service principal named in the trust policy", want: Allow, in: assume("ec2.amazonaws.com", doc(stmt("Allow", obj{"Principal": obj{"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"})))},
	})
}

// IAM UG, reference_policies_elements_notprincipal.html and
// access_policies_boundaries.html (NotPrincipal with Deny and boundaries).
func TestNotPrincipal_IAMNotPrincipal(t *testing.T) {
	denyAllBut := func(list ...any) obj {
		return doc(rootStatement(acctA), stmt("Deny", obj{"NotPrincipal": obj{"AWS": list}, "Action": "kms:*", "Resource": "*"}))
	}
	ids := []any{allowDecrypt(keyA)}
	runCases(t, []evalCase{
		{name: "session, role and account listed: exempt", want: Allow, in: base(sessA, obj{"resource_policy": denyAllBut(sessA, roleA, rootA), "identity_policies": ids})},
		{name: "only the role listed: denied", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{"resource_policy": denyAllBut(roleA), "identity_policies": ids})},
		{name: "role and account listed: the session is exempt", want: Allow, in: base(sessA, obj{"resource_policy": denyAllBut(roleA, rootA), "identity_policies": ids})},
		{name: "only the account listed: denied", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{"resource_policy": denyAllBut(rootA), "identity_policies": ids})},
		{name: "a caller with a permissions boundary is never exempt", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{
			"resource_policy": denyAllBut(sessA, roleA, rootA), "identity_policies": ids,
			"permissions_boundary": doc(stmt("Allow", obj{"Action": "*", "Resource": "*"})),
		})},
		{name: "user and account listed: exempt", want: Allow, in: base(userA, obj{"resource_policy": denyAllBut(userA, rootA), "identity_policies": ids})},
		{name: "someone else listed: denied", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(userA, obj{"resource_policy": denyAllBut("arn:aws:iam::111111111111:user/bob", rootA), "identity_policies": ids})},
	})
}

// KMS DG, kms-vpc-endpoint.html: the endpoint policy must also allow.
func TestVPCEndpointPolicy_KMSDeveloperGuideVPCEndpoint(t *testing.T) {
	allowed := obj{"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt(keyA)}}
	with := func(vpce obj) obj {
		in := base(sessA, allowed)
		in["vpc_endpoint_policy"] = vpce
		return in
	}
	runCases(t, []evalCase{
		{name: "endpoint allows only Encrypt", want: Deny, deniedBy: []string{"vpc-endpoint-policy"}, in: with(doc(stmt("Allow", obj{"Principal": "*", "Action": "kms:Encrypt", "Resource": "*"})))},
		{name: "endpoint allows Decrypt", want: Allow, in: with(doc(stmt("Allow", obj{"Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})))},
		{name: "endpoint denies the caller", want: Deny, deniedBy: []string{"vpc-endpoint-policy"}, explicit: true, in: with(doc(
			stmt("Allow", obj{"Principal": "*", "Action": "*", "Resource": "*"}), stmt("Deny", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*"})))},
	})
}

func TestResourceAccount(t *testing.T) {
	// An S3 ARN names no account: the request must say whose bucket it is.
	_, err := ParseRequest([]byte(`{"principal":"` + sessA + `","action":"s3:GetObject","resource":"arn:aws:s3:::bucket/key"}`))
	if err == nil || !strings.Contains(err.Error(), "resource_account") {
		t.Errorf("S3 ARN without resource_account: err = %v", err)
	}
	// kms:ListKeys on "*" is a request to the caller's own account: identity policy alone.
	_, d := mustEval(t, obj{
		"principal": sessA, "action": "kms:ListKeys", "resource": "*",
		"identity_policies": []any{doc(stmt("Allow", obj{"Action": "kms:List*", "Resource": "*"}))},
	})
	if d.Verdict != Allow {
		t.Errorf("ListKeys: %s %v", d.Verdict, d.DeniedBy)
	}
}

// Layers whose policies are not known (not collected, unreadable,
// unparseable) can neither allow nor be blamed for a DENY: the verdict is
// CONDITIONAL unless a known layer decides it.
func TestUnknownLayers(t *testing.T) {
	allowed := func() *Request {
		data, _ := json.Marshal(base(sessA, obj{"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt(keyA)}}))
		r, err := ParseRequest(data)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, l := range []Layer{LayerIdentityPolicy, LayerKeyPolicy, LayerPermissionsBoundary, LayerVPCEndpointPolicy} {
		r := allowed()
		r.MarkUnknown(l)
		d, _ := Evaluate(r)
		if d.Verdict != Conditional || !d.DeniedByLayer(l) {
			t.Errorf("%s unknown on an allowed request: %s %v, want CONDITIONAL blaming it", l, d.Verdict, d.DeniedBy)
		}
		for _, x := range d.DeniedBy {
			if x.Explicit {
				t.Errorf("%s unknown: %s reported as an explicit deny", l, x.Layer)
			}
		}
	}
	// A known explicit deny still decides.
	data, _ := json.Marshal(base(sessA, obj{"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{doc(stmt("Deny", obj{"Action": "kms:*", "Resource": "*"}))}}))
	r, _ := ParseRequest(data)
	r.MarkUnknown(LayerKeyPolicy)
	if d, _ := Evaluate(r); d.Verdict != Deny {
		t.Errorf("known deny with an unknown key policy: %s", d.Verdict)
	}
	// A key policy that is unknown is not a reason to DENY.
	data, _ = json.Marshal(base(sessA, obj{"identity_policies": []any{allowDecrypt(keyA)}}))
	r, _ = ParseRequest(data)
	r.MarkUnknown(LayerKeyPolicy)
	if d, _ := Evaluate(r); d.Verdict != Conditional {
		t.Errorf("no known key policy statement, key policy unknown: %s, want CONDITIONAL", d.Verdict)
	}
}

// Organizations UG, RCPs: only some services' resources are subject to RCPs.
func TestRCPsOnlyForSupportedServices(t *testing.T) {
	deny := obj{"name": "DenyAll", "document": doc(stmt("Deny", obj{"Principal": "*", "Action": "*", "Resource": "*"}))}
	full := obj{"name": "RCPFullAWSAccess", "document": doc(stmt("Allow", obj{"Principal": "*", "Action": "*", "Resource": "*"}))}
	ids := []any{doc(stmt("Allow", obj{"Action": "*", "Resource": "*"}))}
	runCases(t, []evalCase{
		{name: "EC2 resources are not subject to RCPs", want: Allow, in: obj{"principal": sessA, "action": "ec2:CreateVolume", "resource": "arn:aws:ec2:us-east-1:111111111111:snapshot/snap-1", "identity_policies": ids, "rcps": []any{[]any{full, deny}}}},
		{name: "SQS resources are", want: Deny, deniedBy: []string{"rcp"}, explicit: true, in: obj{"principal": sessA, "action": "sqs:SendMessage", "resource": "arn:aws:sqs:us-east-1:111111111111:q", "identity_policies": ids, "rcps": []any{[]any{full, deny}}}},
	})
}
