package changeset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// resourceChange is one item of a plan's resource_changes
// (https://developer.hashicorp.com/terraform/internals/json-format).
type resourceChange struct {
	Address string `json:"address"`
	// Deposed is set on an old object kept by create_before_destroy; its
	// replacement is the change that counts.
	Deposed string `json:"deposed"`
	Mode    string `json:"mode"`
	Type    string `json:"type"`
	Name    string `json:"name"`
	Change  struct {
		Actions      []string        `json:"actions"`
		Before       json.RawMessage `json:"before"`
		After        json.RawMessage `json:"after"`
		AfterUnknown json.RawMessage `json:"after_unknown"`
	} `json:"change"`
}

// planReader turns a plan's resource changes into Changes.
type planReader struct {
	file string
	// region is the aws provider's region when the plan's configuration
	// gives one constant region for every aws provider.
	region string
	// refs links unknown values to resources the plan creates; nil while
	// the first pass finds what the plan creates.
	refs *planRefs
}

// readPlan reads a Terraform plan's resource_changes.
func readPlan(data []byte, top map[string]json.RawMessage, file string) ([]Change, error) {
	p := &planReader{file: file, region: providerRegion(top["configuration"])}
	var items []json.RawMessage
	if raw := top["resource_changes"]; raw != nil && string(raw) != "null" {
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, jsonError(file, "resource_changes", data, err)
		}
	}
	var rs []*resource
	for i, raw := range items {
		path := "resource_changes[" + strconv.Itoa(i) + "]"
		var rc resourceChange
		if err := json.Unmarshal(raw, &rc); err != nil {
			return nil, jsonError(file, path, raw, err)
		}
		if _, ok := resourceMappers[rc.Type]; !ok || rc.Mode == "data" || rc.Deposed != "" {
			continue
		}
		r, err := p.values(&rc, path)
		if err != nil {
			return nil, err
		}
		if r != nil {
			rs = append(rs, r)
		}
	}
	// First pass: what the plan creates, and how its changes name it.
	refs := readRefs(top["configuration"])
	for _, r := range rs {
		ca := configAddress(r.address)
		refs.instances[ca]++
		if r.op != OpAdd {
			continue
		}
		if cs := resourceMappers[r.typ](r); len(cs) > 0 {
			refs.created[ca] = cs[len(cs)-1].Target
			if r.typ == "aws_iam_role" {
				refs.created[ca] = cs[0].Target
			}
		}
	}
	p.refs = refs
	var out []Change
	for _, r := range rs {
		if r.op == OpReplace && !r.replace && r.unchanged(accessAttributes[r.typ]...) {
			continue // an update of tags or a description: no access changes
		}
		out = append(out, resourceMappers[r.typ](r)...)
	}
	return out, nil
}

// accessAttributes are the attributes of each resource type that decide
// access; an update that changes none of them is not a change to keyhound.
var accessAttributes = map[string][]string{
	"aws_kms_key":                                        {"policy", "arn", "key_id"},
	"aws_kms_key_policy":                                 {"policy", "key_id"},
	"aws_kms_grant":                                      {"key_id", "grantee_principal", "operations", "constraints", "retiring_principal"},
	"aws_kms_alias":                                      {"name", "target_key_id"},
	"aws_iam_role":                                       {"assume_role_policy", "inline_policy", "name", "arn"},
	"aws_iam_role_policy":                                {"policy", "role", "name"},
	"aws_iam_user_policy":                                {"policy", "user", "name"},
	"aws_iam_group_policy":                               {"policy", "group", "name"},
	"aws_iam_role_policy_attachment":                     {"role", "policy_arn"},
	"aws_iam_user_policy_attachment":                     {"user", "policy_arn"},
	"aws_iam_group_policy_attachment":                    {"group", "policy_arn"},
	"aws_iam_policy":                                     {"policy", "arn", "name"},
	"aws_organizations_policy":                           {"content", "type", "id"},
	"aws_organizations_policy_attachment":                {"policy_id", "target_id"},
	"aws_s3_bucket_policy":                               {"policy", "bucket"},
	"aws_s3_bucket_server_side_encryption_configuration": {"rule", "bucket"},
	"aws_snapshot_create_volume_permission":              {"snapshot_id", "account_id"},
	"aws_secretsmanager_secret":                          {"kms_key_id", "policy", "arn", "name"},
	"aws_secretsmanager_secret_policy":                   {"policy", "secret_arn"},
}

