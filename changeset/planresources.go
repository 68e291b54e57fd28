package changeset

import (
	"encoding/json"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// resourceMappers turn one Terraform resource change into keyhound changes,
// by resource type (AWS provider argument and attribute names).
var resourceMappers = map[string]func(*resource) []Change{
	"aws_kms_key":                                        kmsKey,
	"aws_kms_key_policy":                                 kmsKeyPolicy,
	"aws_kms_grant":                                      kmsGrant,
	"aws_kms_alias":                                      kmsAlias,
	"aws_iam_role":                                       iamRole,
	"aws_iam_role_policy":                                inlinePolicy("role"),
	"aws_iam_user_policy":                                inlinePolicy("user"),
	"aws_iam_group_policy":                               inlinePolicy("group"),
	"aws_iam_role_policy_attachment":                     policyAttachment("role"),
	"aws_iam_user_policy_attachment":                     policyAttachment("user"),
	"aws_iam_group_policy_attachment":                    policyAttachment("group"),
	"aws_iam_policy":                                     iamPolicy,
	"aws_organizations_policy":                           orgPolicy,
	"aws_organizations_policy_attachment":                orgPolicyAttachment,
	"aws_s3_bucket_policy":                               bucketPolicy,
	"aws_s3_bucket_server_side_encryption_configuration": bucketEncryption,
	"aws_snapshot_create_volume_permission":              snapshotSharing,
	"aws_secretsmanager_secret":                          secret,
	"aws_secretsmanager_secret_policy":                   secretPolicy,
}

// SupportedTypes lists the Terraform resource types a plan is read for;
// the others are ignored.
func SupportedTypes() []string {
	out := make([]string, 0, len(resourceMappers))
	for t := range resourceMappers {
		out = append(out, t)
	}
	return sortStrings(out)
}

// kmsKey: a key created (with its policy, or the default key policy when
// the plan sets none), its policy changed, disabled, or scheduled for
// deletion.
func kmsKey(r *resource) []Change {
	c := r.change(KindKeyPolicy)
	if r.replace {
		// A new key replaces the old: the old one is scheduled for deletion.
		old := c
		old.Op, old.Target = OpRemove, r.beforeStr("arn")
		c.Op = OpAdd
		r.target(&c, "arn", "key_id")
		r.document(&c, "policy")
		return []Change{old, c}
	}
	r.target(&c, "arn", "key_id")
	if c.Op == OpAdd && r.unknownAt("policy") && r.p.refs.notConfigured(r.address, "policy") {
		// No policy configured: KMS gives the default key policy (Document "").
		return []Change{c}
	}
	if c.Op != OpRemove {
		r.document(&c, "policy")
		if c.Op == OpReplace && c.Document == "" && !c.IsUnknown("document") {
			return nil // the policy is not managed here
		}
	}
	return []Change{c}
}

// kmsKeyPolicy: the key policy; deleting the resource leaves the key's
// policy as the default key policy (Document "").
func kmsKeyPolicy(r *resource) []Change {
	c := r.change(KindKeyPolicy)
	r.target(&c, "key_id")
	if c.Op == OpRemove {
		c.Op = OpReplace
		return []Change{c}
	}
	c.Op = OpReplace
	r.document(&c, "policy")
	return []Change{c}
}

// kmsGrant: a grant created or retired (grants cannot be updated: any
// change is a replace).
func kmsGrant(r *resource) []Change {
	var out []Change
	if r.op == OpRemove || r.replace {
		c := r.change(KindGrant)
		c.Op, c.Target, c.Name = OpRemove, r.beforeStr("key_id"), r.beforeStr("name")
		c.Grant = &snapshot.Grant{GrantID: r.beforeStr("grant_id"), Name: r.beforeStr("name")}
		out = append(out, c)
		if r.op == OpRemove {
			return out
		}
	}
	c := r.change(KindGrant)
	c.Op = OpAdd
	r.target(&c, "key_id")
	g := &snapshot.Grant{Name: r.known("name"), RetiringPrincipal: r.known("retiring_principal")}
	if !r.markUnknown(&c, "grantee", "grantee_principal") {
		g.GranteePrincipal = r.known("grantee_principal")
	}
	if !r.markUnknown(&c, "grant", "operations") {
		g.Operations = r.strings("operations")
	}
	if r.markUnknown(&c, "grant", "constraints") {
		return append(out, c)
	}
	if l, ok := r.after["constraints"].([]any); ok && len(l) > 0 {
		if m, ok := l[0].(map[string]any); ok {
			g.Constraints = &snapshot.GrantConstraints{
				EncryptionContextEquals: stringMap(m["encryption_context_equals"]),
				EncryptionContextSubset: stringMap(m["encryption_context_subset"]),
			}
		}
	}
	c.Name, c.Grant = g.Name, g
	return append(out, c)
}

func stringMap(v any) map[string]string {
	m, _ := v.(map[string]any)
	if len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		out[k], _ = x.(string)
	}
	return out
}

