package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"slices"
	"strings"
)

// ParseString parses a policy document given as a string, as AWS APIs return
// it: plain JSON, or URL-encoded JSON (IAM). A string that does not start with
// `{` (after white space) is URL-decoded first.
func ParseString(doc string) (*Policy, error) {
	trimmed := strings.TrimSpace(doc)
	if trimmed != "" && trimmed[0] != '{' {
		dec, err := url.QueryUnescape(trimmed)
		if err != nil {
			return nil, &ParseError{Msg: "policy is neither JSON nor URL-encoded JSON", Err: err}
		}
		trimmed = strings.TrimSpace(dec)
	}
	p, err := parseText(trimmed)
	if err == nil {
		p.Text = trimmed
	}
	return p, err
}

// Parse parses a JSON policy document.
func Parse(data []byte) (*Policy, error) {
	if p, ok, err := parseJSON(string(data)); ok {
		return p, err
	}
	return parseSlow(data)
}

// parseText is Parse of a document held as a string: the decoded tree's
// strings share its memory.
func parseText(doc string) (*Policy, error) {
	if p, ok, err := parseJSON(doc); ok {
		return p, err
	}
	return parseSlow([]byte(doc))
}

// parseSlow decodes with encoding/json: the documents readJSON does not
// accept, so that errors say what encoding/json says.
func parseSlow(data []byte) (*Policy, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{Msg: "invalid JSON: " + err.Error(), Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &ParseError{Msg: "invalid JSON: data after the policy document"}
	}
	return FromJSON(v)
}

