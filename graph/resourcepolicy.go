package graph

import (
	"errors"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// A resource's policy document is parsed when an answer first asks for it
// (Policy, PolicyGap, SharedWith, its bucket's Block Public Access), not by
// Build: a question about a key reads the policies of its own resources,
// not the other half-million's (at 5,000 generated accounts, 200,000
// distinct bucket policies: 1.1 s and 0.4 GB of a who-can). Build parses
// them all when it must list their issues itself (BuildOptions.Issues
// empty); otherwise the graph's issues are those an earlier build of the
// same snapshot found (the graph cache keeps them), and each policy
// parses, once, on first use, from any goroutine.

// resourceSide is what a resource's policy document makes of it.
type resourceSide struct {
	once sync.Once
	doc  string
	path string // the document's JSON path
	// Set once: the parsed policy (nil when it does not parse), the issue
	// when it does not, and the accounts it is shared with.
	np     *eval.NamedPolicy
	gap    *Issue
	shared []string
	done   bool
}

// Policy is the resource's policy, or nil when it has none, it was not
// collected or it does not parse (PolicyGap says which).
func (r *Resource) Policy() *eval.NamedPolicy {
	if r.side == nil {
		return nil
	}
	r.resolve(parseResourceDoc)
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
	r.resolve(parseResourceDoc)
	return r.side.gap
}

// SharedWith lists the accounts the resource is shared with through its
// sharing attributes (snapshot permissions) or its resource policy,
// sorted; "all" means public.
func (r *Resource) SharedWith() []string {
	if r.side == nil {
		return r.attrShared
	}
	r.resolve(parseResourceDoc)
	return r.side.shared
}

// blockOf is a bucket's Block Public Access, its policy's part worked out.
func (r *Resource) blockOf() *publicBlock {
	if r.block != nil && r.side != nil {
		r.resolve(parseResourceDoc)
	}
	return r.block
}

// ParseResourcePolicies parses, on every CPU, each resource's policy not
// parsed yet: for a walk that reads them all (an export, the list of
// resources with whom each is shared), which would otherwise parse them
// one after the other as it meets them.
func (g *Graph) ParseResourcePolicies() {
	g.wait()
	var next atomic.Int64
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < len(g.resources); i = int(next.Add(1)) - 1 {
				if r := g.resources[i]; r.side != nil {
					r.resolve(parseResourceDoc)
				}
			}
		})
	}
	wg.Wait()
}

// parseResourceDoc parses a document Build did not.
func parseResourceDoc(doc string) parsed {
	var c parsed
	c.p, c.err = policy.ParseString(doc)
	return c
}

// resolve parses the resource's document, through parse, once; it reports
// whether this call did (and so made the issue, if any).
func (r *Resource) resolve(parse func(string) parsed) (did bool) {
	sd := r.side
	sd.once.Do(func() {
		did, sd.done = true, true
		c := parse(sd.doc)
		if c.err != nil {
			sd.gap = policyIssue(c.err, r.Account, r.Region, r.ARN, sd.path)
		} else {
			sd.np = &eval.NamedPolicy{Name: "resource policy", Policy: c.p}
		}
		sd.shared = sharedWith(r, sd.np)
		if r.block != nil {
			r.block.policyPart(r, sd.np, r.collGap != nil || sd.gap != nil)
		}
	})
	return did
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

// policyIssue is the issue of a policy document that does not parse (err),
// at path in the snapshot.
func policyIssue(err error, account, region, item, path string) *Issue {
	iss := Issue{Account: account, Region: region, Item: item, Path: path, Message: "unparseable policy: " + err.Error()}
	var pe *policy.ParseError
	if errors.As(err, &pe) && pe.Path != "" {
		iss.Path = path + " → " + pe.Path
		iss.Message = "unparseable policy: " + pe.Msg
	}
	return &iss
}
