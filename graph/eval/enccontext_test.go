package eval

import (
	"encoding/json"
	"testing"
)

// ecGrant is a grant to roleA for Decrypt with the given constraints.
func ecGrant(constraints obj) obj {
	return obj{"GrantId": "g-ec", "KeyId": keyA, "GranteePrincipal": roleA, "Operations": []any{"Decrypt"}, "Constraints": constraints}
}

// ecRequest is a Decrypt by sessA on keyA that only the grant can allow,
// with the request's encryption context spelled by extra.
func ecRequest(constraints obj, extra obj) obj {
	in := base(sessA, obj{"resource_policy": doc(rootStatement(acctA)), "grants": []any{ecGrant(constraints)}})
	ctx := obj{"kms:ViaService": nil}
	if c, ok := extra["context"].(obj); ok {
		for k, v := range c {
			ctx[k] = v
		}
	}
	in["context"] = ctx
	for k, v := range extra {
		if k != "context" {
			in[k] = v
		}
	}
	return in
}

// KMS API Reference, GrantConstraints
// (https://docs.aws.amazon.com/kms/latest/APIReference/API_GrantConstraints.html):
// the grant allows the operation "only when the encryption context in the
// request" includes (Subset) or equals (Equals) the constraint's pairs. The
// request's encryption context is the same whether it is given as
// encryption_context or as its condition keys (KMS DG, conditions-kms.html:
// kms:EncryptionContext:context-key, kms:EncryptionContextKeys), in eval's
// context or in can --context.
func TestGrantConstraintReadsEitherSpelling_KMSGrantConstraints(t *testing.T) {
	subset := obj{"EncryptionContextSubset": obj{"dept": "finance"}}
	equals := obj{"EncryptionContextEquals": obj{"dept": "finance"}}
	runCases(t, []evalCase{
		{name: "subset: encryption_context", want: Allow, in: ecRequest(subset, obj{"encryption_context": obj{"dept": "finance"}})},
		{name: "subset: the pair's condition key", want: Allow, in: ecRequest(subset, obj{"context": obj{"kms:EncryptionContext:dept": "finance"}})},
		{name: "subset: the pair's condition key, context complete", want: Allow, in: ecRequest(subset, obj{"context": obj{"kms:EncryptionContext:dept": "finance"}, "context_complete": true})},
		{name: "subset: condition key in another case", want: Allow, in: ecRequest(subset, obj{"context": obj{"KMS:encryptioncontext:dept": "finance"}})},
		{name: "subset: the pair with another value", want: Deny, deniedBy: []string{"grant"}, in: ecRequest(subset, obj{"context": obj{"kms:EncryptionContext:dept": "sales"}})},
		{name: "subset: the pair known absent", want: Deny, deniedBy: []string{"grant"}, in: ecRequest(subset, obj{"context": obj{"kms:EncryptionContext:dept": nil}})},
		{name: "subset: the pair unknown", want: Conditional, in: ecRequest(subset, obj{"context": obj{"kms:EncryptionContext:other": "x"}})},
		{name: "equals: encryption_context", want: Allow, in: ecRequest(equals, obj{"encryption_context": obj{"dept": "finance"}})},
		{name: "equals: pair and kms:EncryptionContextKeys", want: Allow, in: ecRequest(equals, obj{"context": obj{"kms:EncryptionContext:dept": "finance", "kms:EncryptionContextKeys": []any{"dept"}}})},
		{name: "equals: pair, context complete", want: Allow, in: ecRequest(equals, obj{"context": obj{"kms:EncryptionContext:dept": "finance"}, "context_complete": true})},
		{name: "equals: pair alone, other pairs unknown", want: Conditional, in: ecRequest(equals, obj{"context": obj{"kms:EncryptionContext:dept": "finance"}})},
		{name: "equals: another pair given", want: Deny, deniedBy: []string{"grant"}, in: ecRequest(equals, obj{"context": obj{"kms:EncryptionContext:dept": "finance", "kms:EncryptionContext:team": "a"}})},
		{name: "equals: another key listed", want: Deny, deniedBy: []string{"grant"}, in: ecRequest(equals, obj{"context": obj{"kms:EncryptionContext:dept": "finance", "kms:EncryptionContextKeys": []any{"dept", "team"}}})},
		{name: "equals: no encryption context", want: Deny, deniedBy: []string{"grant"}, in: ecRequest(equals, obj{"context": obj{"kms:EncryptionContextKeys": nil}})},
	})
}

