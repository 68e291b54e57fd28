package graph

import (
	"github.com/keyhound/keyhound/graph/eval"
)

// resourceSide is what a resource's policy document makes of it
// (lazydoc.go): its policy, or its issue, and the accounts it is shared
// with.
type resourceSide struct {
	lazyDoc
	shared []string
}

// Policy is the resource's policy, or nil when it has none, it was not
// collected or it does not parse (PolicyGap says which).
func (r *Resource) Policy() *eval.NamedPolicy {
	if r.side == nil {
		return nil
	}
	r.resolve(r.side.table.parse)
	return r.side.np
}

// PolicyGap says the resource's policy (for a snapshot, its sharing
// attribute) was not collected or does not parse; nil: known. Answers
// through the resource are then never ALLOW on their account, and name it.
func (r *Resource) PolicyGap() *Issue {
	if r.collGap != nil {
		return r.collGap
	}
	if r.side == nil {
		return nil
	}
	r.resolve(r.side.table.parse)
	return r.side.gap
}

// SharedWith lists the accounts the resource is shared with through its
// sharing attributes (snapshot permissions) or its resource policy,
// sorted; "all" means public.
func (r *Resource) SharedWith() []string {
	if r.side == nil {
		return r.attrShared
	}
	r.resolve(r.side.table.parse)
	return r.side.shared
}

// blockOf is a bucket's Block Public Access, its policy's part worked out.
func (r *Resource) blockOf() *publicBlock {
	if r.block != nil && r.side != nil {
		r.resolve(r.side.table.parse)
	}
	return r.block
}

// ParseResourcePolicies parses, on every CPU, each resource's policy not
// parsed yet: for a walk that reads them all (an export, the list of
// resources with whom each is shared).
func (g *Graph) ParseResourcePolicies() {
	g.needResources()
	forEach(len(g.resources), func(i int) {
		if r := g.resources[i]; r.side != nil {
			r.resolve(r.side.table.parse)
		}
	})
}

// resolve parses the resource's document through parse, once, and works
// out what it makes of the resource; did says whether this call did.
func (r *Resource) resolve(parse func(string) parsed) (did bool) {
	sd := r.side
	return sd.resolve(parse, "resource policy", r.Account, r.Region, r.ARN, func() {
		sd.shared = sharedWith(r, sd.np)
		if r.block != nil {
			r.block.policyPart(r, sd.np, r.collGap != nil || sd.gap != nil)
		}
	})
}

// resolvePolicies parses the resources' policies, Build's documents first,
// and keeps the issues of those that do not parse.
func (b *builder) resolvePolicies(rs []*Resource) {
	for _, r := range rs {
		if r.side != nil && r.resolve(b.lookup) && r.side.gap != nil {
			b.issue(*r.side.gap)
		}
	}
}
