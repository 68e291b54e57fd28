package policy

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// OpFamily is a condition operator's base comparison.
type OpFamily uint8

// Operator families. Negated operators (StringNotEquals, NotIpAddress, …)
// share the family of their positive form with Negated set.
const (
	OpStringEquals OpFamily = iota
	OpStringEqualsIgnoreCase
	OpStringLike
	OpNumericEquals
	OpNumericLessThan
	OpNumericLessThanEquals
	OpNumericGreaterThan
	OpNumericGreaterThanEquals
	OpDateEquals
	OpDateLessThan
	OpDateLessThanEquals
	OpDateGreaterThan
	OpDateGreaterThanEquals
	OpBool
	OpBinaryEquals
	OpIPAddress
	OpArnEquals
	OpArnLike
	OpNull
)

// SetQualifier is the ForAllValues: / ForAnyValue: prefix of an operator.
type SetQualifier uint8

// Set qualifiers.
const (
	SetNone SetQualifier = iota
	SetForAllValues
	SetForAnyValue
)

type opInfo struct {
	family  OpFamily
	negated bool
}

// operators maps the lower-case base operator name to its family.
var operators = map[string]opInfo{
	"stringequals":              {OpStringEquals, false},
	"stringnotequals":           {OpStringEquals, true},
	"stringequalsignorecase":    {OpStringEqualsIgnoreCase, false},
	"stringnotequalsignorecase": {OpStringEqualsIgnoreCase, true},
	"stringlike":                {OpStringLike, false},
	"stringnotlike":             {OpStringLike, true},
	"numericequals":             {OpNumericEquals, false},
	"numericnotequals":          {OpNumericEquals, true},
	"numericlessthan":           {OpNumericLessThan, false},
	"numericlessthanequals":     {OpNumericLessThanEquals, false},
	"numericgreaterthan":        {OpNumericGreaterThan, false},
	"numericgreaterthanequals":  {OpNumericGreaterThanEquals, false},
	"dateequals":                {OpDateEquals, false},
	"datenotequals":             {OpDateEquals, true},
	"datelessthan":              {OpDateLessThan, false},
	"datelessthanequals":        {OpDateLessThanEquals, false},
	"dategreaterthan":           {OpDateGreaterThan, false},
	"dategreaterthanequals":     {OpDateGreaterThanEquals, false},
	"bool":                      {OpBool, false},
	"binaryequals":              {OpBinaryEquals, false},
	"ipaddress":                 {OpIPAddress, false},
	"notipaddress":              {OpIPAddress, true},
	"arnequals":                 {OpArnEquals, false},
	"arnnotequals":              {OpArnEquals, true},
	"arnlike":                   {OpArnLike, false},
	"arnnotlike":                {OpArnLike, true},
	"null":                      {OpNull, false},
}

// Condition is one key of one operator block: `"StringEquals": {"aws:SourceVpce": [...]}`.
type Condition struct {
	// Operator is the operator as written, prefix and suffix included.
	Operator string
	Family   OpFamily
	Negated  bool
	IfExists bool
	Set      SetQualifier
	// Key is the condition key as written; key is it in lower case.
	Key string
	key string
	// Values are the policy's values as written (stringified).
	Values []string

	strs  []Pattern // String*, Arn* (Arn*: whole-string patterns, see arns)
	arns  [][]Pattern
	nums  []float64
	times []time.Time
	bools []bool
	bins  []string // decoded bytes
	ips   []netip.Prefix
}

