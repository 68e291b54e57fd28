package eval

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/policy"
)

// TestSoundness checks the promise of the three-valued evaluation: a verdict
// reached with unknown context keys holds for every way of completing the
// context. An ALLOW must stay ALLOW and a DENY stay DENY whatever values (or
// absence) the unknown keys take. It runs over every scenario fixture and a
// set of requests with conditions on unknown keys.
func TestSoundness(t *testing.T) {
	var inputs []json.RawMessage
	for _, s := range loadScenarios(t) {
		inputs = append(inputs, s.Request)
	}
	for _, in := range soundnessRequests() {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		inputs = append(inputs, data)
	}
	checked := 0
	for i, data := range inputs {
		r, err := ParseRequest(data)
		if err != nil {
			t.Fatalf("input %d: %v", i, err)
		}
		d, err := Evaluate(r)
		if err != nil {
			t.Fatal(err)
		}
		for _, ctx := range completions(r) {
			c := *r
			c.Context = ctx
			// A complete context tells the whole encryption context.
			c.deriveEncryptionContext()
			cd, err := Evaluate(&c)
			if err != nil {
				t.Fatal(err)
			}
			checked++
			if cd.Verdict == Conditional {
				t.Errorf("input %d: a complete context gave CONDITIONAL", i)
			}
			if d.Verdict != Conditional && cd.Verdict != d.Verdict {
				t.Errorf("input %d (%s %s): verdict %s with unknown keys, %s with context %v", i, r.Principal.ARN, r.Action, d.Verdict, cd.Verdict, ctx.Keys())
			}
		}
	}
	if checked < 100 {
		t.Fatalf("only %d completions checked", checked)
	}
}

// soundnessRequests are requests whose policies condition on keys left unknown.
func soundnessRequests() []obj {
	cond := func(op, key string, vals ...any) obj { return obj{op: obj{key: vals}} }
	keyPol := func(c obj, effect string) obj {
		return doc(rootStatement(acctA), stmt(effect, obj{"Principal": obj{"AWS": roleA}, "Action": "kms:Decrypt", "Resource": "*", "Condition": c}))
	}
	var out []obj
	for _, c := range []obj{
		cond("StringEquals", "kms:ViaService", "s3.us-east-1.amazonaws.com"),
		cond("StringNotEquals", "aws:SourceVpce", "vpce-1"),
		cond("StringLikeIfExists", "aws:SourceVpce", "vpce-*"),
		cond("ForAllValues:StringEquals", "kms:EncryptionContextKeys", "app", "team"),
		cond("ForAnyValue:StringLike", "aws:PrincipalOrgPaths", "o-1/r-1/ou-1/*"),
		cond("Null", "aws:SourceIp", "true"),
		cond("IpAddress", "aws:SourceIp", "10.0.0.0/8"),
		cond("NotIpAddress", "aws:SourceIp", "10.0.0.0/8"),
		cond("Bool", "aws:MultiFactorAuthPresent", "true"),
		cond("NumericLessThan", "aws:MultiFactorAuthAge", "3600"),
		cond("DateGreaterThan", "aws:CurrentTime", "2026-01-01T00:00:00Z"),
		cond("StringEquals", "kms:EncryptionContext:app", "${aws:PrincipalTag/app}"),
		cond("ArnLike", "aws:SourceArn", "arn:aws:s3:::bucket-*"),
		// Variables with no value for a session: aws:username is not present.
		cond("StringNotEquals", "aws:ResourceTag/owner", "${aws:username}"),
		cond("ForAnyValue:StringNotEquals", "aws:TagKeys", "${aws:username}"),
		cond("StringEqualsIfExists", "aws:ResourceTag/owner", "${aws:username}"),
		cond("Null", "kms:EncryptionContextKeys", "true"),
	} {
		for _, effect := range []string{"Allow", "Deny"} {
			out = append(out, obj{
				"principal": sessA, "action": "kms:Decrypt", "resource": keyA, "resource_policy": keyPol(c, effect),
				"identity_policies": []any{allowDecrypt(keyA)},
			})
			out = append(out, obj{
				"principal": sessB, "action": "kms:Decrypt", "resource": keyA, "resource_policy": keyPol(c, effect),
				"identity_policies": []any{doc(stmt(effect, obj{"Action": "kms:Decrypt", "Resource": "*", "Condition": c}))},
			})
		}
	}
	// Grants whose constraints read pairs the policies also condition on,
	// so that the completions vary them.
	for _, constraint := range []obj{
		{"EncryptionContextSubset": obj{"dept": "finance"}},
		{"EncryptionContextEquals": obj{"dept": "finance"}},
	} {
		for _, ctx := range []obj{{}, {"kms:EncryptionContext:dept": "finance"}, {"kms:EncryptionContextKeys": []any{"dept"}}} {
			out = append(out, obj{
				"principal": sessA, "action": "kms:Decrypt", "resource": keyA, "context": ctx,
				"resource_policy": keyPol(cond("StringNotEquals", "kms:EncryptionContext:dept", "finance"), "Deny"),
				"grants":          []any{obj{"GrantId": "g", "GranteePrincipal": roleA, "Operations": []any{"Decrypt"}, "Constraints": constraint}},
			})
		}
	}
	return out
}

