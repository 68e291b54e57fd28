package graph

import (
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Principal is an IAM user or role of an account in the snapshot, with every
// policy that applies to it.
type Principal struct {
	ARN     string
	Account string
	Name    string
	Path    string
	ID      string // AIDA… / AROA… unique ID
	Tags    map[string]string
	// Policies are its identity policies: inline, attached managed, and (for
	// users) its groups' inline and managed policies.
	Policies []eval.NamedPolicy
	Boundary *eval.NamedPolicy
	// Trust is a role's trust policy.
	Trust *eval.NamedPolicy
	// Issues are unparseable or uncollected policies this principal's
	// answers depend on.
	Issues []Issue
	// odd, when not nil, is the ARN as arn.ParsePrincipal reads it where
	// that differs from the fields (arnParsed): a copy in each principal
	// was 100 bytes of its 350. Its partition is the ARN's (arnPartition).
	// tagKeys are its tags as aws:PrincipalTag/ keys.
	odd     *arn.Principal
	tagKeys []tagKey
	// plainARN is a role's ARN without its path, as policies may name it.
	plainARN string
	// class and tagsID say which principals who-can may answer alike
	// (share.go).
	class        *class
	tagsID       int32
	accountIndex int32
	condBits     uint64
	// assumers caches assumersOf.
	assumers atomic.Pointer[[]*Principal]
	// seq is its place in Principals, from 1 (Seq).
	seq  int32
	Kind arn.PrincipalKind // KindUser or KindRole
	// outside: g.external(Account), computed once.
	outside bool
}

// Seq is the principal's place among its graph's principals (Principals'
// order), from 1 to their number: callers may index a slice by it. 0 for a
// principal not of a built graph.
func (p *Principal) Seq() int { return int(p.seq) }

type tagKey struct {
	key   policy.Key
	value string
}

// arnParsed returns the principal's ARN as arn.ParsePrincipal reads it
// (the zero Principal when it cannot): its fields, unless they differ.
func (p *Principal) arnParsed() arn.Principal {
	if p.odd != nil {
		return *p.odd
	}
	return arn.Principal{ARN: p.ARN, Kind: p.Kind, Partition: p.arnPartition(), AccountID: p.Account, Name: p.Name, Path: p.Path}
}

// arnPartition is arnParsed().Partition: the ARN's second field, which
// arn.ParsePrincipal read (odd is nil) when it differs in nothing else.
func (p *Principal) arnPartition() string {
	if p.odd != nil {
		return p.odd.Partition
	}
	rest, ok := strings.CutPrefix(p.ARN, "arn:")
	if !ok {
		return "" // not made by addPrincipal
	}
	partition, _, _ := strings.Cut(rest, ":")
	return partition
}

// ServiceLinked reports whether the principal is a service-linked role.
func (p *Principal) ServiceLinked() bool {
	return p.Kind == arn.KindRole && len(p.Path) >= 18 && p.Path[:18] == "/aws-service-role/"
}

func (b *builder) buildPrincipals(account string, iam *snapshot.IAM, base string) {
	if iam == nil {
		return
	}
	managed := map[string]*eval.NamedPolicy{}
	managedIssue := map[string]*Issue{}
	for i := range iam.Policies {
		mp := &iam.Policies[i]
		path := base + ".Policies[" + strconv.Itoa(i) + "]"
		doc, ok := mp.DefaultDocument()
		if !ok {
			iss := Issue{Account: account, Item: mp.Arn, Path: path, Message: "managed policy has no default version"}
			b.issue(iss)
			managedIssue[mp.Arn] = &iss
			continue
		}
		name := mp.PolicyName
		if name == "" {
			name = lastSegment(mp.Arn) // moto omits PolicyName
		}
		np, iss := b.parsePolicy(doc, name, mp.Arn, account, "", mp.Arn, path+".PolicyVersionList")
		managed[mp.Arn], managedIssue[mp.Arn] = np, iss
	}
	attach := func(p *Principal, list []snapshot.AttachedPolicy) {
		for _, ap := range list {
			if np := managed[ap.PolicyArn]; np != nil {
				p.Policies = append(p.Policies, *np)
				continue
			}
			if iss := managedIssue[ap.PolicyArn]; iss != nil {
				p.Issues = append(p.Issues, *iss)
				continue
			}
			p.Issues = append(p.Issues, Issue{
				Account: account, Item: ap.PolicyArn, Path: base + ".Policies",
				Message: "attached managed policy " + ap.PolicyArn + " was not collected: its permissions are unknown",
			})
		}
	}
	// inline adds the principal's inline policies: those of list, the
	// element kind[index].listName of the IAM section (its path, made for
	// an issue only: half a million roles' paths were garbage).
	inline := func(p *Principal, list []snapshot.PolicyDetail, kind string, index int, listName string) {
		for i, pd := range list {
			if c := b.lookup(pd.PolicyDocument); c.err == nil {
				p.Policies = append(p.Policies, eval.NamedPolicy{Name: pd.PolicyName, Policy: c.p})
				continue
			}
			path := base + "." + kind + "[" + strconv.Itoa(index) + "]." + listName + "[" + strconv.Itoa(i) + "].PolicyDocument"
			_, iss := b.parsePolicy(pd.PolicyDocument, pd.PolicyName, "", account, "", p.ARN, path)
			p.Issues = append(p.Issues, *iss)
		}
	}
	boundary := func(p *Principal, pb *snapshot.AttachedPermissionsBoundary) {
		if pb == nil {
			return
		}
		if np := managed[pb.PermissionsBoundaryArn]; np != nil {
			p.Boundary = np
			return
		}
		// A boundary we cannot read still limits: keep an empty boundary
		// (it allows nothing) and say so.
		p.Boundary = &eval.NamedPolicy{Name: lastSegment(pb.PermissionsBoundaryArn), ARN: pb.PermissionsBoundaryArn}
		p.Issues = append(p.Issues, Issue{
			Account: account, Item: pb.PermissionsBoundaryArn, Path: base + ".Policies",
			Message: "permissions boundary " + pb.PermissionsBoundaryArn + " was not collected or does not parse",
		})
	}
	// buf is where each principal's policies are listed before share
	// keeps one copy of each list.
	share, buf := newPolicyShare(), make([]eval.NamedPolicy, 0, 8)
	groups := map[string]*Principal{}
	for i := range iam.GroupDetailList {
		gd := &iam.GroupDetailList[i]
		g := &Principal{ARN: gd.Arn, Name: gd.GroupName, Account: account}
		inline(g, gd.GroupPolicyList, "GroupDetailList", i, "GroupPolicyList")
		attach(g, gd.AttachedManagedPolicies)
		groups[gd.GroupName] = g
	}
	for i := range iam.UserDetailList {
		ud := &iam.UserDetailList[i]
		p := &Principal{ARN: ud.Arn, Kind: arn.KindUser, Account: account, Name: ud.UserName, Path: ud.Path, ID: ud.UserID}
		p.Tags, p.tagKeys = b.tags(ud.Tags)
		inline(p, ud.UserPolicyList, "UserDetailList", i, "UserPolicyList")
		attach(p, ud.AttachedManagedPolicies)
		for _, gn := range ud.GroupList {
			if g := groups[gn]; g != nil {
				p.Policies = append(p.Policies, g.Policies...)
				p.Issues = append(p.Issues, g.Issues...)
			} else if iam.GroupDetailList != nil {
				p.Issues = append(p.Issues, Issue{Account: account, Item: ud.Arn, Path: base + ".GroupDetailList", Message: "group " + gn + " was not collected"})
			}
		}
		if len(p.Policies) > 0 {
			p.Policies = share.list(p.Policies)
		}
		boundary(p, ud.PermissionsBoundary)
		b.addPrincipal(p)
	}
	for i := range iam.RoleDetailList {
		rd := &iam.RoleDetailList[i]
		p := &Principal{ARN: rd.Arn, Kind: arn.KindRole, Account: account, Name: rd.RoleName, Path: rd.Path, ID: rd.RoleID}
		p.Tags, p.tagKeys = b.tags(rd.Tags)
		if len(rd.RolePolicyList)+len(rd.AttachedManagedPolicies) > 0 {
			p.Policies = buf[:0] // not nil: it has policies, read or not
		}
		inline(p, rd.RolePolicyList, "RoleDetailList", i, "RolePolicyList")
		attach(p, rd.AttachedManagedPolicies)
		if p.Policies != nil {
			buf, p.Policies = p.Policies[:0], share.list(p.Policies)
		}
		boundary(p, rd.PermissionsBoundary)
		if doc := rd.AssumeRolePolicyDocument; doc != "" {
			if c := b.lookup(doc); c.err == nil {
				p.Trust = share.trust(c.p)
			} else {
				_, iss := b.parsePolicy(doc, "trust policy", "", account, "", rd.Arn, base+".RoleDetailList["+strconv.Itoa(i)+"].AssumeRolePolicyDocument")
				p.Issues = append(p.Issues, *iss)
			}
		}
		b.addPrincipal(p)
	}
}

func (b *builder) addPrincipal(p *Principal) {
	if p.Path == "" {
		p.Path = "/"
	}
	pp, err := arn.ParsePrincipal(p.ARN)
	if err != nil {
		pp = arn.Principal{} // unparseable: as if nothing were known
	}
	if pp != p.arnParsed() {
		odd := pp // on the heap only here
		p.odd = &odd
	}
	if p.Kind == arn.KindRole {
		p.plainARN = p.ARN // a role of path "/": its ARN, not a copy
		if !isPlainRoleARN(p.ARN, b.g.partition, p.Account, p.Name) {
			p.plainARN = "arn:" + b.g.partition + ":iam::" + p.Account + ":role/" + p.Name
		}
	}
	if p.tagKeys == nil && len(p.Tags) > 0 {
		p.tagKeys = tagKeysOf(p.Tags)
	}
	b.order = append(b.order, p) // the graph's maps: addPrincipals
}

// tagMap is a principal's tags as a map, shared read-only with every
// principal of the same tags: an organization's roles repeat a few tag sets
// (ABAC), and half a million small maps were 157 MB of a 5,000-account
// graph. Nothing changes a principal's Tags once built.
func (b *builder) tagMap(tags []snapshot.Tag) map[string]string {
	m, _ := b.tags(tags)
	return m
}

// tagSet is a set of tags as a map and as aws:PrincipalTag/ keys, in key
// order: both shared by the principals that carry it.
type tagSet struct {
	m    map[string]string
	keys []tagKey
}

// tags is tagMap with the tags as context keys (Principal.tagKeys), shared
// too: half a million principals made as many key slices.
func (b *builder) tags(tags []snapshot.Tag) (map[string]string, []tagKey) {
	return b.tagSetOf(len(tags), func(i int) (string, string) { return tags[i].Key, tags[i].Value })
}

// keyTags is a key's tags as a map, shared read-only like a principal's
// (tagMap): keys repeat their tags too, and 120,000 small maps were 31 MB
// of 5,000 generated accounts' graph. Tags collected and none are an
// empty map, not nil.
func (b *builder) keyTags(tags []snapshot.KMSTag) map[string]string {
	if len(tags) == 0 {
		if tags == nil {
			return nil
		}
		return map[string]string{}
	}
	m, _ := b.tagSetOf(len(tags), func(i int) (string, string) { return tags[i].TagKey, tags[i].TagValue })
	return m
}

// tagSetOf is tags and tagKeys' shared set of the n tags at returns.
func (b *builder) tagSetOf(n int, at func(int) (key, value string)) (map[string]string, []tagKey) {
	if n == 0 {
		return nil, nil
	}
	sig := b.tagSig[:0]
	for i := range n {
		k, v := at(i)
		// Lengths first: no key or value can be mistaken for another's.
		sig = strconv.AppendInt(sig, int64(len(k)), 10)
		sig = append(sig, ':')
		sig = append(sig, k...)
		sig = strconv.AppendInt(sig, int64(len(v)), 10)
		sig = append(sig, ':')
		sig = append(sig, v...)
	}
	b.tagSig = sig
	if ts, ok := b.tagSets[string(sig)]; ok {
		return ts.m, ts.keys
	}
	m := make(map[string]string, n)
	for i := range n {
		k, v := at(i)
		m[k] = v
	}
	ts := tagSet{m: m, keys: tagKeysOf(m)}
	if b.tagSets == nil {
		b.tagSets = map[string]tagSet{}
	}
	b.tagSets[string(sig)] = ts
	return ts.m, ts.keys
}

// tagKeysOf is a tag map as aws:PrincipalTag/ context keys, in key order
// (clipped: shared, never appended to in place).
func tagKeysOf(tags map[string]string) []tagKey {
	var out []tagKey
	for _, k := range sortedKeys(tags) {
		out = append(out, tagKey{policy.MakeKey("aws:PrincipalTag/" + k), tags[k]})
	}
	return slices.Clip(out)
}

func lastSegment(s string) string {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' || s[i] == ':' {
			return s[i+1:]
		}
	}
	return s
}

// isPlainRoleARN reports whether s is "arn:PARTITION:iam::ACCOUNT:role/NAME"
// (the ARN of a role of path "/"), without making that string.
func isPlainRoleARN(s, partition, account, name string) bool {
	for _, part := range [...]string{"arn:", partition, ":iam::", account, ":role/", name} {
		rest, ok := strings.CutPrefix(s, part)
		if !ok {
			return false
		}
		s = rest
	}
	return s == ""
}