// kmsAlias: an alias pointed at a key, moved, or deleted.
func kmsAlias(r *resource) []Change {
	c := r.change(KindAlias)
	r.target(&c, "name")
	if c.Op != OpRemove && !r.markUnknown(&c, "key", "target_key_id") {
		c.Key = r.known("target_key_id")
	}
	if r.replace && r.beforeStr("name") != c.Target {
		old := r.change(KindAlias)
		old.Op, old.Target = OpRemove, r.beforeStr("name")
		return []Change{old, c}
	}
	return []Change{c}
}

// iamRole: the trust policy (creating or deleting the role) and the
// inline_policy blocks (each put, or deleted when it went).
func iamRole(r *resource) []Change {
	c := r.change(KindTrustPolicy)
	r.principalTarget(&c, "role")
	if c.Op != OpRemove {
		r.document(&c, "assume_role_policy")
	}
	if r.replace {
		c.Op = OpAdd
		old := c
		old.Op, old.Document, old.Unknown = OpRemove, "", nil
		return []Change{old, c}
	}
	out := []Change{c}
	if c.Op == OpRemove {
		return out
	}
	blocks := func(v map[string]any) map[string]string {
		out := map[string]string{}
		l, _ := v["inline_policy"].([]any)
		for _, b := range l {
			if m, ok := b.(map[string]any); ok {
				if n, _ := m["name"].(string); n != "" {
					out[n], _ = m["policy"].(string)
				}
			}
		}
		return out
	}
	before, after := blocks(r.before), blocks(r.after)
	l, _ := r.after["inline_policy"].([]any)
	for i, b := range l {
		m, _ := b.(map[string]any)
		name, _ := m["name"].(string)
		if name == "" || r.unknownAt("inline_policy", i, "name") {
			continue
		}
		ic := r.change(KindIdentityPolicy)
		ic.Target, ic.Name, ic.Unknown = c.Target, name, targetUnknowns(c.Unknown)
		if r.unknownAt("inline_policy", i, "policy") {
			ic.Unknown = append(ic.Unknown, Unknown{Field: "document", Attribute: r.address + ".inline_policy[" + itoa(i) + "].policy"})
		} else if old, ok := before[name]; ok && old == after[name] {
			continue
		} else {
			ic.Document = compactJSON(after[name])
		}
		if _, ok := before[name]; !ok {
			ic.Op = OpAdd
		}
		out = append(out, ic)
	}
	for _, name := range sortedKeys(before) {
		if _, ok := after[name]; !ok && !r.unknownAt("inline_policy") {
			ic := r.change(KindIdentityPolicy)
			ic.Op, ic.Target, ic.Name, ic.Unknown = OpRemove, c.Target, name, targetUnknowns(c.Unknown)
			out = append(out, ic)
		}
	}
	return append(out, r.managedPolicyARNs(c)...)
}

// managedPolicyARNs: aws_iam_role's managed_policy_arns (exclusive: the
// ARNs that went are detached, those that came attached), when configured.
func (r *resource) managedPolicyARNs(c Change) []Change {
	if _, ok := r.after["managed_policy_arns"]; !ok || r.unknownAt("managed_policy_arns") {
		if r.unknownAt("managed_policy_arns") && r.op == OpReplace {
			mc := r.change(KindIdentityPolicy)
			mc.Target = c.Target
			mc.Unknown = append(targetUnknowns(c.Unknown), Unknown{Field: "policy", Attribute: r.address + ".managed_policy_arns"})
			return []Change{mc}
		}
		return nil
	}
	list := func(v map[string]any) map[string]bool {
		out := map[string]bool{}
		l, _ := v["managed_policy_arns"].([]any)
		for _, x := range l {
			if s, ok := x.(string); ok {
				out[s] = true
			}
		}
		return out
	}
	before, after := list(r.before), list(r.after)
	var out []Change
	for _, arn := range sortedKeys(after) {
		if !before[arn] {
			mc := r.change(KindIdentityPolicy)
			mc.Op, mc.Target, mc.PolicyARN, mc.Unknown = OpAdd, c.Target, arn, targetUnknowns(c.Unknown)
			out = append(out, mc)
		}
	}
	for _, arn := range sortedKeys(before) {
		if !after[arn] {
			mc := r.change(KindIdentityPolicy)
			mc.Op, mc.Target, mc.PolicyARN, mc.Unknown = OpRemove, c.Target, arn, targetUnknowns(c.Unknown)
			out = append(out, mc)
		}
	}
	return out
}

