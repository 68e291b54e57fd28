package policy

import "testing"

// IAM UG, "IAM policy elements: Variables and tags", section "Policy
// variables with no value"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-no-value):
// "When you use a variable with no value in the condition element of an IAM
// policy, condition operators like StringEquals or StringLike do not match,
// and the policy statement does not take effect. Inverted condition
// operators like StringNotEquals or StringNotLike do match against a null
// value". The page's own example is a Deny with StringNotEquals on
// ${aws:PrincipalTag/Team}: "Access is explicitly denied when
// aws:principaltag/Team is not set." A variable is unresolved only when its
// key is known to be absent (or multivalued: "You can't use a multivalued
// condition key as a variable"); an unknown key leaves the answer unknown.
func TestVariablesWithNoValue_IAMPolicyVariables(t *testing.T) {
	noTeam := map[string]any{"aws:PrincipalTag/Team": nil, "s3:ExistingObjectTag/Team": "red"}
	runCondCases(t, []condCase{
		{"StringEquals does not match", `{"StringEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, noTeam, False},
		{"StringLike does not match", `{"StringLike":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}*"}}`, noTeam, False},
		{"StringNotEquals matches (the page's Deny example)", `{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, noTeam, True},
		{"StringNotLike matches", `{"StringNotLike":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, noTeam, True},
		{"StringNotEqualsIgnoreCase matches", `{"StringNotEqualsIgnoreCase":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, noTeam, True},
		{"ArnNotLike matches", `{"ArnNotLike":{"aws:SourceArn":"arn:aws:s3:::${aws:username}-*"}}`, map[string]any{"aws:username": nil, "aws:SourceArn": "arn:aws:s3:::alice-x"}, True},
		{"StringEqualsIfExists on a present key does not match", `{"StringEqualsIfExists":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, noTeam, False},
		{"StringEqualsIfExists on an absent key is true", `{"StringEqualsIfExists":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, map[string]any{"aws:PrincipalTag/Team": nil, "s3:ExistingObjectTag/Team": nil}, True},
		{"a multivalued key is no variable", `{"StringEquals":{"k":"${aws:TagKeys}"}}`, map[string]any{"aws:TagKeys": []string{"a", "b"}, "k": "a"}, False},
		{"a default stands in", `{"StringNotEquals":{"k":"${aws:PrincipalTag/Team, 'none'}"}}`, map[string]any{"aws:PrincipalTag/Team": nil, "k": "none"}, False},
		// The compared key unknown, the variable known to have no value: no
		// value of the key can match, so only its presence could matter.
		{"unknown key: StringEquals false whatever it is", `{"StringEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, map[string]any{"aws:PrincipalTag/Team": nil}, False},
		{"unknown key: StringNotEquals true whatever it is", `{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, map[string]any{"aws:PrincipalTag/Team": nil}, True},
		{"unknown key: ArnNotEquals true whatever it is", `{"ArnNotEquals":{"aws:SourceArn":"arn:aws:s3:::${aws:username}"}}`, map[string]any{"aws:username": nil}, True},
		{"unknown key: IfExists depends on its presence", `{"StringEqualsIfExists":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, map[string]any{"aws:PrincipalTag/Team": nil}, Unknown},
		{"unknown key: ForAllValues depends on its presence", `{"ForAllValues:StringEquals":{"aws:TagKeys":"${aws:PrincipalTag/Team}"}}`, map[string]any{"aws:PrincipalTag/Team": nil}, Unknown},
		{"unknown key: ForAnyValue negated depends on its presence", `{"ForAnyValue:StringNotEquals":{"aws:TagKeys":"${aws:PrincipalTag/Team}"}}`, map[string]any{"aws:PrincipalTag/Team": nil}, Unknown},
		{"unknown key: one resolvable value keeps it unknown", `{"StringEquals":{"k":["${aws:PrincipalTag/Team}","x"]}}`, map[string]any{"aws:PrincipalTag/Team": nil}, Unknown},
		{"unknown variable: unknown", `{"StringNotEquals":{"s3:ExistingObjectTag/Team":"${aws:PrincipalTag/Team}"}}`, map[string]any{"s3:ExistingObjectTag/Team": "red"}, Unknown},
	})
}

// The Resource and NotResource elements, same page: "If a variable that has
// no value in the authorization context is used as part of the Resource or
// NotResource element of a policy, the resource that includes a policy
// variable with no value will not match any resource." In NotResource, an
// entry that matches nothing excludes nothing.
func TestResourceVariablesWithNoValue_IAMPolicyVariables(t *testing.T) {
	const bucket = "arn:aws:s3:::home/alice/notes.txt"
	cases := []struct {
		name, doc string
		ctx       map[string]any
		want      Tri
	}{
		{"Resource with the variable resolved", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`, map[string]any{"aws:username": "alice"}, True},
		{"Resource with no value matches nothing", `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::home/${aws:username}/*"}}`, map[string]any{"aws:username": nil}, False},
		{"NotResource with no value excludes nothing", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::home/${aws:username}/*"}}`, map[string]any{"aws:username": nil}, True},
		{"NotResource with the variable resolved excludes the home", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::home/${aws:username}/*"}}`, map[string]any{"aws:username": "alice"}, False},
		{"NotResource with an unknown variable", `{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:GetObject","NotResource":"arn:aws:s3:::home/${aws:username}/*"}}`, nil, Unknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := stmtOf(t, tc.doc)
			if got := st.MatchesResource(bucket, ctxOf(tc.ctx)); got != tc.want {
				t.Fatalf("MatchesResource with %v = %s, want %s", tc.ctx, got, tc.want)
			}
		})
	}
}

// IAM UG, "Multivalued context key examples"
// (reference_policies_condition_examples-multi-valued-context-keys.html): a
// Null condition with "false" checks "if the context key in the request exists
// and its value is not null, which prevents missing context keys or context
// keys with empty values from evaluating to true". A multivalued key with no
// values (an empty encryption context's kms:EncryptionContextKeys) is null.
func TestNullOnEmptyMultivaluedKey_IAMMultivaluedKeys(t *testing.T) {
	runCondCases(t, []condCase{
		{"Null true on an empty set", `{"Null":{"kms:EncryptionContextKeys":"true"}}`, map[string]any{"kms:EncryptionContextKeys": []string{}}, True},
		{"Null false on an empty set", `{"Null":{"kms:EncryptionContextKeys":"false"}}`, map[string]any{"kms:EncryptionContextKeys": []string{}}, False},
		{"Null false on a present set", `{"Null":{"kms:EncryptionContextKeys":"false"}}`, map[string]any{"kms:EncryptionContextKeys": []string{"app"}}, True},
	})
}
