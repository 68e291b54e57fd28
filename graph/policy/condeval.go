package policy

import (
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
)

// Eval evaluates the condition against the request context, as the IAM User
// Guide documents (reference_policies_elements_condition_operators.html and
// reference_policies_condition-single-vs-multi-valued-context-keys.html):
//
//   - a key not in the request makes a positive operator false and a negated
//     one (StringNotEquals, NotIpAddress, …) true; …IfExists makes it true;
//     ForAllValues is true and ForAnyValue false on a missing or empty key;
//   - several policy values for the key are ORed (a negated operator is true
//     when no value matches);
//   - ForAllValues needs every request value to match, ForAnyValue at least one;
//   - Null is true when the key's absence is what the policy value says; a
//     multivalued key with no values counts as absent
//     (reference_policies_condition_examples-multi-valued-context-keys.html:
//     Null "false" keeps "missing context keys or context keys with empty
//     values" from evaluating to true);
//   - a policy value whose variable the request does not carry matches no
//     request value (reference_policies_variables.html, "Policy variables
//     with no value"): StringEquals is false, StringNotEquals true.
//
// A key that is neither present nor known absent gives Unknown, unless the
// answer is the same whether it is absent or present with any value.
func (c *Condition) Eval(ctx *Context) Tri {
	vals, pres := ctx.Lookup(c.key)
	return c.evalValues(vals, pres, ctx)
}

// EvalLookup is Eval that also returns the request's values for the key and
// their presence, for explanations, with a single context lookup.
func (c *Condition) EvalLookup(ctx *Context) (Tri, []string, Presence) {
	vals, pres := ctx.Lookup(c.key)
	return c.evalValues(vals, pres, ctx), vals, pres
}

func (c *Condition) evalValues(vals []string, pres Presence, ctx *Context) Tri {
	if pres == PresenceUnknown {
		if c.valuesUnresolvable(ctx) {
			// No request value can match a policy value: only the key's
			// presence matters, and it may not.
			absent := c.evalValues(nil, PresenceAbsent, ctx)
			if absent == c.evalValues(anyValue[:], PresencePresent, ctx) {
				return absent
			}
			return Unknown
		}
		return c.evalExcluded(ctx)
	}
	if c.Family == OpNull {
		absent := pres == PresenceAbsent || len(vals) == 0
		for _, b := range c.bools {
			if b == absent {
				return True
			}
		}
		return False
	}
	if pres == PresenceAbsent || len(vals) == 0 {
		switch {
		case c.IfExists:
			return True
		case c.Set == SetForAllValues:
			return True
		case c.Set == SetForAnyValue:
			return False
		default:
			return TriOf(c.Negated)
		}
	}
	var res Tri
	switch {
	case c.Set == SetForAllValues || (c.Set == SetNone && c.Negated):
		res = True
		for _, v := range vals {
			res = res.And(c.perValue(v, ctx))
			if res == False {
				break
			}
		}
	default: // ForAnyValue, or a positive operator on one or more values
		res = False
		for _, v := range vals {
			res = res.Or(c.perValue(v, ctx))
			if res == True {
				break
			}
		}
	}
	return res
}

// perValue is whether one request value satisfies the operator (negation applied).
func (c *Condition) perValue(v string, ctx *Context) Tri {
	m := c.anyPolicyValue(v, ctx)
	if c.Negated {
		return m.Not()
	}
	return m
}

// anyPolicyValue is whether request value v matches any of the policy's values
// under the positive form of the operator.
func (c *Condition) anyPolicyValue(v string, ctx *Context) Tri {
	res := False
	n := len(c.Values)
	for i := 0; i < n && res != True; i++ {
		res = res.Or(c.base(v, i, ctx))
	}
	return res
}

