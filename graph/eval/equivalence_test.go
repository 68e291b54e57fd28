package eval

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// Two spellings of one request must get one answer. The generator below
// builds requests (principal kinds, actions, key policies with conditions on
// the encryption context, grants with constraints, identity policies naming
// the caller's role); each rewrite turns a request into an equivalent one,
// and both must give the same verdict and the same denying layers:
//
//   - the encryption context as encryption_context, or as its condition keys
//     kms:EncryptionContext:K and kms:EncryptionContextKeys (KMS DG,
//     conditions-kms.html), the grant constraints reading either (KMS API
//     Reference, GrantConstraints);
//   - condition keys in any case (IAM UG, reference_policies_elements_condition.html:
//     "Condition key names are not case-sensitive"), encryption-context keys
//     in grant constraints in any case (GrantConstraints);
//   - actions in any case (IAM UG, reference_policies_elements_action.html);
//   - a role session or its role as the caller, when the policies name the
//     role (IAM UG, reference_policies_elements_principal.html#principal-roles);
//   - an account as its 12-digit ID or its root ARN, in Principal elements
//     and as the caller (IAM UG, Principal element, "AWS account principals");
//   - a one-element list or its element (IAM UG, grammar: string or array).
//
// A rewrite to a request that knows less (pairs without
// kms:EncryptionContextKeys) must not contradict: its verdict is the same or
// CONDITIONAL.
func TestEquivalentSpellings(t *testing.T) {
	const n = 800
	rng := rand.New(rand.NewPCG(12, 2026))
	checked := map[string]int{}
	for i := range n {
		// Each rewrite gets its own copy of request i, drawn again.
		request := func() obj { return genRequest(rand.New(rand.NewPCG(2026, uint64(i)))) }
		want, wreq := evalJSON(t, request())
		for _, rw := range rewrites {
			out, ok := rw.apply(rng, request())
			if !ok {
				continue
			}
			got, greq := evalJSON(t, out)
			checked[rw.name]++
			if rw.weaker {
				if got.Verdict != Conditional && got.Verdict != want.Verdict {
					t.Errorf("request %d, rewrite %q: %s, then %s knowing less\noriginal:  %s\nrewritten: %s", i, rw.name, want.Verdict, got.Verdict, wreq, greq)
				}
				continue
			}
			if got.Verdict != want.Verdict || !slices.Equal(layersOf(got), layersOf(want)) {
				t.Errorf("request %d, rewrite %q: %s %v, then %s %v\noriginal:  %s\nrewritten: %s", i, rw.name, want.Verdict, layersOf(want), got.Verdict, layersOf(got), wreq, greq)
			}
		}
		if t.Failed() {
			return
		}
	}
	for _, rw := range rewrites {
		if checked[rw.name] < n/20 {
			t.Errorf("rewrite %q applied to %d requests only", rw.name, checked[rw.name])
		}
	}
}

func layersOf(d *Decision) []string {
	var out []string
	for _, x := range d.DeniedBy {
		out = append(out, fmt.Sprintf("%s/%v", x.Layer, x.Explicit))
	}
	return out
}