func targetUnknowns(u []Unknown) []Unknown {
	var out []Unknown
	for _, x := range u {
		if x.Field == "target" {
			out = append(out, x)
		}
	}
	return out
}

// principalTarget names a user, group or role by ARN when known, else as
// "KIND/PATHNAME" (role/app/Reader): names are unique within an account only.
func (r *resource) principalTarget(c *Change, kind string) {
	if s, ok := r.str("arn"); ok && s != "" {
		c.Target = s
		return
	}
	if name, ok := r.str("name"); ok && name != "" {
		c.Target = kind + pathOf(r.known("path")) + name
		return
	}
	r.target(c, "arn")
}

func pathOf(p string) string {
	if p == "" {
		return "/"
	}
	return p
}

// inlinePolicy: aws_iam_{role,user,group}_policy.
func inlinePolicy(kind string) func(*resource) []Change {
	return func(r *resource) []Change {
		c := r.change(KindIdentityPolicy)
		r.target(&c, kind)
		if !c.IsUnknown("target") && !strings.HasPrefix(c.Target, kind+"/") {
			c.Target = kind + "/" + c.Target
		}
		if !r.markUnknown(&c, "name", "name") {
			c.Name = r.known("name")
		}
		if c.Op != OpRemove {
			r.document(&c, "policy")
		}
		return []Change{c}
	}
}

// policyAttachment: aws_iam_{role,user,group}_policy_attachment.
func policyAttachment(kind string) func(*resource) []Change {
	return func(r *resource) []Change {
		var out []Change
		if r.replace {
			old := r.change(KindIdentityPolicy)
			old.Op, old.Target, old.PolicyARN = OpRemove, kind+"/"+r.beforeStr(kind), r.beforeStr("policy_arn")
			out = append(out, old)
		}
		c := r.change(KindIdentityPolicy)
		if r.replace {
			c.Op = OpAdd
		}
		r.target(&c, kind)
		if !c.IsUnknown("target") && !strings.HasPrefix(c.Target, kind+"/") {
			c.Target = kind + "/" + c.Target
		}
		if !r.markUnknown(&c, "policy", "policy_arn") {
			c.PolicyARN = r.known("policy_arn")
		}
		return append(out, c)
	}
}

// iamPolicy: a managed policy created, given a new default version, or deleted.
func iamPolicy(r *resource) []Change {
	c := r.change(KindIdentityPolicy)
	if s, ok := r.str("arn"); ok && s != "" {
		c.Target = s
	} else if name, ok := r.str("name"); ok && name != "" {
		c.Target = "policy" + pathOf(r.known("path")) + name
	} else {
		r.target(&c, "arn")
	}
	if c.Op != OpRemove {
		r.document(&c, "policy")
	}
	if r.replace {
		c.Op = OpAdd
	}
	return []Change{c}
}

// orgPolicy: an SCP or RCP created, rewritten or deleted; other
// organization policy types are not access policies and are skipped.
func orgPolicy(r *resource) []Change {
	kind := KindSCP
	switch typ := r.known("type"); typ {
	case "", snapshot.PolicyTypeSCP:
	case snapshot.PolicyTypeRCP:
		kind = KindRCP
	default:
		return nil
	}
	c := r.change(kind)
	c.Region = ""
	r.target(&c, "id", "arn")
	if c.IsUnknown("target") && r.known("name") != "" {
		c.Target = r.known("name")
	}
	c.Name = r.known("name")
	if c.Op != OpRemove {
		r.document(&c, "content")
	}
	if r.replace {
		c.Op = OpAdd
	}
	return []Change{c}
}

