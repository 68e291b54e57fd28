package graph

import "github.com/keyhound/keyhound/graph/eval"

// Policy is the key policy; nil when unreadable, not collected or
// unparseable (PolicyIssue says which). It is parsed when first asked
// (lazydoc.go).
func (k *Key) Policy() *eval.NamedPolicy {
	if k.pol == nil {
		return nil
	}
	k.resolve(k.pol.table.parse)
	return k.pol.np
}

// PolicyIssue says why Policy is nil: the key policy was not collected, or
// does not parse; nil when it is known.
func (k *Key) PolicyIssue() *Issue {
	if k.pol == nil {
		return k.collIssue
	}
	k.resolve(k.pol.table.parse)
	return k.pol.gap
}

// resolve parses the key policy through parse, once; did says whether
// this call did.
func (k *Key) resolve(parse func(string) parsed) (did bool) {
	return k.pol.resolve(parse, "key policy", k.Account, k.Region, k.ARN, nil)
}

// ParseKeyPolicies parses, on every CPU, each key's policy not parsed yet:
// for a walk that reads them all (the findings, an export).
func (g *Graph) ParseKeyPolicies() {
	forEach(len(g.sortedKeys), func(i int) {
		if k := g.sortedKeys[i]; k.pol != nil {
			k.resolve(k.pol.table.parse)
		}
	})
}

// resolveKeyPolicies parses the keys' policies, Build's documents first,
// and keeps the issues of those that do not parse.
func (b *builder) resolveKeyPolicies(keys []*Key) {
	for _, k := range keys {
		if k.pol != nil && k.resolve(b.lookup) && k.pol.gap != nil {
			b.issue(*k.pol.gap)
		}
	}
}