// parseConditionBlock parses a Condition element. Conditions are returned in
// a stable order: by operator, then key, as written.
func parseConditionBlock(v any, path jsonPath, withVars bool) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(path.String(), "must be an object, not %s", jsonKind(v))
	}
	var out []Condition
	n := 0
	for _, keys := range block {
		if keys, ok := keys.(map[string]any); ok {
			n += len(keys)
		}
	}
	if n > 0 {
		out = make([]Condition, 0, n)
	}
	var ob, kb [8]string
	for _, op := range appendSortedKeys(ob[:0], block) {
		opPath := path.key(op)
		keys, ok := block[op].(map[string]any)
		if !ok {
			return nil, errAt(opPath.String(), "must be an object of condition keys, not %s", jsonKind(block[op]))
		}
		base, set, ifExists, info, err := parseOperator(op)
		if err != nil {
			return nil, errAt(opPath.String(), "%v", err)
		}
		_ = base
		if len(keys) == 0 {
			return nil, errAt(opPath.String(), "must name at least one condition key")
		}
		for _, k := range appendSortedKeys(kb[:0], keys) {
			kp := opPath.key(k)
			if strings.TrimSpace(k) == "" {
				return nil, errAt(kp.String(), "empty condition key")
			}
			vals, err := conditionValues(keys[k], kp)
			if err != nil {
				return nil, err
			}
			c := Condition{
				Operator: op, Family: info.family, Negated: info.negated, IfExists: ifExists, Set: set,
				Key: k, key: strings.ToLower(k), Values: vals,
			}
			if err := c.compile(kp, keys[k], withVars); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func parseOperator(op string) (base string, set SetQualifier, ifExists bool, info opInfo, err error) {
	base = op
	if rest, ok := cutPrefixFold(base, "ForAllValues:"); ok {
		base, set = rest, SetForAllValues
	} else if rest, ok := cutPrefixFold(base, "ForAnyValue:"); ok {
		base, set = rest, SetForAnyValue
	}
	lowerBase := strings.ToLower(base)
	if strings.HasSuffix(lowerBase, "ifexists") {
		lowerBase = strings.TrimSuffix(lowerBase, "ifexists")
		ifExists = true
	}
	info, ok := operators[lowerBase]
	if !ok {
		return "", 0, false, opInfo{}, &valueError{msg: "unknown condition operator " + quote(op)}
	}
	if info.family == OpNull && (ifExists || set != SetNone) {
		return "", 0, false, opInfo{}, &valueError{msg: "the Null operator takes no IfExists suffix and no set qualifier"}
	}
	return base, set, ifExists, info, nil
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix) {
		return s[len(prefix):], true
	}
	return s, false
}

// conditionValues reads a condition value: a string, number or boolean, or an array of them.
func conditionValues(v any, path jsonPath) ([]string, error) {
	// scalar reads e, the i-th value of an array, or the value itself when i < 0.
	scalar := func(e any, i int) (string, error) {
		switch t := e.(type) {
		case string:
			return t, nil
		case bool:
			return strconv.FormatBool(t), nil
		case json.Number:
			return t.String(), nil
		case float64:
			return strconv.FormatFloat(t, 'f', -1, 64), nil
		default:
			p := path.String()
			if i >= 0 {
				p = index(p, i)
			}
			return "", errAt(p, "condition value must be a string, number or boolean, not %s", jsonKind(e))
		}
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, len(arr))
		for i, e := range arr {
			s, err := scalar(e, i)
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	s, err := scalar(v, -1)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

// compile converts the values to the operator's type, so that matching never parses.
func (c *Condition) compile(path jsonPath, raw any, withVars bool) error {
	at := func(i int) string { return elemPath(path, raw, i) }
	switch c.Family {
	case OpStringEquals, OpStringEqualsIgnoreCase, OpStringLike:
		c.strs = make([]Pattern, len(c.Values))
		for i, v := range c.Values {
			p, err := CompilePattern(v, withVars)
			if err != nil {
				return errAt(at(i), "%v", err)
			}
			c.strs[i] = p
		}
	case OpArnEquals, OpArnLike:
		c.arns = make([][]Pattern, len(c.Values))
		for i, v := range c.Values {
			var pb [6]string
			parts := splitARNPattern(pb[:0], v)
			segs := make([]Pattern, len(parts))
			for j, part := range parts {
				p, err := CompilePattern(part, withVars)
				if err != nil {
					return errAt(at(i), "%v", err)
				}
				segs[j] = p
			}
			c.arns[i] = segs
		}
	case OpNumericEquals, OpNumericLessThan, OpNumericLessThanEquals, OpNumericGreaterThan, OpNumericGreaterThanEquals:
		c.nums = make([]float64, len(c.Values))
		for i, v := range c.Values {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return errAt(at(i), "%s needs a number, not %s", c.Operator, quote(v))
			}
			c.nums[i] = f
		}
	case OpDateEquals, OpDateLessThan, OpDateLessThanEquals, OpDateGreaterThan, OpDateGreaterThanEquals:
		c.times = make([]time.Time, len(c.Values))
		for i, v := range c.Values {
			t, ok := ParseDate(v)
			if !ok {
				return errAt(at(i), "%s needs a date (ISO 8601 or epoch seconds), not %s", c.Operator, quote(v))
			}
			c.times[i] = t
		}
	case OpBool, OpNull:
		c.bools = make([]bool, len(c.Values))
		for i, v := range c.Values {
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "true":
				c.bools[i] = true
			case "false":
			default:
				return errAt(at(i), "%s needs \"true\" or \"false\", not %s", c.Operator, quote(v))
			}
		}
	case OpBinaryEquals:
		c.bins = make([]string, len(c.Values))
		for i, v := range c.Values {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return errAt(at(i), "BinaryEquals needs base64, not %s", quote(v))
			}
			c.bins[i] = string(b)
		}
	case OpIPAddress:
		c.ips = make([]netip.Prefix, len(c.Values))
		for i, v := range c.Values {
			p, ok := ParseIPPrefix(v)
			if !ok {
				return errAt(at(i), "%s needs an IP address or CIDR block, not %s", c.Operator, quote(v))
			}
			c.ips[i] = p
		}
	}
	return nil
}

// ParseDate parses a date as the Date condition operators accept it: ISO 8601
// (with or without time, zone and fractional seconds) or epoch seconds.
func ParseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04:05", "2006-01-02T15:04Z07:00", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// ParseIPPrefix parses an IPv4 or IPv6 address or CIDR block.
func ParseIPPrefix(s string) (netip.Prefix, bool) {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}
