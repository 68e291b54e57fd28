package changeset

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// A CloudFormation template (JSON or YAML) describes the desired state of
// its own resources: each resource keyhound maps (cfnMappers) is an add
// or a replace of its target, never a removal of what the template does
// not mention (keyhound does not have the stack's previous template).
// The intrinsic functions that need no deployment are evaluated
// (cfnresolve.go); the others leave their value unknown, as a plan's
// after_unknown does.

// template is a CloudFormation template being read.
type template struct {
	file      string
	params    *tnode // Parameters
	mappings  *tnode // Mappings
	resources map[string]*cfnResource
	order     []*cfnResource
	steps     int // values resolved (maxResolveSteps)
}

// cfnResource is one entry of a template's Resources.
type cfnResource struct {
	id, typ string
	props   *tnode // Properties, nil when absent
	cond    string // Condition
	line    int
	// busy guards against a resource whose name refers to itself.
	busy bool
}

func (r *cfnResource) prop(name string) *tnode { return r.props.get(name) }

// looksLikeTemplate reports whether a document's top level is a
// CloudFormation template: AWSTemplateFormatVersion, or Resources of
// which one has a Type AWS::….
func looksLikeTemplate(root *tnode) bool {
	if root.get("AWSTemplateFormatVersion") != nil {
		return true
	}
	res := root.get("Resources")
	if res == nil || res.kind != tMap {
		return false
	}
	for _, v := range res.vals {
		if typ, _ := v.get("Type").str(); strings.HasPrefix(typ, "AWS::") {
			return true
		}
	}
	return false
}

// yamlHasTemplateKeys reports whether a YAML document's top-level mapping
// has a template's keys (checked in full by looksLikeTemplate).
func yamlHasTemplateKeys(root *yaml.Node) bool {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if k := root.Content[i].Value; k == "AWSTemplateFormatVersion" || k == "Resources" {
			return true
		}
	}
	return false
}

// readTemplateYAML reads a template in YAML.
func readTemplateYAML(root *yaml.Node, file string) ([]Change, error) {
	t, err := yamlTree(root)
	if err != nil {
		return nil, &Error{File: file, Err: err}
	}
	return readTemplate(t, file)
}

// readTemplateJSON reads a template in JSON.
func readTemplateJSON(data []byte, file string) ([]Change, error) {
	t, err := jsonTree(data, file)
	if err != nil {
		return nil, err
	}
	return readTemplate(t, file)
}

// readTemplate turns a template's resources into Changes, in the order of
// the template.
func readTemplate(root *tnode, file string) ([]Change, error) {
	if !looksLikeTemplate(root) {
		return nil, &Error{File: file, Line: root.line, Err: errors.New("neither a Terraform plan, a change file (no changes) nor a CloudFormation template (no Resources of Type AWS::…)")}
	}
	t := &template{file: file, params: root.get("Parameters"), mappings: root.get("Mappings"), resources: map[string]*cfnResource{}}
	res := root.get("Resources")
	if res == nil || res.kind != tMap {
		return nil, t.fail(res, "Resources", errors.New("missing, or not a mapping of resources"))
	}
	for i, id := range res.keys {
		n := res.vals[i]
		path := "Resources." + id
		if n.kind != tMap {
			return nil, t.fail(n, path, errors.New("want a mapping with Type and Properties"))
		}
		typ, ok := n.get("Type").str()
		if !ok || typ == "" {
			return nil, &Error{File: file, Path: path + ".Type", Line: res.keyLines[i], Err: errors.New("missing, or not a string")}
		}
		r := &cfnResource{id: id, typ: typ, props: n.get("Properties"), line: res.keyLines[i]}
		if r.props != nil && r.props.kind != tMap {
			return nil, t.fail(r.props, path+".Properties", errors.New("want a mapping"))
		}
		if c := n.get("Condition"); c != nil {
			if r.cond, ok = c.str(); !ok {
				return nil, t.fail(c, path+".Condition", errors.New("want the name of a condition"))
			}
		}
		t.resources[id] = r
		t.order = append(t.order, r)
	}
	var out []Change
	for _, r := range t.order {
		m, ok := cfnMappers[r.typ]
		if !ok {
			continue
		}
		cs, err := m(cfnRes{t, r})
		if err != nil {
			return nil, err
		}
		if r.cond != "" {
			conditional(cs, r)
		}
		out = append(out, cs...)
	}
	return out, nil
}

// conditional marks what decides access in the changes of a resource
// created only under a condition unknown: conditions are evaluated when
// the stack is deployed, with its parameters.
func conditional(cs []Change, r *cfnResource) {
	attr := "Resources." + r.id + ".Condition (" + r.cond + " is evaluated only when deployed)"
	for i := range cs {
		c := &cs[i]
		field := "document"
		switch {
		case c.Kind == KindAlias:
			field, c.Key = "key", ""
		case c.PolicyARN != "":
			field, c.PolicyARN = "policy", ""
		case c.Kind == KindSecret && c.Document == "" && !c.IsUnknown("document"):
			if c.Key == "" {
				continue
			}
			field, c.Key = "key", ""
		default:
			c.Document = ""
		}
		if !c.IsUnknown(field) {
			c.Unknown = append(c.Unknown, Unknown{Field: field, Attribute: attr})
		}
	}
}

