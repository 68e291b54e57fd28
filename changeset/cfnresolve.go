package changeset

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// unresolved is a value a template gives only when deployed: a function
// keyhound does not evaluate (Fn::If, Fn::ImportValue…), a parameter
// without a Default, a generated name. It is never guessed.
type unresolved struct{ path, why string }

func (u *unresolved) Error() string { return u.path + " (" + u.why + ")" }

// noValue is AWS::NoValue: the property or list item is left out.
type noValueT struct{}

var noValue any = noValueT{}

// pseudoMark brackets a pseudo parameter (AWS::AccountId, AWS::Region,
// AWS::Partition, AWS::URLSuffix) in a resolved value: which account and
// Region a stack is deployed to is the snapshot's business, so Apply
// replaces it (cfnpseudo.go). A private-use character: no template's
// literal text is taken for one.
const pseudoMark = "\uE000"

func pseudoValue(name string) string { return pseudoMark + name + pseudoMark }

// pseudoParams are the pseudo parameters Apply can fill in.
var pseudoParams = map[string]bool{"AWS::AccountId": true, "AWS::Region": true, "AWS::Partition": true, "AWS::URLSuffix": true}

// maxResolveSteps bounds the values resolve visits in one template: YAML
// anchors nested in anchors would otherwise expand exponentially.
const maxResolveSteps = 1 << 20

// isFunction reports whether a one-key mapping's key names an intrinsic function.
func isFunction(k string) bool { return k == "Ref" || strings.HasPrefix(k, "Fn::") }

// resolve is the value of a template node with the intrinsic functions it
// can evaluate without deploying evaluated; an *unresolved error for one
// it cannot, an *Error for a malformed one.
func (t *template) resolve(n *tnode, path string) (any, error) {
	if n == nil {
		return nil, nil
	}
	if t.steps++; t.steps > maxResolveSteps {
		return nil, t.fail(n, path, fmt.Errorf("more than %d values once YAML aliases are expanded", maxResolveSteps))
	}
	switch n.kind {
	case tSeq:
		out := make([]any, 0, len(n.items))
		for i, it := range n.items {
			v, err := t.resolve(it, path+"["+strconv.Itoa(i)+"]")
			if err != nil {
				return nil, err
			}
			if v != noValue {
				out = append(out, v)
			}
		}
		return out, nil
	case tMap:
		if len(n.keys) == 1 && isFunction(n.keys[0]) {
			return t.function(n.keys[0], n.vals[0], path)
		}
		out := make(map[string]any, len(n.keys))
		for i, k := range n.keys {
			v, err := t.resolve(n.vals[i], joinPath(path, k))
			if err != nil {
				return nil, err
			}
			if v != noValue {
				out[k] = v
			}
		}
		return out, nil
	}
	return n.value, nil
}

// resolveString resolves n to a string (a number's text is one).
func (t *template) resolveString(n *tnode, path string) (string, error) {
	v, err := t.resolve(n, path)
	if err != nil {
		return "", err
	}
	if s, ok := scalarText(v); ok {
		return s, nil
	}
	return "", t.fail(n, path, fmt.Errorf("want a string, got %s", describeValue(v)))
}

