package graph

import (
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// parsePolicy parses a policy document found at path in the snapshot. A
// document that does not parse becomes an Issue and nil: the policy is
// unparseable, and answers that depend on it say so.
//
// Identical documents are parsed once and share one immutable *policy.Policy:
// organizations repeat their policies (trust policies, templates) thousands of times.
func (b *builder) parsePolicy(doc, name, arn, account, region, item, path string) (*eval.NamedPolicy, *Issue) {
	c := b.lookup(doc)
	if c.err != nil {
		iss := policyIssue(c.err, account, region, item, path)
		b.issue(*iss)
		return nil, iss
	}
	return &eval.NamedPolicy{Name: name, ARN: arn, Policy: c.p}, nil
}

// lookup is doc parsed: preparse's, or parsed now (and kept).
func (b *builder) lookup(doc string) parsed {
	c, ok := b.cache[doc]
	if !ok {
		c, ok = b.local[doc]
	}
	if !ok {
		b.misses++
		c.p, c.err = policy.ParseString(doc)
		if b.local == nil {
			b.local = map[string]parsed{}
		}
		b.local[doc] = c
	}
	return c
}

// parsed is a cached parse result.
type parsed struct {
	p   *policy.Policy
	err error
}

// preparse parses the snapshot's distinct policy documents into the cache
// before the build, on every CPU: parsing is most of what building costs
// (a generated organization of 1,000 accounts holds 54,000 distinct
// documents) and each document parses alone. The cache then holds what
// parsePolicy would have put in it, one document after the other.
// IAM's documents are left out when the principals are built in the
// background (includeIAM false), keys' and resources' when they are parsed
// on first use (resources false: lazydoc.go).
func (b *builder) preparse(s *snapshot.Snapshot, includeIAM, resources bool) {
	// At about its size: roles share documents, keys have their own
	// (growing it was a third of this pass at 5,000 accounts).
	principals, keys := sizes(s)
	seen := make(map[string]struct{}, principals+keys)
	var docs []string
	add := func(doc string) {
		if doc == "" {
			return
		}
		if _, ok := seen[doc]; !ok {
			seen[doc] = struct{}{}
			docs = append(docs, doc)
		}
	}
	addPtr := func(doc *string) {
		if doc != nil {
			add(*doc)
		}
	}
	if o := s.Organization; o != nil {
		for _, p := range o.Policies {
			add(p.Content)
		}
	}
	for _, a := range s.Accounts {
		if iam := a.IAM; iam != nil && includeIAM {
			for _, r := range iam.RoleDetailList {
				add(r.AssumeRolePolicyDocument)
				for _, p := range r.RolePolicyList {
					add(p.PolicyDocument)
				}
			}
			for _, u := range iam.UserDetailList {
				for _, p := range u.UserPolicyList {
					add(p.PolicyDocument)
				}
			}
			for _, g := range iam.GroupDetailList {
				for _, p := range g.GroupPolicyList {
					add(p.PolicyDocument)
				}
			}
			for _, mp := range iam.Policies {
				if doc, ok := mp.DefaultDocument(); ok {
					add(doc)
				}
			}
		}
		for _, r := range a.Regions {
			if resources { // keys' and resources'
				if r.KMS != nil {
					for _, k := range r.KMS.Keys {
						addPtr(k.Policy)
					}
				}
				if r.S3 != nil {
					for _, bk := range r.S3.Buckets {
						addPtr(bk.Policy)
					}
				}
				if r.SecretsManager != nil {
					for _, sc := range r.SecretsManager.Secrets {
						addPtr(sc.ResourcePolicy)
					}
				}
				if r.SQS != nil {
					for _, q := range r.SQS.Queues {
						add(q.Attributes["Policy"])
					}
				}
				if r.SNS != nil {
					for _, t := range r.SNS.Topics {
						add(t.Attributes["Policy"])
					}
				}
				if r.DynamoDB != nil {
					for _, t := range r.DynamoDB.Tables {
						addPtr(t.ResourcePolicy)
					}
				}
				if r.Lambda != nil {
					for _, f := range r.Lambda.Functions {
						addPtr(f.Policy)
					}
				}
			}
			if r.EC2 != nil {
				for _, e := range r.EC2.VpcEndpoints {
					add(e.PolicyDocument)
				}
			}
		}
	}
	results := make([]parsed, len(docs))
	forEach(len(docs), func(i int) { results[i].p, results[i].err = policy.ParseString(docs[i]) })
	for i, doc := range docs {
		b.cache[doc] = results[i]
	}
}