func (c *Condition) base(v string, i int, ctx *Context) Tri {
	switch c.Family {
	case OpStringEquals:
		return c.strs[i].Match(v, ctx, false, false)
	case OpStringEqualsIgnoreCase:
		return c.strs[i].Match(v, ctx, false, true)
	case OpStringLike:
		return c.strs[i].Match(v, ctx, true, false)
	case OpArnEquals, OpArnLike:
		return matchARN(c.arns[i], v, ctx)
	case OpNumericEquals, OpNumericLessThan, OpNumericLessThanEquals, OpNumericGreaterThan, OpNumericGreaterThanEquals:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return False
		}
		p := c.nums[i]
		switch c.Family {
		case OpNumericEquals:
			return TriOf(f == p)
		case OpNumericLessThan:
			return TriOf(f < p)
		case OpNumericLessThanEquals:
			return TriOf(f <= p)
		case OpNumericGreaterThan:
			return TriOf(f > p)
		default:
			return TriOf(f >= p)
		}
	case OpDateEquals, OpDateLessThan, OpDateLessThanEquals, OpDateGreaterThan, OpDateGreaterThanEquals:
		t, ok := ParseDate(v)
		if !ok {
			return False
		}
		p := c.times[i]
		switch c.Family {
		case OpDateEquals:
			return TriOf(t.Equal(p))
		case OpDateLessThan:
			return TriOf(t.Before(p))
		case OpDateLessThanEquals:
			return TriOf(!t.After(p))
		case OpDateGreaterThan:
			return TriOf(t.After(p))
		default:
			return TriOf(!t.Before(p))
		}
	case OpBool:
		var b bool
		switch {
		case strings.EqualFold(v, "true"):
			b = true
		case strings.EqualFold(v, "false"):
			b = false
		default:
			return False
		}
		return TriOf(b == c.bools[i])
	case OpBinaryEquals:
		d, err := base64.StdEncoding.DecodeString(v)
		if err != nil {
			return False
		}
		return TriOf(string(d) == c.bins[i])
	case OpIPAddress:
		a, err := netip.ParseAddr(strings.TrimSpace(v))
		if err != nil {
			return False
		}
		return TriOf(c.ips[i].Contains(a.Unmap()) || c.ips[i].Contains(a))
	}
	return False
}

// Variables returns the context keys the condition's values refer to through policy variables.
func (c *Condition) Variables() []string {
	var out []string
	for i := range c.strs {
		out = append(out, c.strs[i].Variables()...)
	}
	for _, segs := range c.arns {
		for i := range segs {
			out = append(out, segs[i].Variables()...)
		}
	}
	return out
}

// String renders the condition as policy JSON would write it: `StringEquals kms:ViaService [s3.us-east-1.amazonaws.com]`.
func (c *Condition) String() string {
	return c.Operator + " " + c.Key + " " + "[" + strings.Join(c.Values, ", ") + "]"
}

// anyValue stands for any request value where none can match.
var anyValue = [1]string{""}

// valuesUnresolvable reports whether every policy value of a string or ARN
// condition has a policy variable the request is known not to carry (absent,
// or multivalued, with no default): such a value matches nothing.
func (c *Condition) valuesUnresolvable(ctx *Context) bool {
	switch c.Family {
	case OpStringEquals, OpStringEqualsIgnoreCase, OpStringLike:
		for i := range c.strs {
			if !c.strs[i].unresolvable(ctx) {
				return false
			}
		}
		return len(c.strs) > 0
	case OpArnEquals, OpArnLike:
		for _, segs := range c.arns {
			hit := false
			for i := range segs {
				if segs[i].unresolvable(ctx) {
					hit = true
					break
				}
			}
			if !hit {
				return false
			}
		}
		return len(c.arns) > 0
	}
	return false
}

// evalExcluded decides a StringEquals-family condition on an unknown key
// whose value is known not to be any of the policy's values (Context.SetNotIn):
// whether the key is absent or has another value, StringEquals is false and
// StringNotEquals true. …IfExists StringEquals stays unknown (true if absent).
func (c *Condition) evalExcluded(ctx *Context) Tri {
	notIn := ctx.notIn(c.key)
	if len(notIn) == 0 || c.Family != OpStringEquals || c.Set != SetNone {
		return Unknown
	}
	for i := range c.strs {
		if c.strs[i].HasVariables() || !contains(notIn, c.Values[i]) {
			return Unknown
		}
	}
	switch {
	case c.Negated:
		return True
	case c.IfExists:
		return Unknown
	default:
		return False
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
