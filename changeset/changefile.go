package changeset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// entry is one item of a change file's changes, as written.
type entry struct {
	Kind      string          `json:"kind"`
	Op        string          `json:"op"`
	Target    string          `json:"target"`
	Name      string          `json:"name"`
	Document  json.RawMessage `json:"document"`
	PolicyARN string          `json:"policy_arn"`
	Key       string          `json:"key"`
	Grantee   string          `json:"grantee"`
	Attach    []string        `json:"attach"`
	Account   string          `json:"account"`
	Region    string          `json:"region"`
}

// readJSONChangeFile reads {"changes": [...]}, keeping each entry's line.
func readJSONChangeFile(data []byte, file string) ([]Change, error) {
	var top struct {
		Changes json.RawMessage `json:"changes"`
	}
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, jsonError(file, "", data, err)
	}
	base := int64(bytes.Index(data, top.Changes))
	dec := json.NewDecoder(bytes.NewReader(top.Changes))
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return nil, &Error{File: file, Path: "changes", Line: lineAt(data, base), Err: errors.New("want a list of changes")}
	}
	var out []Change
	for i := 0; dec.More(); i++ {
		off := base + dec.InputOffset()
		for off < int64(len(data)) && strings.IndexByte(" \t\r\n,", data[off]) >= 0 {
			off++
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, jsonError(file, "changes["+strconv.Itoa(i)+"]", data, err)
		}
		c, err := parseEntry(raw, file, "changes["+strconv.Itoa(i)+"]", lineAt(data, off))
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// readYAML reads a change file (or a CloudFormation template) in YAML,
// keeping each entry's line.
func readYAML(data []byte, file string) ([]Change, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, &Error{File: file, Err: fmt.Errorf("not JSON, and not YAML: %w", err)}
	}
	if len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, &Error{File: file, Err: errors.New("want a mapping with changes: [...]")}
	}
	root := doc.Content[0]
	var changes *yaml.Node
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "changes" {
			changes = root.Content[i+1]
		}
	}
	if changes == nil && yamlHasTemplateKeys(root) {
		return readTemplateYAML(root, file)
	}
	if changes == nil {
		return nil, &Error{File: file, Line: root.Line, Err: errors.New("neither a Terraform plan, a change file (no changes) nor a CloudFormation template (no Resources)")}
	}
	if changes.Kind != yaml.SequenceNode {
		return nil, &Error{File: file, Path: "changes", Line: changes.Line, Err: errors.New("want a list of changes")}
	}
	out := make([]Change, 0, len(changes.Content))
	for i, n := range changes.Content {
		path := "changes[" + strconv.Itoa(i) + "]"
		v, err := nodeValue(n)
		if err != nil {
			return nil, &Error{File: file, Path: path, Line: n.Line, Err: err}
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, &Error{File: file, Path: path, Line: n.Line, Err: fmt.Errorf("not representable as JSON: %w", err)}
		}
		c, err := parseEntry(raw, file, path, n.Line)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// nodeValue is a YAML value as JSON would hold it. Plain scalars keep
// their text unless YAML reads them as a number, boolean or null: a
// policy's Version: 2012-10-17 stays a string, where decoding into any
// would make it a time.
func nodeValue(n *yaml.Node) (any, error) {
	b := valueBudget{left: maxResolveSteps}
	return b.value(n)
}

// valueBudget bounds how many values a YAML document expands to: aliases
// of anchors that hold aliases grow exponentially ("billion laughs").
type valueBudget struct{ left int }

func (b *valueBudget) value(n *yaml.Node) (any, error) {
	if b.left--; b.left < 0 {
		return nil, fmt.Errorf("line %d: more than %d values once YAML aliases are expanded", n.Line, maxResolveSteps)
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			return nil, nil
		}
		return b.value(n.Content[0])
	case yaml.AliasNode:
		return b.value(n.Alias)
	case yaml.SequenceNode:
		out := make([]any, 0, len(n.Content))
		for _, c := range n.Content {
			v, err := b.value(c)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case yaml.MappingNode:
		out := make(map[string]any, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if k.Kind != yaml.ScalarNode {
				return nil, fmt.Errorf("line %d: a mapping key must be a string", k.Line)
			}
			v, err := b.value(n.Content[i+1])
			if err != nil {
				return nil, err
			}
			out[k.Value] = v
		}
		return out, nil
	}
	switch n.ShortTag() {
	case "!!int", "!!float", "!!bool", "!!null":
		var v any
		if err := n.Decode(&v); err != nil {
			return nil, fmt.Errorf("line %d: %w", n.Line, err)
		}
		return v, nil
	}
	return n.Value, nil
}

// parseEntry checks one change file entry and makes it a Change.
func parseEntry(raw json.RawMessage, file, path string, line int) (Change, error) {
	fail := func(field string, err error) (Change, error) {
		return Change{}, &Error{File: file, Path: joinPath(path, field), Line: line, Err: err}
	}
	var e entry
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		je := jsonError(file, path, raw, err)
		je.Line = line
		return Change{}, je
	}
	c := Change{
		Kind: Kind(e.Kind), Op: Op(e.Op), Target: e.Target, Name: e.Name, PolicyARN: e.PolicyARN,
		Key: e.Key, Grantee: e.Grantee, Attach: e.Attach, Account: e.Account, Region: e.Region,
		Source: Source{File: file, Line: line},
	}
	if !slices.Contains(Kinds, c.Kind) {
		return fail("kind", fmt.Errorf("unknown kind %q (want one of %s)", e.Kind, kindList()))
	}
	switch c.Op {
	case "":
		c.Op = OpReplace
	case OpAdd, OpReplace, OpRemove:
	default:
		return fail("op", fmt.Errorf("unknown op %q (want add, replace or remove)", e.Op))
	}
	if c.Target == "" {
		return fail("target", errors.New("missing: say what the change is on (an ARN, a name or a key ID)"))
	}
	doc, err := documentText(e.Document)
	if err != nil {
		return fail("document", err)
	}
	if c.Kind == KindGrant && c.Op != OpRemove {
		if doc == "" {
			return fail("document", errors.New("missing: a grant change needs the grant ({GranteePrincipal, Operations, ...})"))
		}
		var g snapshot.Grant
		gd := json.NewDecoder(strings.NewReader(doc))
		gd.DisallowUnknownFields()
		if err := gd.Decode(&g); err != nil {
			return fail("document", fmt.Errorf("not a grant: %w", err))
		}
		if g.GranteePrincipal == "" || len(g.Operations) == 0 {
			return fail("document", errors.New("a grant needs GranteePrincipal and Operations"))
		}
		c.Grant = &g
		return c, nil
	}
	c.Document = doc
	if doc == "" && c.Op != OpRemove && needsDocument(&c) {
		return fail("document", fmt.Errorf("missing: %s %s needs a policy document", c.Op, c.Kind))
	}
	if doc != "" && !json.Valid([]byte(doc)) {
		return fail("document", errors.New("not JSON"))
	}
	return c, nil
}

// needsDocument reports whether a change that adds or replaces needs a document.
func needsDocument(c *Change) bool {
	switch c.Kind {
	case KindTrustPolicy, KindBucketPolicy:
		return true
	case KindKeyPolicy:
		return c.Op == OpReplace // add: a new key gets the default key policy
	case KindSCP, KindRCP:
		return len(c.Attach) == 0
	case KindIdentityPolicy:
		return c.PolicyARN == ""
	}
	return false
}

// documentText is a document given as a JSON string or as an object.
func documentText(raw json.RawMessage) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	if raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return "", err
		}
		return s, nil
	}
	if raw[0] != '{' {
		return "", errors.New("want an object or a string holding one")
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return "", err
	}
	return b.String(), nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
