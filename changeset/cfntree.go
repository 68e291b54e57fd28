package changeset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"go.yaml.in/yaml/v3"
)

// tnode is a CloudFormation template's value with its line: read from
// JSON or YAML alike, YAML's short-form tags (!Ref X, !Sub s, !GetAtt
// A.B…) already turned into the long form ({Ref: X}, {Fn::Sub: s}…).
type tnode struct {
	kind  tkind
	value any // a scalar: string, json.Number, int, float64, bool or nil
	keys  []string
	vals  []*tnode // a mapping's values, in the order of keys
	// keyLines are the lines of a mapping's keys.
	keyLines []int
	items    []*tnode // a sequence's
	line     int
}

type tkind int

const (
	tScalar tkind = iota
	tMap
	tSeq
)

// get is a mapping's value for key, nil when absent (or not a mapping).
func (n *tnode) get(key string) *tnode {
	if n == nil || n.kind != tMap {
		return nil
	}
	for i, k := range n.keys {
		if k == key {
			return n.vals[i]
		}
	}
	return nil
}

// str is a scalar string's text ("" and false otherwise).
func (n *tnode) str() (string, bool) {
	if n == nil || n.kind != tScalar {
		return "", false
	}
	s, ok := n.value.(string)
	return s, ok
}

// yamlTree converts a YAML node (a template in YAML) into a tnode. An
// alias shares its anchor's tnode: anchors nested in anchors are not
// expanded into an exponential tree here (resolve counts its steps).
func yamlTree(n *yaml.Node) (*tnode, error) {
	return yamlConverter{}.tree(n)
}

type yamlConverter map[*yaml.Node]*tnode

func (y yamlConverter) tree(n *yaml.Node) (*tnode, error) {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return &tnode{line: n.Line}, nil
		}
		return y.tree(n.Content[0])
	case yaml.AliasNode:
		if t, ok := y[n.Alias]; ok {
			return t, nil
		}
		if n.Alias == nil {
			return nil, fmt.Errorf("line %d: an alias to nothing", n.Line)
		}
		t, err := y.tree(n.Alias)
		if err != nil {
			return nil, err
		}
		y[n.Alias] = t
		return t, nil
	}
	t := &tnode{line: n.Line}
	switch n.Kind {
	case yaml.SequenceNode:
		t.kind = tSeq
		for _, c := range n.Content {
			v, err := y.tree(c)
			if err != nil {
				return nil, err
			}
			t.items = append(t.items, v)
		}
	case yaml.MappingNode:
		t.kind = tMap
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a string", k.Line)
			}
			v, err := y.tree(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			t.keys, t.vals, t.keyLines = append(t.keys, k.Value), append(t.vals, v), append(t.keyLines, k.Line)
		}
	default:
		if tag := n.Tag; strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
			t.value = n.Value // the argument of a short-form function is text
		} else {
			v, err := nodeValue(n)
			if err != nil {
				return nil, err
			}
			t.value = v
		}
	}
	return shortForm(n, t), nil
}

// shortForm wraps a node tagged !Ref, !Condition or !Fn (a short-form
// intrinsic function) as the long form's one-key mapping; !GetAtt A.B
// becomes [A, B].
func shortForm(n *yaml.Node, t *tnode) *tnode {
	tag := n.Tag
	if !strings.HasPrefix(tag, "!") || strings.HasPrefix(tag, "!!") {
		return t
	}
	name := tag[1:]
	if name != "Ref" && name != "Condition" {
		name = "Fn::" + name
	}
	if s, ok := t.str(); ok && name == "Fn::GetAtt" {
		if res, attr, ok := strings.Cut(s, "."); ok {
			t = &tnode{kind: tSeq, line: t.line, items: []*tnode{{value: res, line: t.line}, {value: attr, line: t.line}}}
		}
	}
	return &tnode{kind: tMap, line: t.line, keys: []string{name}, vals: []*tnode{t}, keyLines: []int{t.line}}
}

// jsonTree reads a template in JSON into a tnode, keeping each value's line.
func jsonTree(data []byte, file string) (*tnode, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	// lineOf is the line of the next token, which starts after the
	// separators following the decoder's offset.
	lineOf := func() int {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
			off++
		}
		return lineAt(data, off)
	}
	var parse func() (*tnode, error)
	parse = func() (*tnode, error) {
		line := lineOf()
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		t := &tnode{line: line}
		switch d := tok.(type) {
		case json.Delim:
			switch d {
			case '{':
				t.kind = tMap
				for dec.More() {
					kl := lineOf()
					kt, err := dec.Token()
					if err != nil {
						return nil, err
					}
					k, _ := kt.(string)
					v, err := parse()
					if err != nil {
						return nil, err
					}
					t.keys, t.vals, t.keyLines = append(t.keys, k), append(t.vals, v), append(t.keyLines, kl)
				}
			case '[':
				t.kind = tSeq
				for dec.More() {
					v, err := parse()
					if err != nil {
						return nil, err
					}
					t.items = append(t.items, v)
				}
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return nil, err
			}
		default:
			t.value = tok
		}
		return t, nil
	}
	t, err := parse()
	if err == nil {
		if _, extra := dec.Token(); !errors.Is(extra, io.EOF) {
			err = errors.New("text after the template")
		}
	}
	if err != nil {
		return nil, jsonError(file, "", data, err)
	}
	return t, nil
}