// named is a resource's name property, or its logical ID when the
// template gives none (CloudFormation then generates the name): keyhound
// names the new resource by its logical ID, as it names a plan's new
// resource by its address.
func (t *template) named(r *cfnResource, prop string) (name string, generated bool, err error) {
	n := r.prop(prop)
	if n == nil {
		return r.id, true, nil
	}
	name, err = t.resolveString(n, "Resources."+r.id+".Properties."+prop)
	return name, false, err
}

// iamPath is an IAM resource's Path, "/" when none.
func (t *template) iamPath(r *cfnResource) (string, error) {
	n := r.prop("Path")
	if n == nil {
		return "/", nil
	}
	return t.resolveString(n, "Resources."+r.id+".Properties.Path")
}

// attribute is Ref (attr "") or Fn::GetAtt of a resource of the template,
// for the types whose values keyhound can tell before deployment; the
// account, Region and partition are left to Apply (pseudoValue).
func (t *template) attribute(r *cfnResource, attr string, n *tnode, path string) (any, error) {
	if r.busy {
		return nil, t.fail(n, path, fmt.Errorf("%s refers to itself", r.id))
	}
	r.busy = true
	defer func() { r.busy = false }()
	part, region, account := pseudoValue("AWS::Partition"), pseudoValue("AWS::Region"), pseudoValue("AWS::AccountId")
	what := "Ref"
	if attr != "" {
		what = "Fn::GetAtt " + attr
	}
	switch r.typ {
	case "AWS::KMS::Key":
		switch attr {
		case "", "KeyId":
			return r.id, nil
		case "Arn":
			return "arn:" + part + ":kms:" + region + ":" + account + ":key/" + r.id, nil
		}
	case "AWS::KMS::Alias":
		if attr == "" {
			return t.resolveString(r.prop("AliasName"), "Resources."+r.id+".Properties.AliasName")
		}
	case "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::ManagedPolicy":
		kind := strings.ToLower(strings.TrimPrefix(r.typ, "AWS::IAM::"))
		nameProp := map[string]string{"role": "RoleName", "user": "UserName", "group": "GroupName", "managedpolicy": "ManagedPolicyName"}[kind]
		name, _, err := t.named(r, nameProp)
		if err != nil {
			return nil, err
		}
		p, err := t.iamPath(r)
		if err != nil {
			return nil, err
		}
		switch {
		case kind == "managedpolicy" && (attr == "" || attr == "PolicyArn"):
			return "arn:" + part + ":iam::" + account + ":policy" + p + name, nil
		case kind != "managedpolicy" && attr == "":
			return name, nil
		case kind != "managedpolicy" && attr == "Arn":
			return "arn:" + part + ":iam::" + account + ":" + kind + p + name, nil
		}
	case "AWS::S3::Bucket":
		if r.prop("BucketName") == nil {
			return nil, &unresolved{path: path, why: r.id + " has no BucketName: the name is generated when deployed"}
		}
		name, err := t.resolveString(r.prop("BucketName"), "Resources."+r.id+".Properties.BucketName")
		switch {
		case err != nil:
			return nil, err
		case attr == "":
			return name, nil
		case attr == "Arn":
			return "arn:" + part + ":s3:::" + name, nil
		}
	case "AWS::SecretsManager::Secret":
		if attr == "" || attr == "Id" {
			name, _, err := t.named(r, "Name")
			if err != nil {
				return nil, err
			}
			return "arn:" + part + ":secretsmanager:" + region + ":" + account + ":secret:" + name, nil
		}
	}
	return nil, &unresolved{path: path, why: what + " of " + r.id + " (" + r.typ + ") is known only when deployed"}
}

// link is the name by which Apply finds a resource of the template that
// a target property refers to with Ref or Fn::GetAtt: a new key's or
// secret's logical ID (or name), a managed policy's policy/PATH/NAME
// (which Apply turns into its ARN in the attaching principal's account).
// It is the template's own wiring, as planrefs.go's is a plan's.
func (t *template) link(n *tnode) (string, bool, error) {
	if n == nil || n.kind != tMap || len(n.keys) != 1 {
		return "", false, nil
	}
	var r *cfnResource
	switch n.keys[0] {
	case "Ref":
		s, _ := n.vals[0].str()
		r = t.resources[s]
	case "Fn::GetAtt":
		res, _, err := t.getAttArgs(n.vals[0], "Fn::GetAtt")
		if err != nil {
			return "", false, nil //nolint:nilerr // resolve reports it with its path
		}
		r = res
	}
	if r == nil {
		return "", false, nil
	}
	switch r.typ {
	case "AWS::KMS::Key":
		return r.id, true, nil
	case "AWS::SecretsManager::Secret":
		name, _, err := t.named(r, "Name")
		return name, err == nil, err
	case "AWS::IAM::ManagedPolicy":
		name, _, err := t.named(r, "ManagedPolicyName")
		if err != nil {
			return "", false, err
		}
		p, err := t.iamPath(r)
		return "policy" + p + name, err == nil, err
	}
	return "", false, nil
}
