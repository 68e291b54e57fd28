package eval

import (
	"encoding/json"
	"strings"
	"testing"
)

const (
	acctA   = "111111111111"
	acctB   = "222222222222"
	mgmt    = "999999999999"
	keyA    = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	roleA   = "arn:aws:iam::111111111111:role/App"
	sessA   = "arn:aws:sts::111111111111:assumed-role/App/s1"
	userA   = "arn:aws:iam::111111111111:user/alice"
	sessB   = "arn:aws:sts::222222222222:assumed-role/Reader/r"
	rootA   = "arn:aws:iam::111111111111:root"
	rootB   = "arn:aws:iam::222222222222:root"
	bucketA = "arn:aws:s3:::bucket-a/report.csv"
)

// obj is a JSON object literal for building requests.
type obj = map[string]any

func stmt(effect string, fields obj) obj {
	s := obj{"Effect": effect}
	for k, v := range fields {
		s[k] = v
	}
	return s
}

func doc(stmts ...obj) obj {
	list := make([]any, len(stmts))
	for i, s := range stmts {
		list[i] = s
	}
	return obj{"Version": "2012-10-17", "Statement": list}
}

// rootStatement is the default key policy's "Enable IAM User Permissions".
func rootStatement(acct string) obj {
	return stmt("Allow", obj{"Sid": "Enable IAM User Permissions", "Principal": obj{"AWS": "arn:aws:iam::" + acct + ":root"}, "Action": "kms:*", "Resource": "*"})
}

func allowDecrypt(resource string) obj {
	return doc(stmt("Allow", obj{"Action": "kms:Decrypt", "Resource": resource}))
}

func mustEval(t *testing.T, in obj) (*Request, *Decision) {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	req, err := ParseRequest(data)
	if err != nil {
		t.Fatalf("ParseRequest: %v", err)
	}
	d, err := Evaluate(req)
	if err != nil {
		t.Fatal(err)
	}
	return req, d
}

type evalCase struct {
	name     string
	in       obj
	want     Verdict
	deniedBy []string // layers that must be in denied_by
	explicit bool     // the first deniedBy layer is explicit
}

func runCases(t *testing.T, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, d := mustEval(t, tc.in)
			var text strings.Builder
			_ = WriteText(&text, req, d)
			if d.Verdict != tc.want {
				t.Fatalf("verdict %s, want %s\n%s", d.Verdict, tc.want, text.String())
			}
			for i, l := range tc.deniedBy {
				layer, ok := ParseLayer(l)
				if !ok {
					t.Fatalf("unknown layer %q", l)
				}
				found := false
				for _, x := range d.DeniedBy {
					if x.Layer == layer {
						found = true
						if i == 0 && x.Explicit != tc.explicit {
							t.Errorf("%s explicit=%v, want %v", l, x.Explicit, tc.explicit)
						}
					}
				}
				if !found {
					t.Errorf("denied_by %v lacks %s\n%s", d.DeniedBy, l, text.String())
				}
			}
			if tc.want == Allow && len(d.DeniedBy) > 0 {
				t.Errorf("ALLOW with denied_by %v", d.DeniedBy)
			}
		})
	}
}

func base(principal string, extra obj) obj {
	in := obj{
		"principal": principal, "action": "kms:Decrypt", "resource": keyA,
		"context": obj{"kms:ViaService": nil},
	}
	for k, v := range extra {
		in[k] = v
	}
	return in
}

