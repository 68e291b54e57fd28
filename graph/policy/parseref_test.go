package policy

// The parser as it was before the one-pass JSON reader and the allocation
// work of issue #18, kept as the reference the differential tests compare
// FromJSON with: same policies, same errors.

import (
	"slices"
	"strings"
)

func fromJSONRef(v any) (*Policy, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errAt("", "policy must be a JSON object, not %s", jsonKind(v))
	}
	p := &Policy{}
	for _, k := range sortedKeysRef(obj) {
		val := obj[k]
		switch k {
		case "Version":
			s, ok := val.(string)
			if !ok {
				return nil, errAt("Version", "must be a string, not %s", jsonKind(val))
			}
			if s != Version2012 && s != "2008-10-17" {
				return nil, errAt("Version", "unknown policy version %s (want 2012-10-17 or 2008-10-17)", quote(s))
			}
			p.Version = s
		case "Id":
			s, ok := val.(string)
			if !ok {
				return nil, errAt("Id", "must be a string, not %s", jsonKind(val))
			}
			p.ID = s
		case "Statement":
		default:
			return nil, errAt(field("", k), "unknown policy element %s", quote(k))
		}
	}
	raw, ok := obj["Statement"]
	if !ok {
		return nil, errAt("Statement", "missing")
	}
	withVars := p.Version == Version2012
	switch st := raw.(type) {
	case map[string]any:
		s, err := parseStatementRef(st, "Statement", 0, withVars)
		if err != nil {
			return nil, err
		}
		p.Statements = []Statement{s}
	case []any:
		p.Statements = make([]Statement, 0, len(st))
		for i, e := range st {
			path := index("Statement", i)
			m, ok := e.(map[string]any)
			if !ok {
				return nil, errAt(path, "statement must be an object, not %s", jsonKind(e))
			}
			s, err := parseStatementRef(m, path, i, withVars)
			if err != nil {
				return nil, err
			}
			p.Statements = append(p.Statements, s)
		}
	default:
		return nil, errAt("Statement", "must be an object or an array of objects, not %s", jsonKind(raw))
	}
	return p, nil
}

func parseStatementRef(m map[string]any, path string, idx int, withVars bool) (Statement, error) {
	s := Statement{Index: idx}
	var haveEffect, haveAction bool
	for _, k := range sortedKeysRef(m) {
		v := m[k]
		fp := field(path, k)
		switch k {
		case "Sid":
			str, ok := v.(string)
			if !ok {
				return s, errAt(fp, "must be a string, not %s", jsonKind(v))
			}
			s.Sid = str
		case "Effect":
			str, ok := v.(string)
			if !ok {
				return s, errAt(fp, "must be a string, not %s", jsonKind(v))
			}
			switch str {
			case "Allow":
				s.Effect = Allow
			case "Deny":
				s.Effect = Deny
			default:
				return s, errAt(fp, "must be \"Allow\" or \"Deny\", not %s", quote(str))
			}
			haveEffect = true
		case "Principal", "NotPrincipal":
			if s.Principal != nil {
				return s, errAt(fp, "a statement cannot have both Principal and NotPrincipal")
			}
			pr, err := parsePrincipalsRef(v, fp)
			if err != nil {
				return s, err
			}
			s.Principal, s.NotPrincipal = pr, k == "NotPrincipal"
		case "Action", "NotAction":
			if haveAction {
				return s, errAt(fp, "a statement cannot have both Action and NotAction")
			}
			list, err := stringListRef(v, fp)
			if err != nil {
				return s, err
			}
			if len(list) == 0 {
				return s, errAt(fp, "must not be empty")
			}
			s.Actions = make([]Action, len(list))
			for i, a := range list {
				act, err := compileActionRef(a)
				if err != nil {
					return s, errAt(elemPathRef(fp, v, i), "%v", err)
				}
				s.Actions[i] = act
			}
			s.NotAction, haveAction = k == "NotAction", true
		case "Resource", "NotResource":
			if s.HasResource {
				return s, errAt(fp, "a statement cannot have both Resource and NotResource")
			}
			list, err := stringListRef(v, fp)
			if err != nil {
				return s, err
			}
			if len(list) == 0 {
				return s, errAt(fp, "must not be empty")
			}
			s.Resources = make([]Resource, len(list))
			for i, r := range list {
				res, err := compileResourceRef(r, withVars)
				if err != nil {
					return s, errAt(elemPathRef(fp, v, i), "%v", err)
				}
				s.Resources[i] = res
			}
			s.NotResource, s.HasResource = k == "NotResource", true
		case "Condition":
			conds, err := parseConditionBlockRef(v, fp, withVars)
			if err != nil {
				return s, err
			}
			s.Conditions = conds
		default:
			return s, errAt(fp, "unknown statement element %s", quote(k))
		}
	}
	if !haveEffect {
		return s, errAt(field(path, "Effect"), "missing")
	}
	if !haveAction {
		return s, errAt(field(path, "Action"), "missing (a statement needs Action or NotAction)")
	}
	return s, nil
}