// orgPolicyAttachment: an SCP or RCP attached to or detached from a root,
// OU or account. Its kind is the attached policy's, found by Apply.
func orgPolicyAttachment(r *resource) []Change {
	var out []Change
	if r.replace {
		old := r.change(KindSCP)
		old.Op, old.Region, old.Target, old.Attach = OpRemove, "", r.beforeStr("policy_id"), []string{r.beforeStr("target_id")}
		out = append(out, old)
	}
	c := r.change(KindSCP)
	c.Region = ""
	if r.replace {
		c.Op = OpAdd
	}
	r.target(&c, "policy_id")
	if !r.markUnknown(&c, "attach", "target_id") {
		c.Attach = []string{r.known("target_id")}
	}
	return append(out, c)
}

func bucketPolicy(r *resource) []Change {
	c := r.change(KindBucketPolicy)
	r.target(&c, "bucket")
	if c.Op != OpRemove {
		r.document(&c, "policy")
	}
	return []Change{c}
}

// bucketEncryption: the bucket's default encryption, kept as
// GetBucketEncryption's shape in Document.
func bucketEncryption(r *resource) []Change {
	c := r.change(KindBucketEncryption)
	r.target(&c, "bucket")
	if c.Op == OpRemove {
		return []Change{c}
	}
	if r.markUnknown(&c, "key", "rule") {
		return []Change{c}
	}
	var cfg snapshot.ServerSideEncryptionConfiguration
	rules, _ := r.after["rule"].([]any)
	for i, x := range rules {
		m, _ := x.(map[string]any)
		rule := snapshot.ServerSideEncryptionRule{}
		rule.BucketKeyEnabled, _ = m["bucket_key_enabled"].(bool)
		if l, ok := m["apply_server_side_encryption_by_default"].([]any); ok && len(l) > 0 {
			d, _ := l[0].(map[string]any)
			by := &snapshot.ServerSideEncryptionByDefault{}
			by.SSEAlgorithm, _ = d["sse_algorithm"].(string)
			if r.unknownAt("rule", i, "apply_server_side_encryption_by_default", 0, "kms_master_key_id") {
				c.Unknown = append(c.Unknown, Unknown{Field: "key", Attribute: r.address + ".rule"})
			} else {
				by.KMSMasterKeyID, _ = d["kms_master_key_id"].(string)
				if c.Key == "" {
					c.Key = by.KMSMasterKeyID
				}
			}
			rule.ApplyServerSideEncryptionByDefault = by
		}
		cfg.Rules = append(cfg.Rules, rule)
	}
	b, _ := json.Marshal(cfg)
	c.Document = string(b)
	return []Change{c}
}

// snapshotSharing: aws_snapshot_create_volume_permission (an account ID).
func snapshotSharing(r *resource) []Change {
	c := r.change(KindSnapshotSharing)
	r.target(&c, "snapshot_id")
	if !r.markUnknown(&c, "grantee", "account_id") {
		c.Grantee = r.known("account_id")
	}
	if r.replace {
		old := c
		old.Op, old.Target, old.Grantee, old.Unknown = OpRemove, r.beforeStr("snapshot_id"), r.beforeStr("account_id"), nil
		c.Op = OpAdd
		return []Change{old, c}
	}
	return []Change{c}
}

// secret: a secret's key and policy (deleting the secret deletes its policy).
func secret(r *resource) []Change {
	c := r.change(KindSecret)
	r.target(&c, "arn", "name")
	if c.IsUnknown("target") && r.known("name") != "" {
		c.Target = r.known("name")
	}
	if c.Op == OpRemove {
		return []Change{c}
	}
	if !r.markUnknown(&c, "key", "kms_key_id") {
		c.Key = r.known("kms_key_id")
	}
	if _, set := r.after["policy"]; set || r.unknownAt("policy") {
		r.document(&c, "policy")
	}
	if r.replace {
		c.Op = OpAdd
	}
	return []Change{c}
}

// secretPolicy: aws_secretsmanager_secret_policy.
func secretPolicy(r *resource) []Change {
	c := r.change(KindSecret)
	r.target(&c, "secret_arn")
	if c.Op != OpRemove {
		r.document(&c, "policy")
		c.Op = OpReplace
	}
	return []Change{c}
}