// KMS DG, key-policies.html and key-policy-default.html: the key policy is the
// primary control; IAM policies count only when the key policy allows the
// account principal; in the key's account a key-policy statement naming the
// principal suffices alone.
func TestKeyPolicyRules_KMSDeveloperGuideKeyPolicies(t *testing.T) {
	runCases(t, []evalCase{
		{name: "default key policy and IAM allow", want: Allow, in: base(sessA, obj{
			"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt(keyA)},
		})},
		{name: "default key policy, no IAM policy", want: Deny, deniedBy: []string{"identity-policy"}, in: base(sessA, obj{
			"resource_policy": doc(rootStatement(acctA)),
		})},
		{name: "IAM allow ignored without root delegation", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessA, obj{
			"resource_policy":   doc(stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:iam::111111111111:role/Admin"}, "Action": "kms:*", "Resource": "*"})),
			"identity_policies": []any{allowDecrypt("*")},
		})},
		{name: "key policy names the role: sessions allowed without IAM", want: Allow, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*"})),
		})},
		{name: "key policy names the role with a path", want: Allow, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:iam::111111111111:role/team/App"}, "Action": "kms:Decrypt", "Resource": "*"})),
		})},
		{name: "key policy names another role", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:iam::111111111111:role/Other"}, "Action": "kms:Decrypt", "Resource": "*"})),
		})},
		{name: "key policy names one session only", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:sts::111111111111:assumed-role/App/other"}, "Action": "kms:Decrypt", "Resource": "*"})),
		})},
		{name: "key policy action does not cover the request", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Encrypt", "Resource": "*"})),
		})},
		{name: "GenerateDataKey* covers GenerateDataKeyWithoutPlaintext", want: Allow, in: func() obj {
			in := base(sessA, obj{"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:GenerateDataKey*", "Resource": "*"}))})
			in["action"] = "kms:GenerateDataKeyWithoutPlaintext"
			return in
		}()},
		{name: "principal star with satisfied condition suffices in the key's account", want: Allow, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{
				"Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
				"Condition": obj{"StringEquals": obj{"kms:CallerAccount": acctA}},
			})),
		})},
		{name: "root user needs the key policy to allow the account", want: Allow, in: base(rootA, obj{
			"resource_policy": doc(rootStatement(acctA)),
		})},
		{name: "root user denied when the key policy omits the account", want: Deny, deniedBy: []string{"key-policy"}, in: base(rootA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:*", "Resource": "*"})),
		})},
		{name: "no key policy at all", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessA, obj{
			"identity_policies": []any{allowDecrypt("*")},
		})},
		{name: "IAM resource must be the key ARN, not an alias ARN", want: Deny, deniedBy: []string{"identity-policy"}, in: base(sessA, obj{
			"resource_policy":   doc(rootStatement(acctA)),
			"identity_policies": []any{allowDecrypt("arn:aws:kms:us-east-1:111111111111:alias/app")},
		})},
	})
}

