package policy

// The condition and pattern compilers as they were before issue #18: the
// reference of the differential tests (see parseref_test.go).

import (
	"encoding/base64"
	"encoding/json"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

func parseConditionBlockRef(v any, path string, withVars bool) ([]Condition, error) {
	block, ok := v.(map[string]any)
	if !ok {
		return nil, errAt(path, "must be an object, not %s", jsonKind(v))
	}
	var out []Condition
	for _, op := range sortedKeysRef(block) {
		opPath := field(path, op)
		keys, ok := block[op].(map[string]any)
		if !ok {
			return nil, errAt(opPath, "must be an object of condition keys, not %s", jsonKind(block[op]))
		}
		base, set, ifExists, info, err := parseOperator(op)
		if err != nil {
			return nil, errAt(opPath, "%v", err)
		}
		_ = base
		if len(keys) == 0 {
			return nil, errAt(opPath, "must name at least one condition key")
		}
		for _, k := range sortedKeysRef(keys) {
			kp := field(opPath, k)
			if strings.TrimSpace(k) == "" {
				return nil, errAt(kp, "empty condition key")
			}
			vals, err := conditionValuesRef(keys[k], kp)
			if err != nil {
				return nil, err
			}
			c := Condition{
				Operator: op, Family: info.family, Negated: info.negated, IfExists: ifExists, Set: set,
				Key: k, key: strings.ToLower(k), Values: vals,
			}
			if err := conditionCompileRef(&c, kp, keys[k], withVars); err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func conditionValuesRef(v any, path string) ([]string, error) {
	scalar := func(e any, p string) (string, error) {
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
			return "", errAt(p, "condition value must be a string, number or boolean, not %s", jsonKind(e))
		}
	}
	if arr, ok := v.([]any); ok {
		out := make([]string, len(arr))
		for i, e := range arr {
			s, err := scalar(e, index(path, i))
			if err != nil {
				return nil, err
			}
			out[i] = s
		}
		return out, nil
	}
	s, err := scalar(v, path)
	if err != nil {
		return nil, err
	}
	return []string{s}, nil
}

func conditionCompileRef(c *Condition, path string, raw any, withVars bool) error {
	at := func(i int) string { return elemPathRef(path, raw, i) }
	switch c.Family {
	case OpStringEquals, OpStringEqualsIgnoreCase, OpStringLike:
		c.strs = make([]Pattern, len(c.Values))
		for i, v := range c.Values {
			p, err := compilePatternRef(v, withVars)
			if err != nil {
				return errAt(at(i), "%v", err)
			}
			c.strs[i] = p
		}
	case OpArnEquals, OpArnLike:
		c.arns = make([][]Pattern, len(c.Values))
		for i, v := range c.Values {
			parts := splitARNPatternRef(v)
			segs := make([]Pattern, len(parts))
			for j, part := range parts {
				p, err := compilePatternRef(part, withVars)
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

func compilePatternRef(s string, withVars bool) (Pattern, error) {
	p := Pattern{raw: s}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.toks = append(p.toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '*':
			flush()
			p.toks = append(p.toks, token{kind: tokStar})
		case c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tokQuest})
		case c == '$' && withVars && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return Pattern{}, &valueError{msg: "unterminated policy variable in " + quote(s)}
			}
			body := s[i+2 : i+2+end]
			i += 2 + end
			switch strings.TrimSpace(body) {
			case "*", "?", "$":
				lit.WriteString(strings.TrimSpace(body))
				continue
			}
			tok, err := parseVariable(body)
			if err != nil {
				return Pattern{}, err
			}
			flush()
			tok.vidx = p.nvars
			p.toks = append(p.toks, tok)
			p.nvars++
		default:
			lit.WriteByte(c)
		}
	}
	flush()
	p.simple = len(p.toks) == 1 && p.toks[0].kind == tokLit
	if len(p.toks) == 0 {
		p.simple = true
		p.toks = []token{{kind: tokLit}}
	}
	switch {
	case len(p.toks) == 1 && p.toks[0].kind == tokStar:
		p.shape = shapeAny
	case len(p.toks) == 2 && p.toks[0].kind == tokLit && p.toks[1].kind == tokStar:
		p.shape, p.fixed = shapePrefix, p.toks[0].lit
	case len(p.toks) == 2 && p.toks[0].kind == tokStar && p.toks[1].kind == tokLit:
		p.shape, p.fixed = shapeSuffix, p.toks[1].lit
	}
	return p, nil
}
