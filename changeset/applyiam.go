package changeset

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// principalRef is a user, group, role or managed policy named by ARN or
// as KIND/PATH/NAME.
type principalRef struct {
	kind, path, name, account string
}

// parsePrincipalRef reads an IAM ARN or KIND/[PATH/]NAME (role/Reader,
// policy/team/ReadOnly); a bare name is a role's.
func parsePrincipalRef(s string) principalRef {
	var p principalRef
	if svc, _, acct, res, ok := arnParts(s); ok && svc == "iam" {
		p.account, s = acct, res
	}
	kind, rest, ok := strings.Cut(s, "/")
	if !ok || !slices.Contains([]string{"role", "user", "group", "policy"}, kind) {
		kind, rest = "role", s
	}
	p.kind = kind
	if j := strings.LastIndexByte(rest, '/'); j >= 0 {
		p.path, p.name = "/"+rest[:j+1], rest[j+1:]
		p.path = strings.ReplaceAll(p.path, "//", "/")
	} else {
		p.name = rest
	}
	return p
}

// arn is the principal's ARN in account.
func (p principalRef) arn(partition, account string) string {
	path := p.path
	if path == "" {
		path = "/"
	}
	return "arn:" + partition + ":iam::" + account + ":" + p.kind + path + p.name
}

// has reports whether the account's IAM holds the named principal or policy.
func has(iam *snapshot.IAM, p principalRef) bool {
	if iam == nil {
		return false
	}
	switch p.kind {
	case "user":
		return slices.ContainsFunc(iam.UserDetailList, func(u snapshot.UserDetail) bool { return u.UserName == p.name })
	case "group":
		return slices.ContainsFunc(iam.GroupDetailList, func(g snapshot.GroupDetail) bool { return g.GroupName == p.name })
	case "policy":
		return slices.ContainsFunc(iam.Policies, func(m snapshot.ManagedPolicyDetail) bool {
			return m.PolicyName == p.name || strings.HasSuffix(m.Arn, "/"+p.name)
		})
	}
	return slices.ContainsFunc(iam.RoleDetailList, func(r snapshot.RoleDetail) bool { return r.RoleName == p.name })
}

// principalAccount is the account holding p: its ARN's, the change's, the
// only account that has one by that name, else the default account.
func (a *applier) principalAccount(c *Change, p principalRef) (account string, exists bool) {
	account = p.account
	if account == "" {
		account = c.Account
	}
	if account != "" {
		acc := a.out.Accounts[account]
		return account, acc != nil && has(acc.IAM, p)
	}
	var found []string
	for _, id := range a.accountIDs() {
		if has(a.out.Accounts[id].IAM, p) {
			found = append(found, id)
		}
	}
	switch {
	case len(found) == 1:
		return found[0], true
	case a.opts.account != "":
		return a.opts.account, slices.Contains(found, a.opts.account)
	case len(found) == 0 && len(a.out.Accounts) == 1:
		return a.accountIDs()[0], false
	}
	return "", false
}

// putInline returns the list with the inline policy put (doc != "") or deleted.
func putInline(list []snapshot.PolicyDetail, name, doc string, remove bool) []snapshot.PolicyDetail {
	out := slices.DeleteFunc(slices.Clone(list), func(p snapshot.PolicyDetail) bool { return p.PolicyName == name })
	if !remove {
		out = append(out, snapshot.PolicyDetail{PolicyName: name, PolicyDocument: doc})
	}
	return out
}

// attach returns the list with the managed policy attached or detached.
func attach(list []snapshot.AttachedPolicy, arn string, remove bool) []snapshot.AttachedPolicy {
	out := slices.DeleteFunc(slices.Clone(list), func(p snapshot.AttachedPolicy) bool { return p.PolicyArn == arn })
	if !remove {
		name := arn[strings.LastIndexByte(arn, '/')+1:]
		out = append(out, snapshot.AttachedPolicy{PolicyName: name, PolicyArn: arn})
	}
	return out
}

func (a *applier) identityPolicy(c *Change) error {
	p := parsePrincipalRef(c.Target)
	account, exists := a.principalAccount(c, p)
	if account == "" {
		a.unplaced(c, "%s %s: in no account of the snapshot, or in several (give its ARN, or WithAccount)", p.kind, p.name)
		return nil
	}
	if p.kind == "policy" {
		return a.managedPolicy(c, p, account, exists)
	}
	if !exists {
		a.unplaced(c, "no %s %s in account %s", p.kind, p.name, account)
		return nil
	}
	if c.PolicyARN == "" && c.IsUnknown("policy") {
		a.unplaced(c, "the managed policy attached is unknown until apply")
		return nil
	}
	iam := a.iam(account)
	remove := c.Op == OpRemove
	if strings.HasPrefix(c.PolicyARN, "policy/") {
		// A managed policy the same changes create, named before its ARN is known.
		c2 := *c
		c2.PolicyARN = parsePrincipalRef(c.PolicyARN).arn(a.partition, account)
		c = &c2
	}
	doc := func(arn string) string {
		if c.PolicyARN != "" || remove {
			return ""
		}
		return a.docOrUnknown(c, arn)
	}
	var arn string
	switch p.kind {
	case "user":
		i := slices.IndexFunc(iam.UserDetailList, func(u snapshot.UserDetail) bool { return u.UserName == p.name })
		u := &iam.UserDetailList[i]
		arn = u.Arn
		if c.PolicyARN != "" {
			u.AttachedManagedPolicies = attach(u.AttachedManagedPolicies, c.PolicyARN, remove)
		} else {
			u.UserPolicyList = putInline(u.UserPolicyList, c.Name, doc(arn), remove)
		}
	case "group":
		i := slices.IndexFunc(iam.GroupDetailList, func(g snapshot.GroupDetail) bool { return g.GroupName == p.name })
		g := &iam.GroupDetailList[i]
		arn = g.Arn
		if c.PolicyARN != "" {
			g.AttachedManagedPolicies = attach(g.AttachedManagedPolicies, c.PolicyARN, remove)
		} else {
			g.GroupPolicyList = putInline(g.GroupPolicyList, c.Name, doc(arn), remove)
		}
		// The group's members' access changes.
		for _, u := range iam.UserDetailList {
			if slices.Contains(u.GroupList, p.name) {
				a.princ.add(u.Arn)
			}
		}
	default:
		i := slices.IndexFunc(iam.RoleDetailList, func(r snapshot.RoleDetail) bool { return r.RoleName == p.name })
		r := &iam.RoleDetailList[i]
		arn = r.Arn
		if c.PolicyARN != "" {
			r.AttachedManagedPolicies = attach(r.AttachedManagedPolicies, c.PolicyARN, remove)
		} else {
			r.RolePolicyList = putInline(r.RolePolicyList, c.Name, doc(arn), remove)
		}
	}
	a.princ.add(arn)
	a.entry(c, arn, false)
	return nil
}