func elemPathRef(path string, v any, i int) string {
	if _, ok := v.([]any); ok {
		return index(path, i)
	}
	return path
}

func parsePrincipalsRef(v any, path string) (*Principals, error) {
	switch t := v.(type) {
	case string:
		if t != "*" {
			return nil, errAt(path, "must be \"*\" or an object such as {\"AWS\": ...}, not the string %s", quote(t))
		}
		return &Principals{Any: true}, nil
	case map[string]any:
		p := &Principals{}
		for _, k := range sortedKeysRef(t) {
			val := t[k]
			fp := field(path, k)
			list, err := stringListRef(val, fp)
			if err != nil {
				return nil, err
			}
			for i, e := range list {
				if strings.TrimSpace(e) == "" {
					return nil, errAt(elemPathRef(fp, val, i), "empty principal")
				}
			}
			switch k {
			case "AWS":
				for _, e := range list {
					if e == "*" {
						p.Any = true
					}
				}
				p.AWS = append(p.AWS, list...)
			case "Service":
				p.Service = append(p.Service, list...)
			case "Federated":
				p.Federated = append(p.Federated, list...)
			case "CanonicalUser":
				p.CanonicalUser = append(p.CanonicalUser, list...)
			default:
				return nil, errAt(fp, "unknown principal type %s (want AWS, Service, Federated or CanonicalUser)", quote(k))
			}
		}
		if len(t) == 0 {
			return nil, errAt(path, "must not be empty")
		}
		return p, nil
	default:
		return nil, errAt(path, "must be \"*\" or an object, not %s", jsonKind(v))
	}
}

func stringListRef(v any, path string) ([]string, error) {
	switch t := v.(type) {
	case string:
		return []string{t}, nil
	case []any:
		out := make([]string, len(t))
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, errAt(index(path, i), "must be a string, not %s", jsonKind(e))
			}
			out[i] = s
		}
		return out, nil
	default:
		return nil, errAt(path, "must be a string or an array of strings, not %s", jsonKind(v))
	}
}

func compileActionRef(s string) (Action, error) {
	if s == "" {
		return Action{}, &valueError{msg: "empty action"}
	}
	if s != "*" && !strings.Contains(s, ":") {
		return Action{}, &valueError{msg: "action " + quote(s) + " must be \"*\" or \"service:Action\""}
	}
	p, err := compilePatternRef(strings.ToLower(s), false)
	if err != nil {
		return Action{}, err
	}
	return Action{raw: s, pattern: p}, nil
}

func compileResourceRef(s string, withVars bool) (Resource, error) {
	if s == "" {
		return Resource{}, &valueError{msg: "empty resource"}
	}
	r := Resource{raw: s}
	if s == "*" {
		r.any = true
		return r, nil
	}
	if strings.HasPrefix(s, "arn:") {
		parts := splitARNPatternRef(s)
		r.arn = true
		r.segs = make([]Pattern, len(parts))
		for i, part := range parts {
			p, err := compilePatternRef(part, withVars)
			if err != nil {
				return Resource{}, err
			}
			r.segs[i] = p
		}
		return r, nil
	}
	p, err := compilePatternRef(s, withVars)
	if err != nil {
		return Resource{}, err
	}
	r.flat = p
	return r, nil
}

func splitARNPatternRef(s string) []string {
	parts := make([]string, 0, 6)
	start, depth := 0, 0
	for i := 0; i < len(s) && len(parts) < 5; i++ {
		switch {
		case s[i] == '$' && i+1 < len(s) && s[i+1] == '{':
			depth++
			i++
		case s[i] == '}' && depth > 0:
			depth--
		case s[i] == ':' && depth == 0:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

func sortedKeysRef(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