func evalJSON(t *testing.T, in obj) (*Decision, string) {
	t.Helper()
	data, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	r, err := ParseRequest(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	d, err := Evaluate(r)
	if err != nil {
		t.Fatal(err)
	}
	return d, string(data)
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

// Encryption-context keys and values the generator draws from.
var (
	genECKeys   = []string{"dept", "app", "Team"}
	genECValues = []string{"finance", "sales", "x"}
)

func genEC(rng *rand.Rand) obj {
	ec := obj{}
	for _, k := range genECKeys {
		if rng.IntN(2) == 0 {
			ec[k] = pick(rng, genECValues...)
		}
	}
	return ec
}

// genCondition is a condition on the encryption context or the caller.
func genCondition(rng *rand.Rand) obj {
	k, v := pick(rng, genECKeys...), pick(rng, genECValues...)
	switch rng.IntN(8) {
	case 0:
		return obj{"StringEquals": obj{"kms:EncryptionContext:" + k: v}}
	case 1:
		return obj{"StringNotEquals": obj{"kms:EncryptionContext:" + k: v}}
	case 2:
		return obj{"ForAnyValue:StringEquals": obj{"kms:EncryptionContextKeys": k}}
	case 3:
		return obj{"ForAllValues:StringEquals": obj{"kms:EncryptionContextKeys": []any{"dept", "app"}}}
	case 4:
		return obj{"Null": obj{"kms:EncryptionContextKeys": pick(rng, "true", "false")}}
	case 5:
		return obj{"ArnEquals": obj{"aws:PrincipalArn": roleA}}
	case 6:
		return obj{"StringNotEquals": obj{"kms:EncryptionContext:" + k: "${aws:username}"}}
	default:
		return obj{"StringEqualsIfExists": obj{"kms:EncryptionContext:" + k: v}}
	}
}

func genStatement(rng *rand.Rand, principal bool) obj {
	st := obj{
		"Effect":   pick(rng, "Allow", "Allow", "Deny"),
		"Action":   pick[any](rng, "kms:Decrypt", "kms:*", []any{"kms:Encrypt", "kms:GenerateDataKey*"}, "kms:DescribeKey"),
		"Resource": pick[any](rng, "*", keyA),
	}
	if principal {
		st["Principal"] = obj{"AWS": pick[any](rng, roleA, rootA, rootB, []any{roleA, rootB}, "*", acctB)}
	}
	if rng.IntN(2) == 0 {
		st["Condition"] = genCondition(rng)
	}
	return st
}

func genPolicy(rng *rand.Rand, principal bool) obj {
	var sts []obj
	if principal && rng.IntN(3) > 0 {
		sts = append(sts, rootStatement(acctA))
	}
	for range 1 + rng.IntN(3) {
		sts = append(sts, genStatement(rng, principal))
	}
	return doc(sts...)
}

func genGrant(rng *rand.Rand, i int) obj {
	g := obj{
		"GrantId":          fmt.Sprintf("g-%d", i),
		"GranteePrincipal": pick(rng, roleA, rootB, "arn:aws:iam::222222222222:role/Reader", rootA),
		"Operations":       pick[any](rng, []any{"Decrypt"}, []any{"Encrypt", "GenerateDataKey"}, []any{"Decrypt", "DescribeKey", "CreateGrant"}),
	}
	pairs := obj{}
	for _, k := range genECKeys[:1+rng.IntN(2)] {
		if rng.IntN(4) == 0 {
			k = strings.ToUpper(k) // grant-constraint keys are case-insensitive
		}
		pairs[k] = pick(rng, genECValues...)
	}
	switch rng.IntN(3) {
	case 0:
		g["Constraints"] = obj{"EncryptionContextSubset": pairs}
	case 1:
		g["Constraints"] = obj{"EncryptionContextEquals": pairs}
	}
	return g
}

// genRequest draws a request on keyA.
func genRequest(rng *rand.Rand) obj {
	in := obj{
		"principal": pick(rng, sessA, sessA, roleA, userA, sessB, rootA, rootB, "arn:aws:sts::111111111111:federated-user/bob"),
		"action":    pick(rng, "kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey", "kms:CreateGrant", "kms:ReEncryptFrom"),
		"resource":  keyA,
	}
	ctx := obj{"kms:ViaService": nil}
	if rng.IntN(2) == 0 {
		ctx["aws:SourceVpce"] = pick[any](rng, nil, "vpce-1")
	}
	in["context"] = ctx
	if rng.IntN(5) > 0 {
		in["encryption_context"] = genEC(rng)
	}
	if rng.IntN(4) == 0 {
		in["context_complete"] = true
	}
	in["resource_policy"] = genPolicy(rng, true)
	if rng.IntN(4) > 0 {
		var ids []any
		for range 1 + rng.IntN(2) {
			ids = append(ids, genPolicy(rng, false))
		}
		in["identity_policies"] = ids
	}
	if rng.IntN(2) == 0 {
		var gs []any
		for i := range 1 + rng.IntN(2) {
			gs = append(gs, genGrant(rng, i))
		}
		in["grants"] = gs
	}
	return in
}

type rewrite struct {
	name string
	// weaker: the rewritten request knows less than the original.
	weaker bool
	apply  func(*rand.Rand, obj) (obj, bool)
}

var rewrites = []rewrite{
	{name: "encryption context as condition keys", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		ec, ok := in["encryption_context"].(obj)
		if !ok {
			return nil, false
		}
		delete(in, "encryption_context")
		ctx := in["context"].(obj)
		keys := []any{}
		for k, v := range ec {
			ctx["kms:EncryptionContext:"+k] = v
			keys = append(keys, k)
		}
		ctx["kms:EncryptionContextKeys"] = keys
		return in, true
	}},
	{name: "encryption-context pairs alone", weaker: true, apply: func(_ *rand.Rand, in obj) (obj, bool) {
		ec, ok := in["encryption_context"].(obj)
		if !ok {
			return nil, false
		}
		delete(in, "encryption_context")
		ctx := in["context"].(obj)
		for k, v := range ec {
			ctx["kms:EncryptionContext:"+k] = v
		}
		return in, true
	}},
	{name: "condition keys in another case", apply: func(rng *rand.Rand, in obj) (obj, bool) {
		recase := func(k string) string {
			if rng.IntN(2) == 0 {
				return strings.ToUpper(k)
			}
			return strings.ToLower(k)
		}
		ctx := obj{}
		for k, v := range in["context"].(obj) {
			ctx[recase(k)] = v
		}
		in["context"] = ctx
		eachStatement(in, func(st obj) {
			if c, ok := st["Condition"].(obj); ok {
				for op, kv := range c {
					keys := obj{}
					for k, v := range kv.(obj) {
						keys[recase(k)] = v
					}
					c[op] = keys
				}
			}
		})
		return in, true
	}},
	{name: "grant-constraint keys in another case", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		gs, ok := in["grants"].([]any)
		if !ok {
			return nil, false
		}
		for _, g := range gs {
			cs, _ := g.(obj)["Constraints"].(obj)
			for op, pairs := range cs {
				up := obj{}
				for k, v := range pairs.(obj) {
					up[strings.ToUpper(k)] = v
				}
				cs[op] = up
			}
		}
		return in, true
	}},
	{name: "actions in another case", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		in["action"] = strings.ToUpper(in["action"].(string))
		eachStatement(in, func(st obj) {
			switch a := st["Action"].(type) {
			case string:
				st["Action"] = strings.ToLower(a)
			case []any:
				for i := range a {
					a[i] = strings.ToUpper(a[i].(string))
				}
			}
		})
		return in, true
	}},
	{name: "role session as its role", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		if in["principal"] != sessA {
			return nil, false
		}
		in["principal"] = roleA
		return in, true
	}},
	{name: "role as one of its sessions", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		if in["principal"] != roleA {
			return nil, false
		}
		in["principal"] = sessA
		return in, true
	}},
	{name: "accounts as 12-digit IDs", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		short := func(v any) any {
			if s, ok := v.(string); ok && strings.HasPrefix(s, "arn:aws:iam::") && strings.HasSuffix(s, ":root") {
				return strings.TrimSuffix(strings.TrimPrefix(s, "arn:aws:iam::"), ":root")
			}
			return v
		}
		in["principal"] = short(in["principal"])
		eachStatement(in, func(st obj) {
			p, ok := st["Principal"].(obj)
			if !ok {
				return
			}
			switch a := p["AWS"].(type) {
			case string:
				p["AWS"] = short(a)
			case []any:
				for i := range a {
					a[i] = short(a[i])
				}
			}
		})
		return in, true
	}},
	{name: "single values as one-element lists", apply: func(_ *rand.Rand, in obj) (obj, bool) {
		eachStatement(in, func(st obj) {
			for _, f := range []string{"Action", "Resource"} {
				if s, ok := st[f].(string); ok {
					st[f] = []any{s}
				}
			}
			if p, ok := st["Principal"].(obj); ok {
				if s, ok := p["AWS"].(string); ok {
					p["AWS"] = []any{s}
				}
			}
		})
		return in, true
	}},
}

// eachStatement calls fn on every statement of the request's policies.
func eachStatement(in obj, fn func(obj)) {
	visit := func(p any) {
		d, ok := p.(obj)
		if !ok {
			return
		}
		for _, st := range d["Statement"].([]any) {
			fn(st.(obj))
		}
	}
	visit(in["resource_policy"])
	if ids, ok := in["identity_policies"].([]any); ok {
		for _, p := range ids {
			visit(p)
		}
	}
}
