package changeset

import (
	"encoding/json"
	"errors"
	"strconv"

	"github.com/keyhound/keyhound/graph/snapshot"
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
	"AWS::S3::Bucket":                     cfnBucket,
	"AWS::S3::BucketPolicy":               cfnBucketPolicy,
	"AWS::SecretsManager::Secret":         cfnSecret,
	"AWS::SecretsManager::ResourcePolicy": cfnSecretPolicy,
	"AWS::Organizations::Policy":          cfnOrgPolicy,
}

// CloudFormationTypes lists the resource types a template is read for;
// the others are ignored.
func CloudFormationTypes() []string { return sortedKeys(cfnMappers) }

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

// cfnBucket: a bucket's default encryption, when the template sets
// BucketEncryption (kept as GetBucketEncryption's shape in Document).
func cfnBucket(b cfnRes) ([]Change, error) {
	n := b.r.prop("BucketEncryption")
	if n == nil {
		return nil, nil
	}
	c := b.change(KindBucketEncryption)
	name, gen, err := b.t.named(b.r, "BucketName")
	if unk, err := unknownFor(&c, "target", err); err != nil {
		return nil, err
	} else if unk || gen {
		name = b.r.id
		if gen {
			c.Unknown = append(c.Unknown, Unknown{Field: "target", Attribute: b.path("BucketName") + " (not given: the name is generated when deployed)"})
		}
	}
	c.Target = name
	path := b.path("BucketEncryption")
	v, err := b.t.resolve(n, path)
	if unk, err := unknownFor(&c, "key", err); unk || err != nil {
		return []Change{c}, err
	}
	enc, _ := v.(map[string]any)
	rules, ok := enc["ServerSideEncryptionConfiguration"].([]any)
	if !ok {
		return nil, b.t.fail(n, path+".ServerSideEncryptionConfiguration", errors.New("missing, or not a list of rules"))
	}
	var cfg snapshot.ServerSideEncryptionConfiguration
	for _, x := range rules {
		m, _ := x.(map[string]any)
		rule := snapshot.ServerSideEncryptionRule{}
		rule.BucketKeyEnabled, _ = m["BucketKeyEnabled"].(bool)
		if d, ok := m["ServerSideEncryptionByDefault"].(map[string]any); ok {
			by := &snapshot.ServerSideEncryptionByDefault{}
			by.SSEAlgorithm, _ = d["SSEAlgorithm"].(string)
			by.KMSMasterKeyID, _ = d["KMSMasterKeyID"].(string)
			if c.Key == "" {
				c.Key = by.KMSMasterKeyID
			}
			rule.ApplyServerSideEncryptionByDefault = by
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	doc, err := json.Marshal(cfg)
	if err != nil {
		return nil, b.t.fail(n, path, err)
	}
	c.Document = string(doc)
	return []Change{c}, nil
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