// managedPolicy creates a managed policy, gives it a new default version,
// or deletes it; every principal it is attached to is affected.
func (a *applier) managedPolicy(c *Change, p principalRef, account string, exists bool) error {
	iam := a.iam(account)
	i := slices.IndexFunc(iam.Policies, func(m snapshot.ManagedPolicyDetail) bool {
		return m.PolicyName == p.name || strings.HasSuffix(m.Arn, "/"+p.name)
	})
	arn := p.arn(a.partition, account)
	if i >= 0 {
		arn = iam.Policies[i].Arn
	}
	a.attachedTo(iam, arn)
	switch {
	case !exists && c.Op == OpRemove:
		a.unplaced(c, "no managed policy %s in account %s", p.name, account)
	case c.Op == OpRemove:
		iam.Policies = slices.Delete(iam.Policies, i, i+1)
		a.entry(c, arn, false)
	case !exists:
		doc := a.docOrUnknown(c, arn)
		iam.Policies = append(iam.Policies, snapshot.ManagedPolicyDetail{
			PolicyName: p.name, Arn: arn, Path: p.path, DefaultVersionID: "v1", IsAttachable: true,
			PolicyVersionList: []snapshot.PolicyVersion{{Document: doc, VersionID: "v1", IsDefaultVersion: true}},
		})
		a.entry(c, arn, true)
	default:
		m := &iam.Policies[i]
		doc := a.docOrUnknown(c, arn)
		versions := make([]snapshot.PolicyVersion, 0, len(m.PolicyVersionList)+1)
		for _, v := range m.PolicyVersionList {
			v.IsDefaultVersion = false
			versions = append(versions, v)
		}
		id := "v" + itoa(len(m.PolicyVersionList)+1) + "-proposed"
		versions = append(versions, snapshot.PolicyVersion{Document: doc, VersionID: id, IsDefaultVersion: true})
		m.PolicyVersionList = versions
		m.DefaultVersionID = id
		a.entry(c, arn, false)
	}
	return nil
}

// attachedTo marks the principals a managed policy is attached to.
func (a *applier) attachedTo(iam *snapshot.IAM, arn string) {
	on := func(l []snapshot.AttachedPolicy) bool {
		return slices.ContainsFunc(l, func(p snapshot.AttachedPolicy) bool { return p.PolicyArn == arn })
	}
	groups := map[string]bool{}
	for _, g := range iam.GroupDetailList {
		if on(g.AttachedManagedPolicies) {
			groups[g.GroupName] = true
			a.princ.add(g.Arn)
		}
	}
	for _, u := range iam.UserDetailList {
		if on(u.AttachedManagedPolicies) || slices.ContainsFunc(u.GroupList, func(g string) bool { return groups[g] }) {
			a.princ.add(u.Arn)
		}
	}
	for _, r := range iam.RoleDetailList {
		if on(r.AttachedManagedPolicies) {
			a.princ.add(r.Arn)
		}
	}
}

// trustPolicy replaces a role's trust policy, creates the role (add, or a
// replace of a role not in the snapshot) or deletes it.
func (a *applier) trustPolicy(c *Change) error {
	p := parsePrincipalRef(c.Target)
	p.kind = "role"
	account, exists := a.principalAccount(c, p)
	if account == "" {
		a.unplaced(c, "role %s: in no account of the snapshot, or in several (give its ARN, or WithAccount)", p.name)
		return nil
	}
	if !exists && c.Op == OpRemove {
		a.unplaced(c, "no role %s in account %s", p.name, account)
		return nil
	}
	iam := a.iam(account)
	i := slices.IndexFunc(iam.RoleDetailList, func(r snapshot.RoleDetail) bool { return r.RoleName == p.name })
	switch {
	case c.Op == OpRemove:
		arn := iam.RoleDetailList[i].Arn
		iam.RoleDetailList = slices.Delete(iam.RoleDetailList, i, i+1)
		a.princ.add(arn)
		a.entry(c, arn, false)
	case i < 0:
		arn := p.arn(a.partition, account)
		path := p.path
		if path == "" {
			path = "/"
		}
		iam.RoleDetailList = append(iam.RoleDetailList, snapshot.RoleDetail{
			Path: path, RoleName: p.name, Arn: arn, AssumeRolePolicyDocument: a.docOrUnknown(c, arn),
		})
		a.princ.add(arn)
		a.entry(c, arn, true)
	default:
		r := &iam.RoleDetailList[i]
		r.AssumeRolePolicyDocument = a.docOrUnknown(c, r.Arn)
		a.princ.add(r.Arn)
		a.entry(c, r.Arn, false)
	}
	return nil
}
