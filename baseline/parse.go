package baseline

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// ParseError is a baseline file's fault, with where it is.
type ParseError struct {
	File string
	Line int
	// Path is the JSON-like path of the faulty value: "accepted[2].expires".
	Path string
	Msg  string
}

func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString("baseline ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads a baseline (YAML, or JSON) named name. Every entry needs a
// match with at least one pattern, a reason, an owner and an expiry date
// (YYYY-MM-DD, or an RFC 3339 time); a change pattern without wildcards
// must name a kind of item. Unknown fields are errors, so that a typo does
// not silently widen what an entry accepts.
func Parse(name string, data []byte) (*File, error) {
	f := &File{Name: name, Entries: []Entry{}}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &ParseError{File: name, Msg: strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	if len(root.Content) == 0 { // an empty file accepts nothing
		return f, nil
	}
	p := parser{file: name}
	doc := root.Content[0]
	if err := p.mapping(doc, "", map[string]func(*yaml.Node, string) error{
		"version": func(n *yaml.Node, path string) error {
			if n.Kind != yaml.ScalarNode || n.Value != "1" {
				return p.fail(n, path, "want version 1")
			}
			return nil
		},
		"accepted": func(n *yaml.Node, path string) error {
			if n.Kind != yaml.SequenceNode {
				return p.fail(n, path, "want a list of entries")
			}
			for i, item := range n.Content {
				e, err := p.entry(item, fmt.Sprintf("%s[%d]", path, i))
				if err != nil {
					return err
				}
				e.Index = i + 1
				f.Entries = append(f.Entries, e)
			}
			return nil
		},
	}); err != nil {
		return nil, err
	}
	return f, nil
}

type parser struct{ file string }

func (p parser) fail(n *yaml.Node, path, msg string) error {
	return &ParseError{File: p.file, Line: n.Line, Path: path, Msg: msg}
}

// mapping checks that n is a mapping whose keys are all in fields, and
// calls each key's function on its value.
func (p parser) mapping(n *yaml.Node, path string, fields map[string]func(*yaml.Node, string) error) error {
	if n.Kind != yaml.MappingNode {
		return p.fail(n, path, "want a mapping")
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		sub := k.Value
		if path != "" {
			sub = path + "." + k.Value
		}
		fn, ok := fields[k.Value]
		if !ok {
			return p.fail(k, sub, "unknown field (want "+strings.Join(names, ", ")+")")
		}
		if seen[k.Value] {
			return p.fail(k, sub, "given twice")
		}
		seen[k.Value] = true
		if err := fn(v, sub); err != nil {
			return err
		}
	}
	return nil
}

// str stores a scalar's text in *dst.
func (p parser) str(dst *string) func(*yaml.Node, string) error {
	return func(n *yaml.Node, path string) error {
		if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
			return p.fail(n, path, "want a string")
		}
		*dst = n.Value
		return nil
	}
}

func (p parser) entry(n *yaml.Node, path string) (Entry, error) {
	e := Entry{Line: n.Line}
	var expires string
	var expiresNode *yaml.Node
	var m Match
	err := p.mapping(n, path, map[string]func(*yaml.Node, string) error{
		"match": func(v *yaml.Node, sub string) error {
			return p.mapping(v, sub, map[string]func(*yaml.Node, string) error{
				"principal": p.str(&m.Principal), "key": p.str(&m.Key), "resource": p.str(&m.Resource),
				"finding": p.str(&m.Finding), "change": p.str(&m.Change),
			})
		},
		"reason": p.str(&e.Reason),
		"owner":  p.str(&e.Owner),
		"expires": func(v *yaml.Node, sub string) error {
			expiresNode = v
			return p.str(&expires)(v, sub)
		},
	})
	if err != nil {
		return e, err
	}
	e.Match = m
	switch {
	case m == Match{}:
		return e, p.fail(n, path+".match", "want at least one of principal, key, resource, finding, change: an entry matching everything would accept every risk")
	case m.Change != "" && !hasGlob(m.Change) && !slices.Contains(Kinds, m.Change):
		return e, p.fail(n, path+".match.change", fmt.Sprintf("%q is not a kind of change (want %s)", m.Change, strings.Join(Kinds, ", ")))
	case strings.TrimSpace(e.Reason) == "":
		return e, p.fail(n, path+".reason", "missing: say why the risk is accepted")
	case strings.TrimSpace(e.Owner) == "":
		return e, p.fail(n, path+".owner", "missing: say who answers for it")
	case expiresNode == nil:
		return e, p.fail(n, path+".expires", "missing: an accepted risk needs an expiry date (YYYY-MM-DD)")
	}
	t, err := parseDate(expires)
	if err != nil {
		return e, p.fail(expiresNode, path+".expires", err.Error())
	}
	e.Expires = t
	return e, nil
}

// parseDate reads YYYY-MM-DD (the start of that day, UTC) or an RFC 3339 time.
func parseDate(s string) (time.Time, error) {
	if t, err := time.Parse(DateLayout, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a date (want YYYY-MM-DD)", s)
}
