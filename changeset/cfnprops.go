package changeset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// The properties of a template resource, read into a Change: a value the
// template gives only when deployed marks the Change's field unknown.

// cfnRes is one resource being mapped.
type cfnRes struct {
	t *template
	r *cfnResource
}

func (b cfnRes) path(prop string) string { return "Resources." + b.r.id + ".Properties." + prop }

// change starts a change of the resource: add-or-replace, its source the
// resource's line and logical ID, in the account and Region the stack is
// deployed to (filled in by Apply when it knows them; else Apply places
// the change as it places any change that names no account).
func (b cfnRes) change(kind Kind) Change {
	return Change{
		Kind: kind, Op: OpReplace, Source: Source{File: b.t.file, Line: b.r.line, Address: b.r.id},
		Account: pseudoValue("AWS::AccountId"), Region: pseudoValue("AWS::Region"),
	}
}

// generated marks a change's target as named by the resource's logical
// ID while CloudFormation has not generated its name or ID: an add.
func (b cfnRes) generated(c *Change, what string) {
	c.Op = OpAdd
	c.Unknown = append(c.Unknown, Unknown{Field: "target", Attribute: "Resources." + b.r.id + " (" + what + " generated when deployed: named by its logical ID)"})
}

// missing is a required property that is absent.
func (b cfnRes) missing(prop string) error {
	line := b.r.line
	if b.r.props != nil {
		line = b.r.props.line
	}
	return &Error{File: b.t.file, Path: b.path(prop), Line: line, Err: errors.New("missing")}
}

// unknown marks a field of c unknown for u (an *unresolved) and reports
// true; false, and err, for any other error.
func unknownFor(c *Change, field string, err error) (bool, error) {
	var u *unresolved
	if errors.As(err, &u) {
		if !c.IsUnknown(field) {
			c.Unknown = append(c.Unknown, Unknown{Field: field, Attribute: u.Error()})
		}
		return true, nil
	}
	return false, err
}

// strAt sets *dst from a string value at n (a link to a resource of the
// template first), or marks the field unknown.
func (b cfnRes) strAt(c *Change, field string, n *tnode, path string, dst *string) error {
	s, ok, err := b.t.link(n)
	if err == nil && !ok {
		s, err = b.t.resolveString(n, path)
	}
	if err != nil {
		if unk, err := unknownFor(c, field, err); unk || err != nil {
			if unk && field == "target" {
				*dst = b.r.id
			}
			return err
		}
	}
	*dst = s
	return nil
}

// str sets *dst from a string property; a required one that is absent is an error.
func (b cfnRes) str(c *Change, field, prop string, required bool, dst *string) error {
	n := b.r.prop(prop)
	if n == nil {
		if required {
			return b.missing(prop)
		}
		return nil
	}
	return b.strAt(c, field, n, b.path(prop), dst)
}

// docAt sets c.Document from a policy document at n (a mapping, or a
// string holding JSON), or marks it unknown.
func (b cfnRes) docAt(c *Change, n *tnode, path string) error {
	v, err := b.t.resolve(n, path)
	if err != nil {
		_, err = unknownFor(c, "document", err)
		return err
	}
	switch d := v.(type) {
	case noValueT:
		return nil // !Ref AWS::NoValue: as if absent
	case string:
		var buf bytes.Buffer
		if err := json.Compact(&buf, []byte(d)); err != nil {
			return b.t.fail(n, path, fmt.Errorf("not a JSON policy document: %w", err))
		}
		c.Document = buf.String()
	case map[string]any:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(d); err != nil {
			return b.t.fail(n, path, err)
		}
		c.Document = string(bytes.TrimSpace(buf.Bytes()))
	default:
		return b.t.fail(n, path, fmt.Errorf("want a policy document, got %s", describeValue(v)))
	}
	return nil
}

func (b cfnRes) doc(c *Change, prop string, required bool) error {
	n := b.r.prop(prop)
	if n == nil {
		if required {
			return b.missing(prop)
		}
		return nil
	}
	return b.docAt(c, n, b.path(prop))
}

// item is one value of a list property: its text, or why it is unknown.
type item struct {
	s       string
	unknown error
}

// list is a list property's items; an unknown list is one unknown item.
func (b cfnRes) list(prop string) ([]item, error) {
	n := b.r.prop(prop)
	path := b.path(prop)
	if n == nil {
		return nil, nil
	}
	one := func(n *tnode, path string) (item, bool, error) {
		s, ok, err := b.t.link(n)
		if err == nil && !ok {
			var v any
			if v, err = b.t.resolve(n, path); v == noValue {
				return item{}, false, nil // !Ref AWS::NoValue: no item
			} else if err == nil {
				if s, ok = scalarText(v); !ok {
					err = b.t.fail(n, path, fmt.Errorf("want a string, got %s", describeValue(v)))
				}
			}
		}
		var u *unresolved
		switch {
		case errors.As(err, &u):
			return item{unknown: u}, true, nil
		case err != nil:
			return item{}, false, err
		}
		return item{s: s}, true, nil
	}
	if n.kind != tSeq {
		v, err := b.t.resolve(n, path)
		var u *unresolved
		switch {
		case errors.As(err, &u):
			return []item{{unknown: u}}, nil
		case err != nil:
			return nil, err
		}
		l, ok := v.([]any)
		if !ok {
			return nil, b.t.fail(n, path, fmt.Errorf("want a list, got %s", describeValue(v)))
		}
		var out []item
		for _, x := range l {
			s, ok := scalarText(x)
			if !ok {
				return nil, b.t.fail(n, path, fmt.Errorf("want a list of strings, got %s in it", describeValue(x)))
			}
			out = append(out, item{s: s})
		}
		return out, nil
	}
	var out []item
	for i, x := range n.items {
		it, ok, err := one(x, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, it)
		}
	}
	return out, nil
}

// withItem is c for one list item: its field set, or marked unknown.
func withItem(c Change, field string, it item, set func(*Change, string)) Change {
	c.Unknown = append([]Unknown(nil), c.Unknown...)
	if it.unknown != nil {
		_, _ = unknownFor(&c, field, it.unknown)
		return c
	}
	set(&c, it.s)
	return c
}