// completions returns complete contexts that agree with r's known keys and
// assign each unknown condition key (up to four of them) one of: absent, each
// value the policies compare it with, or a value none of them use.
func completions(r *Request) []*policy.Context {
	candidates := map[string][]string{}
	var keys []string
	visit := func(np *NamedPolicy) {
		if np == nil || np.Policy == nil {
			return
		}
		for _, st := range np.Policy.Statements {
			for i := range st.Conditions {
				c := &st.Conditions[i]
				names := append([]string{c.Key}, c.Variables()...)
				for j, k := range names {
					lk := strings.ToLower(k)
					if _, pres := r.Context.Lookup(lk); pres != policy.PresenceUnknown {
						continue
					}
					if _, seen := candidates[lk]; !seen {
						keys = append(keys, lk)
						candidates[lk] = []string{"zz-none-of-these"}
					}
					if j == 0 {
						for _, v := range c.Values {
							if !strings.Contains(v, "${") && !slices.Contains(candidates[lk], v) {
								candidates[lk] = append(candidates[lk], v)
							}
						}
					}
				}
			}
		}
	}
	for i := range r.IdentityPolicies {
		visit(&r.IdentityPolicies[i])
	}
	visit(r.ResourcePolicy)
	visit(r.PermissionsBoundary)
	visit(r.SessionPolicy)
	visit(r.VPCEndpointPolicy)
	for _, lvl := range append(slices.Clone(r.SCPs), r.RCPs...) {
		for i := range lvl {
			visit(&lvl[i])
		}
	}
	slices.Sort(keys)
	if len(keys) > 4 {
		keys = keys[:4]
	}
	// Each key takes "absent" (index -1) or one candidate value.
	var out []*policy.Context
	var rec func(i int, ctx *policy.Context)
	rec = func(i int, ctx *policy.Context) {
		if i == len(keys) {
			c := ctx.Clone()
			c.SetComplete(true)
			out = append(out, c)
			return
		}
		k := keys[i]
		absent := ctx.Clone()
		absent.SetAbsent(k)
		rec(i+1, absent)
		for _, v := range candidates[k] {
			set := ctx.Clone()
			set.Set(k, fitValue(k, v))
			rec(i+1, set)
		}
	}
	rec(0, r.Context.Clone())
	return out
}

// fitValue adapts the "none of these" value to keys whose operators need a type.
func fitValue(key, v string) string {
	if v != "zz-none-of-these" {
		return v
	}
	switch {
	case strings.Contains(key, "sourceip"):
		return "192.0.2.1"
	case strings.Contains(key, "age"):
		return "999999"
	case strings.Contains(key, "time"):
		return "2020-01-01T00:00:00Z"
	case strings.Contains(key, "multifactorauthpresent"):
		return "false"
	}
	return v
}