// KMS API Reference, GrantConstraints: "in a grant constraint, the key in
// each key-value pair is not case sensitive, but the value is case
// sensitive."
func TestGrantConstraintKeysIgnoreCase_KMSGrantConstraints(t *testing.T) {
	runCases(t, []evalCase{
		{name: "subset key in another case", want: Allow, in: ecRequest(obj{"EncryptionContextSubset": obj{"department": "IT"}}, obj{"encryption_context": obj{"Department": "IT"}})},
		{name: "equals key in another case", want: Allow, in: ecRequest(obj{"EncryptionContextEquals": obj{"DEPARTMENT": "IT"}}, obj{"encryption_context": obj{"Department": "IT"}})},
		{name: "value in another case", want: Deny, deniedBy: []string{"grant"}, in: ecRequest(obj{"EncryptionContextSubset": obj{"department": "IT"}}, obj{"encryption_context": obj{"Department": "it"}})},
	})
}

// The explanation is the same too: the grant's constraint results do not
// depend on how the request spelled its encryption context.
func TestGrantConstraintExplanationSameForEitherSpelling(t *testing.T) {
	constraints := obj{"EncryptionContextEquals": obj{"dept": "finance", "app": "ledger"}}
	explain := func(extra obj) string {
		_, d := mustEval(t, ecRequest(constraints, extra))
		for _, rs := range d.Reasons {
			if rs.Layer == LayerGrant {
				b, err := json.Marshal(rs)
				if err != nil {
					t.Fatal(err)
				}
				return d.Verdict.String() + " " + string(b)
			}
		}
		t.Fatalf("no grant reason in %+v", d.Reasons)
		return ""
	}
	for _, ec := range []map[string]any{
		{"dept": "finance", "app": "ledger"},
		{"dept": "finance", "app": "ledger", "extra": "x"},
		{"dept": "sales"},
		{},
	} {
		keys := []any{}
		ctx := obj{}
		for k, v := range ec {
			keys = append(keys, k)
			ctx["kms:EncryptionContext:"+k] = v
		}
		ctx["kms:EncryptionContextKeys"] = keys
		a, b := explain(obj{"encryption_context": ec}), explain(obj{"context": ctx})
		if a != b {
			t.Errorf("encryption context %v:\nencryption_context: %s\ncontext keys:       %s", ec, a, b)
		}
	}
}

// A context that tells the whole encryption context makes it known as
// encryption_context does (docs/eval.md): kms:EncryptionContextKeys follows
// from the pairs of a complete context, and an empty encryption context is
// no kms:EncryptionContextKeys at all (IAM UG, multivalued context keys:
// Null counts "context keys with empty values" as missing).
func TestEncryptionContextKeysFromPairs_KMSConditionKeys(t *testing.T) {
	cond := func(c obj) obj {
		return doc(rootStatement(acctA), stmt("Allow", obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*", "Condition": c}))
	}
	anyDept := cond(obj{"ForAnyValue:StringEquals": obj{"kms:EncryptionContextKeys": "dept"}})
	noEC := cond(obj{"Null": obj{"kms:EncryptionContextKeys": "true"}})
	with := func(pol obj, extra obj) obj {
		in := base(sessA, obj{"resource_policy": pol})
		for k, v := range extra {
			in[k] = v
		}
		return in
	}
	runCases(t, []evalCase{
		{name: "keys from encryption_context", want: Allow, in: with(anyDept, obj{"encryption_context": obj{"dept": "x"}})},
		{name: "keys from the pairs of a complete context", want: Allow, in: with(anyDept, obj{"context": obj{"kms:EncryptionContext:dept": "x"}, "context_complete": true})},
		{name: "no encryption context: encryption_context {}", want: Allow, in: with(noEC, obj{"encryption_context": obj{}})},
		{name: "no encryption context: kms:EncryptionContextKeys null", want: Allow, in: with(noEC, obj{"context": obj{"kms:EncryptionContextKeys": nil}})},
		{name: "no encryption context: complete context", want: Allow, in: with(noEC, obj{"context_complete": true})},
	})
}
