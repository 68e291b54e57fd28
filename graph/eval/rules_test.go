package eval

import (
	"strings"
	"testing"
)

// STS API Reference, GetCallerIdentity
// (https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html):
// "No permissions are required to perform this operation. If an
// administrator attaches a policy to your identity that explicitly denies
// access to the sts:GetCallerIdentity action, you can still perform this
// operation."
func TestGetCallerIdentity_STSAPIReference(t *testing.T) {
	denyIt := doc(stmt("Deny", obj{"Action": "sts:GetCallerIdentity", "Resource": "*"}))
	denyAll := obj{"name": "DenyAll", "document": doc(stmt("Deny", obj{"Action": "*", "Resource": "*"}))}
	call := func(principal string, extra obj) obj {
		in := obj{"principal": principal, "action": "sts:GetCallerIdentity", "resource": "*"}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	runCases(t, []evalCase{
		{name: "a session with no policy", want: Allow, in: call(sessA, nil)},
		{name: "a user whose identity policy denies it", want: Allow, in: call(userA, obj{"identity_policies": []any{denyIt}})},
		{name: "a session whose boundary and session policy deny it", want: Allow, in: call(sessA, obj{"permissions_boundary": denyIt, "session_policy": denyIt})},
		{name: "an SCP denying everything", want: Allow, in: call(sessB, obj{"scps": []any{[]any{denyAll}}})},
		{name: "action written in another case", want: Allow, in: call(sessA, obj{"action": "STS:getCallerIdentity", "identity_policies": []any{denyIt}})},
	})
	_, d := mustEval(t, call(userA, obj{"identity_policies": []any{denyIt}}))
	if len(d.Reasons) != 1 || d.Reasons[0].Code != CodeNoPermissionRequired {
		t.Errorf("reasons = %+v, want one no-permission-required", d.Reasons)
	}
}

// KMS DG, alias-create.html, "Create aliases": "The alias name for a customer
// managed key cannot begin with alias/aws/. The alias/aws/ prefix is reserved
// for AWS managed key." No policy lets anyone create, repoint or delete such
// an alias.
func TestReservedAliasName_KMSCreateAliases(t *testing.T) {
	admin := []any{doc(stmt("Allow", obj{"Action": "kms:*", "Resource": "*"}))}
	alias := func(action, resource string) obj {
		return obj{"principal": sessA, "action": action, "resource": resource, "identity_policies": admin}
	}
	runCases(t, []evalCase{
		{name: "CreateAlias alias/aws/s3", want: Deny, deniedBy: []string{"key-policy"}, in: alias("kms:CreateAlias", "arn:aws:kms:us-east-1:111111111111:alias/aws/s3")},
		{name: "UpdateAlias alias/aws/ebs", want: Deny, deniedBy: []string{"key-policy"}, in: alias("kms:UpdateAlias", "arn:aws:kms:us-east-1:111111111111:alias/aws/ebs")},
		{name: "DeleteAlias alias/aws/rds", want: Deny, deniedBy: []string{"key-policy"}, in: alias("kms:DeleteAlias", "arn:aws:kms:us-east-1:111111111111:alias/aws/rds")},
		{name: "alias name rather than ARN", want: Deny, deniedBy: []string{"key-policy"}, in: alias("kms:CreateAlias", "alias/aws/lambda")},
		{name: "action in lower case", want: Deny, deniedBy: []string{"key-policy"}, in: alias("kms:createalias", "arn:aws:kms:us-east-1:111111111111:alias/aws/s3")},
		{name: "a customer alias", want: Allow, in: alias("kms:CreateAlias", "arn:aws:kms:us-east-1:111111111111:alias/app")},
		{name: "aws in the middle of a customer alias", want: Allow, in: alias("kms:CreateAlias", "arn:aws:kms:us-east-1:111111111111:alias/app/aws/x")},
	})
	_, d := mustEval(t, alias("kms:CreateAlias", "alias/aws/s3"))
	found := false
	for _, rs := range d.Reasons {
		found = found || rs.Code == CodeReservedAliasName && rs.Outcome == OutcomeBlocked
	}
	if !found {
		t.Errorf("no alias-name-reserved reason in %+v", d.Reasons)
	}
}

// IAM UG, reference_policies_elements_notprincipal.html, "NotPrincipal with
// Allow" (2023 edition): it "allows all principals except the one named in
// the NotPrincipal element ... you might grant access to anonymous
// (unauthenticated) users". The statement covers every kind of caller alike.
func TestNotPrincipalAllow_EveryCaller_IAMNotPrincipal(t *testing.T) {
	allowAllBut := func(p obj) obj {
		return doc(stmt("Allow", obj{"NotPrincipal": p, "Action": "s3:GetObject", "Resource": "arn:aws:s3:::bucket-a/*"}))
	}
	get := func(principal string, pol obj) obj {
		return obj{
			"principal": principal, "action": "s3:GetObject", "resource": bucketA, "resource_account": acctA,
			"resource_policy": pol, "identity_policies": []any{doc(stmt("Allow", obj{"Action": "s3:GetObject", "Resource": "*"}))},
		}
	}
	butBob := allowAllBut(obj{"AWS": "arn:aws:iam::222222222222:user/bob"})
	runCases(t, []evalCase{
		{name: "an IAM user of another account", want: Allow, in: get("arn:aws:iam::222222222222:user/carol", butBob)},
		{name: "an anonymous caller", want: Allow, in: get("*", butBob)},
		{name: "an AWS service", want: Allow, in: get("cloudtrail.amazonaws.com", butBob)},
		{name: "the listed user", want: Deny, deniedBy: []string{"resource-policy"}, in: get("arn:aws:iam::222222222222:user/bob", butBob)},
		{name: "the listed service", want: Deny, deniedBy: []string{"resource-policy"}, in: get("cloudtrail.amazonaws.com", allowAllBut(obj{"Service": "cloudtrail.amazonaws.com"}))},
		{name: "another service than the listed one", want: Allow, in: get("config.amazonaws.com", allowAllBut(obj{"Service": "cloudtrail.amazonaws.com"}))},
	})
}

// IAM UG, reference_policies_variables.html, "Principal key values":
// aws:username is "(not present)" for the root user, federated users,
// assumed roles and anonymous callers, "and any attempt to match it fails";
// with no value, ${aws:username} makes StringEquals false and StringNotEquals
// true ("Policy variables with no value"). A role session is thus known not
// to match, rather than left CONDITIONAL.
func TestUsernameNotPresentForSessions_IAMPolicyVariables(t *testing.T) {
	ownKeys := doc(stmt("Allow", obj{"Action": "kms:Decrypt", "Resource": "*", "Condition": obj{"StringEquals": obj{"aws:ResourceTag/owner": "${aws:username}"}}}))
	denyOthers := doc(
		stmt("Allow", obj{"Action": "kms:Decrypt", "Resource": "*"}),
		stmt("Deny", obj{"Action": "kms:Decrypt", "Resource": "*", "Condition": obj{"StringNotEquals": obj{"aws:ResourceTag/owner": "${aws:username}"}}}),
	)
	tagged := obj{"kms:ViaService": nil, "aws:ResourceTag/owner": "alice"}
	with := func(principal string, pol obj) obj {
		return obj{"principal": principal, "action": "kms:Decrypt", "resource": keyA, "context": tagged, "resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{pol}}
	}
	runCases(t, []evalCase{
		{name: "alice, whose key it is", want: Allow, in: with("arn:aws:iam::111111111111:user/alice", ownKeys)},
		{name: "a role session: the Allow does not take effect", want: Deny, deniedBy: []string{"identity-policy"}, in: with(sessA, ownKeys)},
		{name: "a role session: the Deny with StringNotEquals applies", want: Deny, deniedBy: []string{"identity-policy"}, explicit: true, in: with(sessA, denyOthers)},
		{name: "a federated user: the Deny applies", want: Deny, deniedBy: []string{"identity-policy"}, explicit: true, in: with("arn:aws:sts::111111111111:federated-user/bob", denyOthers)},
		{name: "alice: the Deny does not apply", want: Allow, in: with("arn:aws:iam::111111111111:user/alice", denyOthers)},
		{name: "aws:username given for a session is kept", want: Allow, in: func() obj {
			in := with(sessA, ownKeys)
			in["context"] = obj{"kms:ViaService": nil, "aws:ResourceTag/owner": "alice", "aws:username": "alice"}
			return in
		}()},
	})
}

// KMS DG, alias-authorization.html: an operation named by alias is
// authorized on the key the alias points to, and an IAM policy on the alias
// ARN does not apply to the key. Evaluating it on the alias would give
// another answer than the same request on the key ARN: the evaluator asks
// for the key.
func TestAliasResourceRejected_KMSAliasAuthorization(t *testing.T) {
	_, err := ParseRequest([]byte(`{"principal":"` + sessA + `","action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111111111111:alias/app"}`))
	if err == nil || !strings.Contains(err.Error(), "alias") || !strings.Contains(err.Error(), "key ARN") {
		t.Errorf("kms:Decrypt on an alias ARN: err = %v, want one asking for the key ARN", err)
	}
	// Alias operations act on the alias itself.
	if _, err := ParseRequest([]byte(`{"principal":"` + sessA + `","action":"kms:DeleteAlias","resource":"arn:aws:kms:us-east-1:111111111111:alias/app"}`)); err != nil {
		t.Errorf("kms:DeleteAlias on an alias ARN: %v", err)
	}
}