// unchanged reports whether every attribute is known and the same before
// and after (policy documents compared compacted).
func (r *resource) unchanged(attrs ...string) bool {
	if len(attrs) == 0 {
		return false
	}
	for _, a := range attrs {
		if r.unknownAt(a) {
			return false
		}
		b, x := r.before[a], r.after[a]
		if bs, ok := b.(string); ok {
			b = compactJSON(bs)
		}
		if xs, ok := x.(string); ok {
			x = compactJSON(xs)
		}
		if !reflect.DeepEqual(b, x) {
			return false
		}
	}
	return true
}

// providerRegion is the aws provider's constant region in the plan's
// configuration, "" when there is none or the providers disagree.
func providerRegion(raw json.RawMessage) string {
	var cfg struct {
		ProviderConfig map[string]struct {
			Name        string `json:"name"`
			Expressions struct {
				Region struct {
					ConstantValue any `json:"constant_value"`
				} `json:"region"`
			} `json:"expressions"`
		} `json:"provider_config"`
	}
	if len(raw) == 0 || json.Unmarshal(raw, &cfg) != nil {
		return ""
	}
	region := ""
	for _, pc := range cfg.ProviderConfig {
		if pc.Name != "aws" {
			continue
		}
		r, ok := pc.Expressions.Region.ConstantValue.(string)
		if !ok || (region != "" && r != region) {
			return ""
		}
		region = r
	}
	return region
}

// resource is one resource change's values: after (before for a delete),
// what after_unknown marks, and the operation.
type resource struct {
	p       *planReader
	address string
	typ     string
	op      Op
	// replace: the resource is destroyed and created again.
	replace bool
	before  map[string]any
	after   map[string]any
	unknown map[string]any
	// allUnknown: after_unknown is true, every value is unknown.
	allUnknown bool
}

// values decodes a resource change; nil for a no-op or a read.
func (p *planReader) values(rc *resourceChange, path string) (*resource, error) {
	r := &resource{p: p, address: rc.Address, typ: rc.Type}
	a := rc.Change.Actions
	switch {
	case slices.Equal(a, []string{"create"}):
		r.op = OpAdd
	case slices.Equal(a, []string{"update"}):
		r.op = OpReplace
	case slices.Equal(a, []string{"delete"}):
		r.op = OpRemove
	case slices.Equal(a, []string{"delete", "create"}), slices.Equal(a, []string{"create", "delete"}):
		r.op, r.replace = OpReplace, true
	case len(a) == 0:
		return nil, &Error{File: p.file, Path: path + ".change.actions", Err: errors.New("missing")}
	default: // no-op, read, forget
		return nil, nil
	}
	for _, v := range []struct {
		field string
		raw   json.RawMessage
		dst   *map[string]any
	}{{"before", rc.Change.Before, &r.before}, {"after", rc.Change.After, &r.after}} {
		if len(v.raw) == 0 || string(v.raw) == "null" {
			continue
		}
		if err := json.Unmarshal(v.raw, v.dst); err != nil {
			return nil, jsonError(p.file, path+".change."+v.field, v.raw, err)
		}
	}
	// after_unknown mirrors after, true where a value is unknown; it is a
	// bare false (or true) when after is null (or wholly unknown).
	if raw := rc.Change.AfterUnknown; len(raw) > 0 && string(raw) != "null" {
		var u any
		if err := json.Unmarshal(raw, &u); err != nil {
			return nil, jsonError(p.file, path+".change.after_unknown", raw, err)
		}
		switch t := u.(type) {
		case map[string]any:
			r.unknown = t
		case bool:
			r.allUnknown = t
		default:
			return nil, &Error{File: p.file, Path: path + ".change.after_unknown", Err: errors.New("want an object or a boolean")}
		}
	}
	if r.op != OpRemove && r.after == nil && !r.allUnknown {
		return nil, &Error{File: p.file, Path: path + ".change.after", Err: fmt.Errorf("missing for %s", strings.Join(a, ","))}
	}
	if r.op == OpRemove && r.before == nil {
		return nil, &Error{File: p.file, Path: path + ".change.before", Err: errors.New("missing for delete")}
	}
	return r, nil
}

