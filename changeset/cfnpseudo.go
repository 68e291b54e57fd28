package changeset

import (
	"slices"
	"strings"
)

// pseudo returns c with the pseudo parameters a CloudFormation template
// left in its values (pseudoValue) filled in: the partition is the
// snapshot's, the account WithAccount's or the snapshot's only account,
// else the one account that holds the existing principals and buckets the
// template's changes name (stackAccounts), the Region WithRegion's or the
// snapshot's only scanned Region. A value
// that needs one of them when it is not known becomes unknown, never
// guessed; a change's own account or Region left unknown is "", so that
// Apply places it as any change that names none. c itself is not
// modified; without pseudo parameters it is returned as it is.
func (a *applier) pseudo(changes []Change, i int) *Change {
	c := &changes[i]
	if !hasPseudo(c) {
		return c
	}
	account := a.opts.account
	if account == "" && len(a.base.Accounts) == 1 {
		account = sortedKeys(a.base.Accounts)[0]
	}
	if account == "" {
		if a.stacks == nil {
			a.stacks = a.stackAccounts(changes)
		}
		account = a.stacks[c.Source.File]
	}
	suffix := "amazonaws.com"
	if a.partition == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	values := map[string]string{
		"AWS::AccountId": account, "AWS::Region": a.opts.region,
		"AWS::Partition": a.partition, "AWS::URLSuffix": suffix,
	}
	n := *c
	n.Unknown = slices.Clone(c.Unknown)
	n.Attach = slices.Clone(c.Attach)
	fill := func(field string, s *string, drop bool) {
		out, missing := fillPseudo(*s, values)
		if missing == "" {
			*s = out
			return
		}
		if field == "account" || field == "region" {
			*s = "" // placed as a change that names none
			return
		}
		if !n.IsUnknown(field) {
			n.Unknown = append(n.Unknown, Unknown{Field: field, Attribute: missing + pseudoWhy[missing]})
		}
		if drop {
			*s = ""
		} else {
			*s = readablePseudo(*s)
		}
	}
	fill("target", &n.Target, false)
	fill("name", &n.Name, false)
	fill("document", &n.Document, true)
	fill("policy", &n.PolicyARN, true)
	fill("key", &n.Key, true)
	fill("grantee", &n.Grantee, true)
	fill("account", &n.Account, true)
	fill("region", &n.Region, true)
	for i := range n.Attach {
		fill("attach", &n.Attach[i], false)
	}
	if n.IsUnknown("attach") {
		n.Attach = nil
	}
	return &n
}

// stackAccounts tells, for each template among changes (by file), the
// account it is deployed to from what it changes that the snapshot has:
// a stack's IAM users, roles and groups, and the buckets whose policy it
// sets, are in its own account. Each such target found narrows the
// accounts to those that hold it; one account left is the stack's, none
// or several leave it unknown.
func (a *applier) stackAccounts(changes []Change) map[string]string {
	stackAccount := pseudoValue("AWS::AccountId")
	candidates := map[string]set{}
	for i := range changes {
		c := &changes[i]
		if c.Account != stackAccount || c.IsUnknown("target") {
			continue
		}
		var found set
		switch c.Kind {
		case KindIdentityPolicy, KindTrustPolicy:
			p := parsePrincipalRef(c.Target)
			if p.kind == "policy" || strings.Contains(c.Target, pseudoMark) {
				continue
			}
			for id, acc := range a.base.Accounts {
				if acc != nil && has(acc.IAM, p) {
					found = set{id: true}.union(found)
				}
			}
		case KindBucketPolicy:
			if l, ok := a.findBucket(c.Target); ok {
				found = set{l.account: true}
			}
		}
		if len(found) == 0 {
			continue // new, or not in the snapshot: no say
		}
		f := c.Source.File
		if prev, ok := candidates[f]; ok {
			found = found.intersect(prev)
		}
		candidates[f] = found
	}
	out := map[string]string{}
	for f, s := range candidates {
		if len(s) == 1 {
			out[f] = s.list()[0]
		}
	}
	return out
}

func (s set) union(o set) set {
	out := set{}
	for k := range s {
		out[k] = true
	}
	for k := range o {
		out[k] = true
	}
	return out
}

func (s set) intersect(o set) set {
	out := set{}
	for k := range s {
		if o[k] {
			out[k] = true
		}
	}
	return out
}

// pseudoWhy says why a pseudo parameter is not known.
var pseudoWhy = map[string]string{
	"AWS::AccountId": " (the account the stack is deployed to: the snapshot has several, and what the template changes does not tell one; give it with WithAccount, --change-account)",
	"AWS::Region":    " (the Region the stack is deployed to: the snapshot has several, give it with WithRegion)",
}

func hasPseudo(c *Change) bool {
	for _, s := range []string{c.Target, c.Name, c.Document, c.PolicyARN, c.Key, c.Grantee, c.Account, c.Region} {
		if strings.Contains(s, pseudoMark) {
			return true
		}
	}
	return slices.ContainsFunc(c.Attach, func(s string) bool { return strings.Contains(s, pseudoMark) })
}

// fillPseudo replaces the pseudo parameters in s; missing names the first
// one without a value (s is then returned as it was).
func fillPseudo(s string, values map[string]string) (out, missing string) {
	var b strings.Builder
	rest := s
	for {
		i := strings.Index(rest, pseudoMark)
		if i < 0 {
			b.WriteString(rest)
			return b.String(), ""
		}
		j := strings.Index(rest[i+len(pseudoMark):], pseudoMark)
		if j < 0 {
			b.WriteString(rest)
			return b.String(), ""
		}
		name := rest[i+len(pseudoMark) : i+len(pseudoMark)+j]
		v := values[name]
		if v == "" {
			return s, name
		}
		b.WriteString(rest[:i] + v)
		rest = rest[i+2*len(pseudoMark)+j:]
	}
}

// readablePseudo writes the pseudo parameters left in s as ${AWS::…}, for messages.
func readablePseudo(s string) string {
	var b strings.Builder
	for i, part := range strings.Split(s, pseudoMark) {
		if i%2 == 1 {
			part = "${" + part + "}"
		}
		b.WriteString(part)
	}
	return b.String()
}