// FromJSON builds a policy from a decoded JSON value (map[string]any, as
// encoding/json produces; json.Number or float64 numbers). The policy keeps
// no map or slice of v (Parse reuses the maps of the trees it decodes).
func FromJSON(v any) (*Policy, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, errAt("", "policy must be a JSON object, not %s", jsonKind(v))
	}
	p := &Policy{}
	var kb [8]string
	for _, k := range appendSortedKeys(kb[:0], obj) {
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
		s, err := parseStatement(st, jsonPath{stmt: -1}, 0, withVars)
		if err != nil {
			return nil, err
		}
		p.Statements = []Statement{s}
	case []any:
		p.Statements = make([]Statement, 0, len(st))
		for i, e := range st {
			m, ok := e.(map[string]any)
			if !ok {
				return nil, errAt(index("Statement", i), "statement must be an object, not %s", jsonKind(e))
			}
			s, err := parseStatement(m, jsonPath{stmt: i}, i, withVars)
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

func parseStatement(m map[string]any, path jsonPath, idx int, withVars bool) (Statement, error) {
	s := Statement{Index: idx}
	var haveEffect, haveAction bool
	var kb [16]string
	var lb [8]string
	for _, k := range appendSortedKeys(kb[:0], m) {
		v := m[k]
		fp := path.key(k)
		switch k {
		case "Sid":
			str, ok := v.(string)
			if !ok {
				return s, errAt(fp.String(), "must be a string, not %s", jsonKind(v))
			}
			s.Sid = str
		case "Effect":
			str, ok := v.(string)
			if !ok {
				return s, errAt(fp.String(), "must be a string, not %s", jsonKind(v))
			}
			switch str {
			case "Allow":
				s.Effect = Allow
			case "Deny":
				s.Effect = Deny
			default:
				return s, errAt(fp.String(), "must be \"Allow\" or \"Deny\", not %s", quote(str))
			}
			haveEffect = true
		case "Principal", "NotPrincipal":
			if s.Principal != nil {
				return s, errAt(fp.String(), "a statement cannot have both Principal and NotPrincipal")
			}
			pr, err := parsePrincipals(v, fp)
			if err != nil {
				return s, err
			}
			s.Principal, s.NotPrincipal = pr, k == "NotPrincipal"
		case "Action", "NotAction":
			if haveAction {
				return s, errAt(fp.String(), "a statement cannot have both Action and NotAction")
			}
			list, err := stringList(lb[:0], v, fp)
			if err != nil {
				return s, err
			}
			if len(list) == 0 {
				return s, errAt(fp.String(), "must not be empty")
			}
			s.Actions = make([]Action, len(list))
			for i, a := range list {
				act, err := sharedAction(a)
				if err != nil {
					return s, errAt(elemPath(fp, v, i), "%v", err)
				}
				s.Actions[i] = act
			}
			s.NotAction, haveAction = k == "NotAction", true
		case "Resource", "NotResource":
			if s.HasResource {
				return s, errAt(fp.String(), "a statement cannot have both Resource and NotResource")
			}
			list, err := stringList(lb[:0], v, fp)
			if err != nil {
				return s, err
			}
			if len(list) == 0 {
				return s, errAt(fp.String(), "must not be empty")
			}
			s.Resources = make([]Resource, len(list))
			ntoks, nsegs := resourceBounds(list)
			slab, segs := newTokenSlab(ntoks), make([]Pattern, nsegs)
			for i, r := range list {
				res, err := compileResourceIn(r, withVars, &slab, &segs)
				if err != nil {
					return s, errAt(elemPath(fp, v, i), "%v", err)
				}
				s.Resources[i] = res
			}
			s.NotResource, s.HasResource = k == "NotResource", true
		case "Condition":
			conds, err := parseConditionBlock(v, fp, withVars)
			if err != nil {
				return s, err
			}
			s.Conditions = conds
		default:
			return s, errAt(fp.String(), "unknown statement element %s", quote(k))
		}
	}
	if !haveEffect {
		return s, errAt(path.key("Effect").String(), "missing")
	}
	if !haveAction {
		return s, errAt(path.key("Action").String(), "missing (a statement needs Action or NotAction)")
	}
	return s, nil
}

// elemPath is the path of the i-th value of an element that may be a string or an array.
func elemPath(path jsonPath, v any, i int) string {
	if _, ok := v.([]any); ok {
		return index(path.String(), i)
	}
	return path.String()
}

func parsePrincipals(v any, path jsonPath) (*Principals, error) {
	switch t := v.(type) {
	case string:
		if t != "*" {
			return nil, errAt(path.String(), "must be \"*\" or an object such as {\"AWS\": ...}, not the string %s", quote(t))
		}
		return &Principals{Any: true}, nil
	case map[string]any:
		p := &Principals{}
		var kb [8]string
		var lb [8]string
		for _, k := range appendSortedKeys(kb[:0], t) {
			val := t[k]
			fp := path.key(k)
			list, err := stringList(lb[:0], val, fp)
			if err != nil {
				return nil, err
			}
			for i, e := range list {
				if strings.TrimSpace(e) == "" {
					return nil, errAt(elemPath(fp, val, i), "empty principal")
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
				return nil, errAt(fp.String(), "unknown principal type %s (want AWS, Service, Federated or CanonicalUser)", quote(k))
			}
		}
		if len(t) == 0 {
			return nil, errAt(path.String(), "must not be empty")
		}
		return p, nil
	default:
		return nil, errAt(path.String(), "must be \"*\" or an object, not %s", jsonKind(v))
	}
}

// stringList reads a string or an array of strings, appended to dst.
func stringList(dst []string, v any, path jsonPath) ([]string, error) {
	switch t := v.(type) {
	case string:
		return append(dst, t), nil
	case []any:
		if cap(dst)-len(dst) < len(t) {
			dst = append(make([]string, 0, len(dst)+len(t)), dst...)
		}
		for i, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, errAt(index(path.String(), i), "must be a string, not %s", jsonKind(e))
			}
			dst = append(dst, s)
		}
		return dst, nil
	default:
		return nil, errAt(path.String(), "must be a string or an array of strings, not %s", jsonKind(v))
	}
}

// resourceBounds is at most how many tokens and ARN segments the patterns
// of resources have.
func resourceBounds(resources []string) (toks, segs int) {
	for _, s := range resources {
		switch {
		case s == "*":
		case strings.HasPrefix(s, "arn:"):
			// Each of at most six segments adds a literal token.
			toks += tokenBound(s) + 5
			segs += 6
		default:
			toks += tokenBound(s)
		}
	}
	return toks, segs
}

func compileAction(s string, slab *tokenSlab) (Action, error) {
	if s == "" {
		return Action{}, &valueError{msg: "empty action"}
	}
	if s != "*" && !strings.Contains(s, ":") {
		return Action{}, &valueError{msg: "action " + quote(s) + " must be \"*\" or \"service:Action\""}
	}
	p, err := compilePattern(strings.ToLower(s), false, slab.take(s))
	if err != nil {
		return Action{}, err
	}
	return Action{raw: s, pattern: p}, nil
}

func compileResource(s string, withVars bool) (Resource, error) {
	return compileResourceIn(s, withVars, nil, nil)
}

// compileResourceIn is compileResource with the patterns' tokens taken from
// slab and the ARN segments from the front of segs, when they are not nil.
func compileResourceIn(s string, withVars bool, slab *tokenSlab, segs *[]Pattern) (Resource, error) {
	if s == "" {
		return Resource{}, &valueError{msg: "empty resource"}
	}
	r := Resource{raw: s}
	if s == "*" {
		r.any = true
		return r, nil
	}
	if strings.HasPrefix(s, "arn:") {
		var pb [6]string
		parts := splitARNPattern(pb[:0], s)
		r.arn = true
		if segs != nil && len(*segs) >= len(parts) {
			r.segs = (*segs)[:len(parts):len(parts)]
			*segs = (*segs)[len(parts):]
		} else {
			r.segs = make([]Pattern, len(parts))
		}
		for i, part := range parts {
			p, err := compilePattern(part, withVars, slab.take(part))
			if err != nil {
				return Resource{}, err
			}
			r.segs[i] = p
		}
		return r, nil
	}
	p, err := compilePattern(s, withVars, slab.take(s))
	if err != nil {
		return Resource{}, err
	}
	r.flat = p
	return r, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	default:
		return "an unexpected value"
	}
}

// splitARNPattern splits an ARN pattern into at most six colon-separated
// segments, ignoring colons inside policy variables (`${aws:username}`),
// appended to parts.
func splitARNPattern(parts []string, s string) []string {
	parts = parts[:0]
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

// appendSortedKeys appends the keys of m to keys, in order.
func appendSortedKeys(keys []string, m map[string]any) []string {
	start := len(keys)
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys[start:])
	return keys
}

// CanonicalStatements returns each statement of a policy document as
// canonical JSON (keys sorted, no white space), so that two documents'
// statements compare as strings; nil when the document does not decode.
func CanonicalStatements(doc string) []string {
	var raw struct {
		Statement json.RawMessage `json:"Statement"`
	}
	if json.Unmarshal([]byte(doc), &raw) != nil {
		return nil
	}
	// Numbers keep their text: conditions compare it, so 1.0 is not 1.
	decode := func(v any) error {
		d := json.NewDecoder(bytes.NewReader(raw.Statement))
		d.UseNumber()
		return d.Decode(v)
	}
	var list []any
	if decode(&list) != nil {
		var one any
		if decode(&one) != nil {
			return nil
		}
		list = []any{one}
	}
	out := make([]string, 0, len(list))
	for _, st := range list {
		b, err := json.Marshal(st)
		if err != nil {
			return nil
		}
		out = append(out, string(b))
	}
	return out
}