// vals are the values the change leaves: after, or before for a delete.
func (r *resource) vals() map[string]any {
	if r.op == OpRemove {
		return r.before
	}
	return r.after
}

// unknownAt reports whether after_unknown marks the attribute at path
// (names and list indexes) or any value inside it as unknown.
func (r *resource) unknownAt(path ...any) bool {
	if r.op == OpRemove {
		return false
	}
	if r.allUnknown {
		return true
	}
	var v any = r.unknown
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				return false
			}
			v = l[k]
		}
		if b, ok := v.(bool); ok {
			return b
		}
	}
	return containsTrue(v)
}

func containsTrue(v any) bool {
	switch t := v.(type) {
	case bool:
		return t
	case map[string]any:
		for _, x := range t {
			if containsTrue(x) {
				return true
			}
		}
	case []any:
		return slices.ContainsFunc(t, containsTrue)
	}
	return false
}

// str is a string attribute of vals; ok false when unknown until apply
// (unless it refers to a resource the plan creates: then that resource's
// name in the changes).
func (r *resource) str(attr string) (string, bool) {
	if r.unknownAt(attr) {
		return r.p.refs.resolve(r.address, attr)
	}
	s, _ := r.vals()[attr].(string)
	return s, true
}

// known is a string attribute of vals, "" when unknown or unset.
func (r *resource) known(attr string) string {
	s, _ := r.str(attr)
	return s
}

// beforeStr is a string attribute of before.
func (r *resource) beforeStr(attr string) string {
	s, _ := r.before[attr].(string)
	return s
}

// strings is a list (or set) of strings of vals.
func (r *resource) strings(attr string) []string {
	l, _ := r.vals()[attr].([]any)
	var out []string
	for _, v := range l {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// change starts a Change of this resource: its source, operation and
// Region (the resource's own region argument, else the provider's).
func (r *resource) change(kind Kind) Change {
	c := Change{Kind: kind, Op: r.op, Source: Source{File: r.p.file, Address: r.address}}
	if reg, ok := r.str("region"); ok && reg != "" {
		c.Region = reg
	} else if !r.unknownAt("region") {
		c.Region = r.p.region
	}
	return c
}

// unknown marks the change's field unknown when the attribute is.
func (r *resource) markUnknown(c *Change, field, attr string) bool {
	if !r.unknownAt(attr) {
		return false
	}
	if _, ok := r.p.refs.resolve(r.address, attr); ok {
		return false
	}
	c.Unknown = append(c.Unknown, Unknown{Field: field, Attribute: r.address + "." + attr})
	return true
}

// target sets the change's target from the first known attribute of
// attrs (an ARN first, then an ID or name); when none is known the
// target is unknown until apply and named by the resource's address.
func (r *resource) target(c *Change, attrs ...string) {
	for _, a := range attrs {
		if s, ok := r.str(a); ok && s != "" {
			c.Target = s
			return
		}
	}
	c.Target = r.address
	c.Unknown = append(c.Unknown, Unknown{Field: "target", Attribute: r.address + "." + attrs[0]})
}

// document sets the change's document from a JSON attribute, marking it
// unknown when it is.
func (r *resource) document(c *Change, attr string) {
	if r.markUnknown(c, "document", attr) {
		return
	}
	c.Document = compactJSON(r.known(attr))
}

// compactJSON compacts a policy document (Terraform keeps jsonencode's
// or heredoc's text), leaving text that is not JSON as it is for the
// graph to report.
func compactJSON(s string) string {
	var b bytes.Buffer
	if json.Compact(&b, []byte(s)) != nil {
		return s
	}
	return b.String()
}
