package changeset

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// cfnMappers turn one template resource into keyhound changes, by
// resource type (CloudFormation property names).
var cfnMappers = map[string]func(cfnRes) ([]Change, error){
	"AWS::KMS::Key":                       cfnKey,
	"AWS::KMS::Alias":                     cfnAlias,
	"AWS::IAM::Role":                      cfnRole,
	"AWS::IAM::Policy":                    cfnPolicy,
	"AWS::IAM::ManagedPolicy":             cfnManagedPolicy,
	"AWS::IAM::RolePolicy":                cfnInline("role", "RoleName"),
	"AWS::IAM::UserPolicy":                cfnInline("user", "UserName"),
	"AWS::IAM::GroupPolicy":               cfnInline("group", "GroupName"),
	"AWS::S3::BucketPolicy":               cfnBucketPolicy,
	"AWS::SecretsManager::Secret":         cfnSecret,
	"AWS::SecretsManager::ResourcePolicy": cfnSecretPolicy,
	"AWS::Organizations::Policy":          cfnOrgPolicy,
}

// CloudFormationTypes lists the resource types a template is read for;
// the others are ignored.
func CloudFormationTypes() []string { return sortedKeys(cfnMappers) }

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
	one := func(n *tnode, path string) (item, error) {
		s, ok, err := b.t.link(n)
		if err == nil && !ok {
			s, err = b.t.resolveString(n, path)
		}
		var u *unresolved
		switch {
		case errors.As(err, &u):
			return item{unknown: u}, nil
		case err != nil:
			return item{}, err
		}
		return item{s: s}, nil
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
		it, err := one(x, path+"["+strconv.Itoa(i)+"]")
		if err != nil {
			return nil, err
		}
		out = append(out, it)
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

// cfnKey: a new key (its ID is generated), with its KeyPolicy or KMS's
// default key policy.
func cfnKey(b cfnRes) ([]Change, error) {
	c := b.change(KindKeyPolicy)
	c.Target = b.r.id
	b.generated(&c, "the key ID is")
	return []Change{c}, b.doc(&c, "KeyPolicy", false)
}

func cfnAlias(b cfnRes) ([]Change, error) {
	c := b.change(KindAlias)
	if err := b.str(&c, "target", "AliasName", true, &c.Target); err != nil {
		return nil, err
	}
	return []Change{c}, b.str(&c, "key", "TargetKeyId", true, &c.Key)
}

// cfnRole: the trust policy (creating the role when the snapshot has no
// role by its name), its inline Policies and its ManagedPolicyArns.
// PermissionsBoundary is not modelled by changes: a boundary only narrows
// access, so the role is shown with at most the access it would have.
func cfnRole(b cfnRes) ([]Change, error) {
	name, gen, err := b.t.named(b.r, "RoleName")
	c := b.change(KindTrustPolicy)
	if unk, err := unknownFor(&c, "target", err); err != nil {
		return nil, err
	} else if unk {
		name = b.r.id
	}
	path, err := b.iamPath(&c)
	if err != nil {
		return nil, err
	}
	c.Target = "role" + path + name
	if gen {
		b.generated(&c, "the role name is")
	}
	if err := b.doc(&c, "AssumeRolePolicyDocument", true); err != nil {
		return nil, err
	}
	out := []Change{c}
	principal := b.change(KindIdentityPolicy)
	principal.Target = c.Target
	principal.Unknown = targetUnknowns(c.Unknown)
	if principal.IsUnknown("target") && gen {
		principal.Unknown = nil // the role the change before creates
	}
	inline, err := b.inlinePolicies(principal)
	if err != nil {
		return nil, err
	}
	out = append(out, inline...)
	arns, err := b.list("ManagedPolicyArns")
	if err != nil {
		return nil, err
	}
	for _, it := range arns {
		mc := principal
		mc.Op = OpAdd
		out = append(out, withItem(mc, "policy", it, func(c *Change, s string) { c.PolicyARN = s }))
	}
	return out, nil
}

// inlinePolicies are a role's Policies: [{PolicyName, PolicyDocument}].
func (b cfnRes) inlinePolicies(principal Change) ([]Change, error) {
	n := b.r.prop("Policies")
	if n == nil {
		return nil, nil
	}
	items := n.items
	if n.kind != tSeq {
		items = []*tnode{n} // a function giving the list: unknown below
	}
	var out []Change
	for i, p := range items {
		path := b.path("Policies") + "[" + strconv.Itoa(i) + "]"
		ic := principal
		ic.Unknown = append([]Unknown(nil), principal.Unknown...)
		ic.Name = "Policies[" + strconv.Itoa(i) + "]"
		if p.kind != tMap || (len(p.keys) == 1 && isFunction(p.keys[0])) {
			if err := b.docAt(&ic, p, path); err != nil {
				return nil, err
			}
			if !ic.IsUnknown("document") {
				return nil, b.t.fail(p, path, errors.New("want {PolicyName, PolicyDocument}"))
			}
			out = append(out, ic)
			continue
		}
		if p.get("PolicyName") == nil || p.get("PolicyDocument") == nil {
			return nil, b.t.fail(p, path, errors.New("want PolicyName and PolicyDocument"))
		}
		if err := b.strAt(&ic, "name", p.get("PolicyName"), path+".PolicyName", &ic.Name); err != nil {
			return nil, err
		}
		if err := b.docAt(&ic, p.get("PolicyDocument"), path+".PolicyDocument"); err != nil {
			return nil, err
		}
		out = append(out, ic)
	}
	return out, nil
}

// principals are c on each of the resource's Roles, Users and Groups (names).
func (b cfnRes) principals(c Change) ([]Change, error) {
	var out []Change
	for _, kp := range []struct{ kind, prop string }{{"role", "Roles"}, {"user", "Users"}, {"group", "Groups"}} {
		items, err := b.list(kp.prop)
		if err != nil {
			return nil, err
		}
		for _, it := range items {
			pc := withItem(c, "target", it, func(c *Change, s string) { c.Target = kp.kind + "/" + s })
			if it.unknown != nil {
				pc.Target = b.r.id
			}
			out = append(out, pc)
		}
	}
	return out, nil
}

// iamPath is the resource's Path; when it is unknown, so is c's target.
func (b cfnRes) iamPath(c *Change) (string, error) {
	p, err := b.t.iamPath(b.r)
	if unk, err := unknownFor(c, "target", err); unk || err != nil {
		return "/", err
	}
	return p, nil
}

// cfnPolicy: AWS::IAM::Policy puts the inline policy PolicyName on each
// of its Roles, Users and Groups.
func cfnPolicy(b cfnRes) ([]Change, error) {
	c := b.change(KindIdentityPolicy)
	if err := b.str(&c, "name", "PolicyName", true, &c.Name); err != nil {
		return nil, err
	}
	if err := b.doc(&c, "PolicyDocument", true); err != nil {
		return nil, err
	}
	return b.principals(c)
}

// cfnManagedPolicy: the managed policy (created, or given a new default
// version), then attached to its Roles, Users and Groups.
func cfnManagedPolicy(b cfnRes) ([]Change, error) {
	name, _, err := b.t.named(b.r, "ManagedPolicyName")
	c := b.change(KindIdentityPolicy)
	if unk, err := unknownFor(&c, "target", err); err != nil {
		return nil, err
	} else if unk {
		name = b.r.id
	}
	path, err := b.iamPath(&c)
	if err != nil {
		return nil, err
	}
	ref := "policy" + path + name
	c.Target = ref
	if err := b.doc(&c, "PolicyDocument", true); err != nil {
		return nil, err
	}
	att := b.change(KindIdentityPolicy)
	att.Op = OpAdd
	att.PolicyARN = ref
	if c.IsUnknown("target") {
		att.PolicyARN = ""
		att.Unknown = []Unknown{{Field: "policy", Attribute: c.Unknown[0].Attribute}}
	}
	attachments, err := b.principals(att)
	if err != nil {
		return nil, err
	}
	return append([]Change{c}, attachments...), nil
}

// cfnInline: AWS::IAM::{Role,User,Group}Policy.
func cfnInline(kind, nameProp string) func(cfnRes) ([]Change, error) {
	return func(b cfnRes) ([]Change, error) {
		c := b.change(KindIdentityPolicy)
		if err := b.str(&c, "target", nameProp, true, &c.Target); err != nil {
			return nil, err
		}
		if !c.IsUnknown("target") {
			c.Target = kind + "/" + c.Target
		}
		if err := b.str(&c, "name", "PolicyName", true, &c.Name); err != nil {
			return nil, err
		}
		return []Change{c}, b.doc(&c, "PolicyDocument", true)
	}
}

func cfnBucketPolicy(b cfnRes) ([]Change, error) {
	c := b.change(KindBucketPolicy)
	if err := b.str(&c, "target", "Bucket", true, &c.Target); err != nil {
		return nil, err
	}
	return []Change{c}, b.doc(&c, "PolicyDocument", true)
}

// cfnSecret: a secret's key (KmsKeyId); a secret without a Name is new.
func cfnSecret(b cfnRes) ([]Change, error) {
	name, gen, err := b.t.named(b.r, "Name")
	c := b.change(KindSecret)
	if unk, err := unknownFor(&c, "target", err); err != nil {
		return nil, err
	} else if unk {
		name = b.r.id
	}
	c.Target = name
	if gen {
		b.generated(&c, "the secret's name is")
	}
	return []Change{c}, b.str(&c, "key", "KmsKeyId", false, &c.Key)
}

func cfnSecretPolicy(b cfnRes) ([]Change, error) {
	c := b.change(KindSecret)
	if err := b.str(&c, "target", "SecretId", true, &c.Target); err != nil {
		return nil, err
	}
	return []Change{c}, b.doc(&c, "ResourcePolicy", true)
}

// cfnOrgPolicy: an SCP or RCP (other policy types are not access
// policies), found by its Name, with its Content and TargetIds.
func cfnOrgPolicy(b cfnRes) ([]Change, error) {
	kind := KindSCP
	typ, _ := b.r.prop("Type").str()
	switch typ {
	case "SERVICE_CONTROL_POLICY":
	case "RESOURCE_CONTROL_POLICY":
		kind = KindRCP
	default:
		return nil, nil
	}
	c := b.change(kind)
	c.Account, c.Region = "", "" // the organization's
	if err := b.str(&c, "target", "Name", true, &c.Target); err != nil {
		return nil, err
	}
	c.Name = c.Target
	if err := b.doc(&c, "Content", true); err != nil {
		return nil, err
	}
	items, err := b.list("TargetIds")
	if err != nil {
		return nil, err
	}
	out := []Change{c}
	for _, it := range items {
		if it.unknown == nil {
			out[0].Attach = append(out[0].Attach, it.s)
			continue
		}
		// An attachment unknown until deployed: said, not applied.
		ac := b.change(kind)
		ac.Op, ac.Target, ac.Account, ac.Region = OpAdd, c.Target, "", ""
		_, _ = unknownFor(&ac, "attach", it.unknown)
		out = append(out, ac)
	}
	return out, nil
}