// IAM UG, reference_policies_evaluation-logic_policy-eval-denyallow.html:
// an explicit deny in any policy wins; boundaries and session policies limit
// resource-policy grants to a role ARN, not to a user or session ARN.
func TestDenyAndLimits_IAMPolicyEvalDenyAllow(t *testing.T) {
	denyAll := doc(stmt("Deny", obj{"Action": "kms:*", "Resource": "*"}))
	s3Only := doc(stmt("Allow", obj{"Action": "s3:*", "Resource": "*"}))
	namesRole := doc(stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*"}))
	runCases(t, []evalCase{
		{name: "identity deny beats key policy allow", want: Deny, deniedBy: []string{"identity-policy"}, explicit: true, in: base(sessA, obj{
			"resource_policy": namesRole, "identity_policies": []any{denyAll},
		})},
		{name: "key policy deny beats IAM allow", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{
			"resource_policy":   doc(rootStatement(acctA), stmt("Deny", obj{"Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})),
			"identity_policies": []any{allowDecrypt(keyA)},
		})},
		{name: "boundary without kms limits a role-ARN grant", want: Deny, deniedBy: []string{"permissions-boundary"}, in: base(sessA, obj{
			"resource_policy": namesRole, "permissions_boundary": s3Only,
		})},
		{name: "session policy without kms limits a role-ARN grant", want: Deny, deniedBy: []string{"session-policy"}, in: base(sessA, obj{
			"resource_policy": namesRole, "session_policy": s3Only,
		})},
		{name: "boundary deny applies to a user-ARN grant", want: Deny, deniedBy: []string{"permissions-boundary"}, explicit: true, in: base(userA, obj{
			"resource_policy":      doc(stmt("Allow", obj{"Principal": obj{"AWS": userA}, "Action": "kms:Decrypt", "Resource": "*"})),
			"permissions_boundary": denyAll,
		})},
		{name: "user-ARN grant not limited by boundary implicit deny", want: Allow, in: base(userA, obj{
			"resource_policy":      doc(stmt("Allow", obj{"Principal": obj{"AWS": userA}, "Action": "kms:Decrypt", "Resource": "*"})),
			"permissions_boundary": s3Only,
		})},
		{name: "session-ARN grant not limited by session policy implicit deny", want: Allow, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": sessA}, "Action": "kms:Decrypt", "Resource": "*"})),
			"session_policy":  s3Only,
		})},
		{name: "IAM path needs the boundary to allow", want: Deny, deniedBy: []string{"permissions-boundary"}, in: base(sessA, obj{
			"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt(keyA)}, "permissions_boundary": s3Only,
		})},
		{name: "IAM path with boundary allowing kms", want: Allow, in: base(sessA, obj{
			"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt(keyA)},
			"permissions_boundary": doc(stmt("Allow", obj{"Action": "kms:*", "Resource": "*"})),
		})},
		{name: "NotAction deny covers everything but the list", want: Deny, deniedBy: []string{"identity-policy"}, explicit: true, in: base(sessA, obj{
			"resource_policy":   doc(rootStatement(acctA)),
			"identity_policies": []any{allowDecrypt(keyA), doc(stmt("Deny", obj{"NotAction": "kms:Encrypt", "Resource": "*"}))},
		})},
	})
}

// KMS DG, key-policy-modifying-external-accounts.html: cross-account use needs
// the key policy (or a grant to that principal) and the caller's IAM policy;
// only some operations work cross-account.
func TestCrossAccount_KMSDeveloperGuideExternalAccounts(t *testing.T) {
	trustsB := doc(rootStatement(acctA), stmt("Allow", obj{"Principal": obj{"AWS": rootB}, "Action": []any{"kms:Decrypt", "kms:PutKeyPolicy"}, "Resource": "*"}))
	namesRoleB := doc(rootStatement(acctA), stmt("Allow", obj{"Principal": obj{"AWS": "arn:aws:iam::222222222222:role/Reader"}, "Action": "kms:Decrypt", "Resource": "*"}))
	runCases(t, []evalCase{
		{name: "key policy trusts account and IAM allows", want: Allow, in: base(sessB, obj{
			"resource_policy": trustsB, "identity_policies": []any{allowDecrypt(keyA)},
		})},
		{name: "key policy trusts account, no IAM", want: Deny, deniedBy: []string{"identity-policy"}, in: base(sessB, obj{
			"resource_policy": trustsB,
		})},
		{name: "key policy names role, no IAM", want: Deny, deniedBy: []string{"identity-policy"}, in: base(sessB, obj{
			"resource_policy": namesRoleB,
		})},
		{name: "IAM allows, key policy does not trust", want: Deny, deniedBy: []string{"key-policy"}, in: base(sessB, obj{
			"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt("*")},
		})},
		{name: "neither side allows", want: Deny, deniedBy: []string{"key-policy", "identity-policy"}, in: base(sessB, obj{
			"resource_policy": doc(rootStatement(acctA)),
		})},
		{name: "IAM resource for another key", want: Deny, deniedBy: []string{"identity-policy"}, in: base(sessB, obj{
			"resource_policy": trustsB, "identity_policies": []any{allowDecrypt("arn:aws:kms:us-east-1:111111111111:key/other")},
		})},
		{name: "PutKeyPolicy has no effect cross-account", want: Deny, deniedBy: []string{"key-policy"}, in: func() obj {
			in := base(sessB, obj{"resource_policy": trustsB, "identity_policies": []any{doc(stmt("Allow", obj{"Action": "kms:*", "Resource": "*"}))}})
			in["action"] = "kms:PutKeyPolicy"
			return in
		}()},
		{name: "opt-in Region not enabled by the caller's account", want: Deny, deniedBy: []string{"region"}, in: func() obj {
			in := base(sessB, obj{"resource_policy": trustsB, "identity_policies": []any{allowDecrypt("*")}, "principal_enabled_regions": []any{}})
			in["resource"] = "arn:aws:kms:af-south-1:111111111111:key/af5af5af-0000-4000-8000-0000000000af"
			return in
		}()},
		{name: "opt-in Region enabled", want: Allow, in: func() obj {
			in := base(sessB, obj{"resource_policy": trustsB, "identity_policies": []any{allowDecrypt("*")}, "principal_enabled_regions": []any{"af-south-1"}})
			in["resource"] = "arn:aws:kms:af-south-1:111111111111:key/af5af5af-0000-4000-8000-0000000000af"
			return in
		}()},
	})
}

// Organizations UG, orgs_manage_policies_scps.html and _rcps.html; KMS DG,
// resource control policies.
func TestOrganizationPolicies_SCPsAndRCPs(t *testing.T) {
	full := obj{"name": "FullAWSAccess", "document": doc(stmt("Allow", obj{"Action": "*", "Resource": "*"}))}
	rcpFull := obj{"name": "RCPFullAWSAccess", "document": doc(stmt("Allow", obj{"Principal": "*", "Action": "*", "Resource": "*"}))}
	denyDecrypt := obj{"name": "DenyDecrypt", "document": doc(stmt("Deny", obj{"Action": "kms:Decrypt", "Resource": "*"}))}
	allowListS3 := obj{"name": "OnlyS3", "document": doc(stmt("Allow", obj{"Action": "s3:*", "Resource": "*"}))}
	rcpDenyOutside := obj{"name": "DenyOutsideOrg", "document": doc(stmt("Deny", obj{
		"Principal": "*", "Action": "kms:*", "Resource": "*",
		"Condition": obj{"StringNotEqualsIfExists": obj{"aws:PrincipalOrgID": "o-a1b2c3d4e5"}, "Bool": obj{"aws:PrincipalIsAWSService": "false"}},
	}))}
	allowed := obj{"resource_policy": doc(rootStatement(acctA)), "identity_policies": []any{allowDecrypt(keyA)}}
	with := func(principal string, extra obj) obj {
		in := base(principal, allowed)
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	runCases(t, []evalCase{
		{name: "SCP deny at root", want: Deny, deniedBy: []string{"scp"}, explicit: true, in: with(sessA, obj{"scps": []any{[]any{full, denyDecrypt}, []any{full}}})},
		{name: "allow-list SCP at an OU without kms", want: Deny, deniedBy: []string{"scp"}, in: with(sessA, obj{"scps": []any{[]any{full}, []any{allowListS3}, []any{full}}})},
		{name: "every SCP level allows", want: Allow, in: with(sessA, obj{"scps": []any{[]any{full}, []any{full}, []any{full}}})},
		{name: "SCPs do not apply to the management account", want: Allow, in: func() obj {
			in := with("arn:aws:sts::999999999999:assumed-role/App/s", obj{"scps": []any{[]any{full, denyDecrypt}}, "management_account": mgmt})
			in["resource"] = "arn:aws:kms:us-east-1:999999999999:key/k"
			in["resource_policy"] = doc(rootStatement(mgmt))
			in["identity_policies"] = []any{allowDecrypt("*")}
			return in
		}()},
		{name: "SCPs do not apply to service-linked roles", want: Allow, in: func() obj {
			in := with("arn:aws:iam::111111111111:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling", obj{"scps": []any{[]any{full, denyDecrypt}}})
			in["principal"] = "arn:aws:sts::111111111111:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling"
			return in
		}()},
		{name: "RCP denies callers outside the organization", want: Deny, deniedBy: []string{"rcp"}, explicit: true, in: func() obj {
			in := base(sessB, obj{
				"resource_policy":   doc(rootStatement(acctA), stmt("Allow", obj{"Principal": obj{"AWS": rootB}, "Action": "kms:Decrypt", "Resource": "*"})),
				"identity_policies": []any{allowDecrypt("*")}, "rcps": []any{[]any{rcpFull, rcpDenyOutside}},
			})
			in["context"] = obj{"kms:ViaService": nil, "aws:PrincipalOrgID": "o-zzzzzzzzzz"}
			return in
		}()},
		{name: "RCP condition on an unknown org ID is conditional", want: Conditional, deniedBy: []string{"rcp"}, explicit: true, in: base(sessB, obj{
			"resource_policy":   doc(rootStatement(acctA), stmt("Allow", obj{"Principal": obj{"AWS": rootB}, "Action": "kms:Decrypt", "Resource": "*"})),
			"identity_policies": []any{allowDecrypt("*")}, "rcps": []any{[]any{rcpFull, rcpDenyOutside}},
		})},
		{name: "RCPs do not apply to AWS managed keys", want: Allow, in: with(sessA, obj{"rcps": []any{[]any{rcpFull, denyDecryptRCP()}}, "key_manager": "AWS"})},
		{name: "RCP deny applies to customer managed keys", want: Deny, deniedBy: []string{"rcp"}, explicit: true, in: with(sessA, obj{"rcps": []any{[]any{rcpFull, denyDecryptRCP()}}})},
		{name: "RCPs do not apply to the management account's resources", want: Allow, in: with(sessA, obj{"rcps": []any{[]any{rcpFull, denyDecryptRCP()}}, "management_account": acctA})},
		{name: "RCP level without RCPFullAWSAccess", want: Deny, deniedBy: []string{"rcp"}, in: with(sessA, obj{"rcps": []any{[]any{rcpFull}, []any{obj{"document": doc(stmt("Deny", obj{"Principal": "*", "Action": "kms:Encrypt", "Resource": "*"}))}}}})},
		{name: "SCP caps a key-policy grant", want: Deny, deniedBy: []string{"scp"}, explicit: true, in: base(sessA, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*"})),
			"scps":            []any{[]any{full, denyDecrypt}},
		})},
		{name: "caller's SCP does not limit external principals' access", want: Allow, in: base(sessB, obj{
			"resource_policy": doc(stmt("Allow", obj{"Principal": obj{"AWS": rootB}, "Action": "kms:Decrypt", "Resource": "*"})), "identity_policies": []any{allowDecrypt("*")},
			"scps": []any{[]any{full}},
		})},
	})
}

func denyDecryptRCP() obj {
	return obj{"name": "DenyDecryptRCP", "document": doc(stmt("Deny", obj{"Principal": "*", "Action": "kms:Decrypt", "Resource": "*"}))}
}

// KMS DG, grants.html: grants allow and never deny; constraints must hold;
// an explicit deny beats a grant.
func TestGrants_KMSDeveloperGuideGrants(t *testing.T) {
	grant := func(grantee string, ops []any, constraints obj) obj {
		g := obj{"GrantId": "g-1", "KeyId": keyA, "GranteePrincipal": grantee, "Operations": ops}
		if constraints != nil {
			g["Constraints"] = constraints
		}
		return g
	}
	defaultPolicy := doc(rootStatement(acctA))
	runCases(t, []evalCase{
		{name: "grant to the role allows without policies", want: Allow, in: base(sessA, obj{"resource_policy": defaultPolicy, "grants": []any{grant(roleA, []any{"Decrypt"}, nil)}})},
		{name: "grant for another operation", want: Deny, in: base(sessA, obj{"resource_policy": defaultPolicy, "grants": []any{grant(roleA, []any{"Encrypt"}, nil)}})},
		{name: "subset constraint satisfied", want: Allow, in: base(sessA, obj{
			"resource_policy": defaultPolicy, "encryption_context": obj{"Department": "IT", "Purpose": "x"},
			"grants": []any{grant(roleA, []any{"Decrypt"}, obj{"EncryptionContextSubset": obj{"Department": "IT"}})},
		})},
		{name: "subset constraint value differs in case", want: Deny, deniedBy: []string{"grant"}, in: base(sessA, obj{
			"resource_policy": defaultPolicy, "encryption_context": obj{"Department": "it"},
			"grants": []any{grant(roleA, []any{"Decrypt"}, obj{"EncryptionContextSubset": obj{"Department": "IT"}})},
		})},
		{name: "equals constraint with an extra pair", want: Deny, deniedBy: []string{"grant"}, in: base(sessA, obj{
			"resource_policy": defaultPolicy, "encryption_context": obj{"Department": "IT", "Purpose": "x"},
			"grants": []any{grant(roleA, []any{"Decrypt"}, obj{"EncryptionContextEquals": obj{"Department": "IT"}})},
		})},
		{name: "constraint with unknown encryption context is conditional", want: Conditional, in: base(sessA, obj{
			"resource_policy": defaultPolicy,
			"grants":          []any{grant(roleA, []any{"Decrypt"}, obj{"EncryptionContextSubset": obj{"Department": "IT"}})},
		})},
		{name: "constraints ignored for DescribeKey", want: Allow, in: func() obj {
			in := base(sessA, obj{"resource_policy": defaultPolicy, "grants": []any{grant(roleA, []any{"DescribeKey"}, obj{"EncryptionContextSubset": obj{"Department": "IT"}})}})
			in["action"] = "kms:DescribeKey"
			return in
		}()},
		{name: "key policy deny beats a grant", want: Deny, deniedBy: []string{"key-policy"}, explicit: true, in: base(sessA, obj{
			"resource_policy": doc(rootStatement(acctA), stmt("Deny", obj{"Principal": "*", "Action": "kms:Decrypt", "Resource": "*"})),
			"grants":          []any{grant(roleA, []any{"Decrypt"}, nil)},
		})},
		{name: "grant to an external role needs no IAM policy", want: Allow, in: base(sessB, obj{
			"resource_policy": defaultPolicy,
			"grants":          []any{grant("arn:aws:iam::222222222222:role/Reader", []any{"Decrypt"}, nil)},
		})},
		{name: "grant to an external account needs IAM delegation", want: Deny, deniedBy: []string{"identity-policy"}, in: base(sessB, obj{
			"resource_policy": defaultPolicy,
			"grants":          []any{grant(rootB, []any{"Decrypt"}, nil)},
		})},
		{name: "grant to an external account with IAM delegation", want: Allow, in: base(sessB, obj{
			"resource_policy":   defaultPolicy,
			"identity_policies": []any{allowDecrypt(keyA)}, "grants": []any{grant(rootB, []any{"Decrypt"}, nil)},
		})},
		{name: "retiring principal may retire", want: Allow, in: func() obj {
			g := grant(roleA, []any{"Decrypt"}, nil)
			g["RetiringPrincipal"] = "arn:aws:iam::222222222222:role/Reader"
			in := base(sessB, obj{"resource_policy": defaultPolicy, "grants": []any{g}, "grant_id": "g-1"})
			in["action"] = "kms:RetireGrant"
			return in
		}()},
	})
}