func scalarText(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case json.Number:
		return x.String(), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

func describeValue(v any) string {
	switch v.(type) {
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	case nil:
		return "nothing"
	}
	return fmt.Sprintf("%v", v)
}

// fail is a malformed template at n.
func (t *template) fail(n *tnode, path string, err error) *Error {
	e := &Error{File: t.file, Path: path, Err: err}
	if n != nil {
		e.Line = n.line
	}
	return e
}

// function evaluates an intrinsic function: Ref, Fn::GetAtt, Fn::Sub,
// Fn::Join, Fn::Select, Fn::Split and Fn::FindInMap; the others (Fn::If,
// Fn::ImportValue, Fn::GetAZs, Fn::Base64, Fn::Cidr…) are unresolved.
func (t *template) function(name string, arg *tnode, path string) (any, error) {
	fpath := joinPath(path, name)
	switch name {
	case "Ref":
		s, ok := arg.str()
		if !ok {
			return nil, t.fail(arg, fpath, errors.New("want the name of a parameter or resource"))
		}
		return t.ref(s, arg, fpath)
	case "Fn::GetAtt":
		res, attr, err := t.getAttArgs(arg, fpath)
		if err != nil {
			return nil, err
		}
		return t.attribute(res, attr, arg, fpath)
	case "Fn::Sub":
		return t.sub(arg, fpath)
	case "Fn::Join":
		if arg.kind != tSeq || len(arg.items) != 2 {
			return nil, t.fail(arg, fpath, errors.New("want [delimiter, [values…]]"))
		}
		delim, err := t.resolveString(arg.items[0], fpath+"[0]")
		if err != nil {
			return nil, err
		}
		parts, err := t.resolveList(arg.items[1], fpath+"[1]")
		if err != nil {
			return nil, err
		}
		return strings.Join(parts, delim), nil
	case "Fn::Select":
		if arg.kind != tSeq || len(arg.items) != 2 {
			return nil, t.fail(arg, fpath, errors.New("want [index, [values…]]"))
		}
		is, err := t.resolveString(arg.items[0], fpath+"[0]")
		if err != nil {
			return nil, err
		}
		list, err := t.resolveList(arg.items[1], fpath+"[1]")
		if err != nil {
			return nil, err
		}
		i, err := strconv.Atoi(is)
		if err != nil || i < 0 || i >= len(list) {
			return nil, t.fail(arg, fpath+"[0]", fmt.Errorf("index %q out of the list's %d items", is, len(list)))
		}
		return list[i], nil
	case "Fn::Split":
		if arg.kind != tSeq || len(arg.items) != 2 {
			return nil, t.fail(arg, fpath, errors.New("want [delimiter, string]"))
		}
		delim, err := t.resolveString(arg.items[0], fpath+"[0]")
		if err != nil {
			return nil, err
		}
		s, err := t.resolveString(arg.items[1], fpath+"[1]")
		if err != nil {
			return nil, err
		}
		var out []any
		for _, p := range strings.Split(s, delim) {
			out = append(out, p)
		}
		return out, nil
	case "Fn::FindInMap":
		return t.findInMap(arg, fpath)
	}
	return nil, &unresolved{path: fpath, why: name + " is evaluated only when deployed"}
}

// resolveList resolves n to a list of strings.
func (t *template) resolveList(n *tnode, path string) ([]string, error) {
	v, err := t.resolve(n, path)
	if err != nil {
		return nil, err
	}
	l, ok := v.([]any)
	if !ok {
		return nil, t.fail(n, path, fmt.Errorf("want a list, got %s", describeValue(v)))
	}
	out := make([]string, 0, len(l))
	for i, x := range l {
		s, ok := scalarText(x)
		if !ok {
			return nil, t.fail(n, path+"["+strconv.Itoa(i)+"]", fmt.Errorf("want a string, got %s", describeValue(x)))
		}
		out = append(out, s)
	}
	return out, nil
}

// ref is Ref NAME: a pseudo parameter, a parameter's Default, or a
// resource of the template.
func (t *template) ref(name string, n *tnode, path string) (any, error) {
	switch {
	case pseudoParams[name]:
		return pseudoValue(name), nil
	case name == "AWS::NoValue":
		return noValue, nil
	case strings.HasPrefix(name, "AWS::"):
		return nil, &unresolved{path: path, why: name + " is known only when deployed"}
	}
	if p := t.params.get(name); p != nil {
		return t.param(name, p, path)
	}
	if r := t.resources[name]; r != nil {
		return t.attribute(r, "", n, path)
	}
	return nil, t.fail(n, path, fmt.Errorf("%s is neither a parameter nor a resource of the template", name))
}

// param is a parameter's value: its Default (keyhound takes no parameter
// values), a list for list types.
func (t *template) param(name string, p *tnode, path string) (any, error) {
	typ, _ := p.get("Type").str()
	def := p.get("Default")
	if def == nil {
		return nil, &unresolved{path: path, why: "parameter " + name + " has no Default"}
	}
	if strings.HasPrefix(typ, "AWS::SSM::Parameter::Value") {
		return nil, &unresolved{path: path, why: "parameter " + name + " is read from SSM when deployed"}
	}
	s, err := t.resolveString(def, "Parameters."+name+".Default")
	if err != nil {
		return nil, err
	}
	if typ == "CommaDelimitedList" || strings.HasPrefix(typ, "List<") {
		var out []any
		for _, x := range strings.Split(s, ",") {
			out = append(out, strings.TrimSpace(x))
		}
		return out, nil
	}
	return s, nil
}

// getAttArgs reads Fn::GetAtt's [resource, attribute] (or "resource.attribute").
func (t *template) getAttArgs(arg *tnode, path string) (*cfnResource, string, error) {
	var res, attr string
	if s, ok := arg.str(); ok {
		res, attr, _ = strings.Cut(s, ".")
	} else if arg.kind == tSeq && len(arg.items) == 2 {
		res, _ = arg.items[0].str()
		var err error
		if attr, err = t.resolveString(arg.items[1], path+"[1]"); err != nil {
			return nil, "", err
		}
	}
	if res == "" || attr == "" {
		return nil, "", t.fail(arg, path, errors.New("want [resource, attribute]"))
	}
	r := t.resources[res]
	if r == nil {
		return nil, "", t.fail(arg, path, fmt.Errorf("%s is not a resource of the template", res))
	}
	return r, attr, nil
}

// sub is Fn::Sub: "text ${Name} ${Resource.Attribute} ${!Literal}", or
// [text, {Name: value}].
func (t *template) sub(arg *tnode, path string) (any, error) {
	text, ok := arg.str()
	var vars *tnode
	if !ok && arg.kind == tSeq && len(arg.items) == 2 {
		text, ok = arg.items[0].str()
		vars = arg.items[1]
	}
	if !ok {
		return nil, t.fail(arg, path, errors.New("want a string, or [string, {variables}]"))
	}
	var b strings.Builder
	for {
		i := strings.Index(text, "${")
		if i < 0 {
			b.WriteString(text)
			return b.String(), nil
		}
		b.WriteString(text[:i])
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return nil, t.fail(arg, path, fmt.Errorf("unclosed ${ in %q", text))
		}
		name := strings.TrimSpace(text[i+2 : i+j])
		text = text[i+j+1:]
		if strings.HasPrefix(name, "!") {
			b.WriteString("${" + name[1:] + "}")
			continue
		}
		var v any
		var err error
		switch res, attr, dotted := strings.Cut(name, "."); {
		case vars.get(name) != nil:
			v, err = t.resolve(vars.get(name), path+"[1]."+name)
		case dotted && t.resources[res] != nil:
			v, err = t.attribute(t.resources[res], attr, arg, path)
		default:
			v, err = t.ref(name, arg, path)
		}
		if err != nil {
			return nil, err
		}
		s, ok := scalarText(v)
		if !ok {
			return nil, t.fail(arg, path, fmt.Errorf("${%s} is %s, not a string", name, describeValue(v)))
		}
		b.WriteString(s)
	}
}

// findInMap is Fn::FindInMap [map, top key, second key] over Mappings.
func (t *template) findInMap(arg *tnode, path string) (any, error) {
	if arg.kind != tSeq || len(arg.items) < 3 {
		return nil, t.fail(arg, path, errors.New("want [map, top-level key, second-level key]"))
	}
	n := t.mappings
	for i, it := range arg.items[:3] {
		k, err := t.resolveString(it, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		if strings.Contains(k, pseudoMark) {
			return nil, &unresolved{path: path, why: "its key depends on where the stack is deployed"}
		}
		if n = n.get(k); n == nil {
			return nil, t.fail(it, path+"["+strconv.Itoa(i)+"]", fmt.Errorf("no %q in Mappings", k))
		}
	}
	return t.resolve(n, path)
}
