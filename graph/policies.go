package graph

import (
	"errors"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// parsePolicy parses a policy document found at path in the snapshot. A
// document that does not parse becomes an Issue and nil: the policy is
// unparseable, and answers that depend on it say so.
//
// Identical documents are parsed once and share one immutable *policy.Policy:
// organizations repeat their policies (trust policies, templates) thousands of times.
func (b *builder) parsePolicy(doc, name, arn, account, region, item, path string) (*eval.NamedPolicy, *Issue) {
	c, ok := b.cache[doc]
	if !ok {
		c.p, c.err = policy.ParseString(doc)
		b.cache[doc] = c
	}
	p, err := c.p, c.err
	if err != nil {
		iss := Issue{Account: account, Region: region, Item: item, Path: path, Message: "unparseable policy: " + err.Error()}
		var pe *policy.ParseError
		if errors.As(err, &pe) && pe.Path != "" {
			iss.Path = path + " → " + pe.Path
			iss.Message = "unparseable policy: " + pe.Msg
		}
		b.g.Issues = append(b.g.Issues, iss)
		return nil, &iss
	}
	return &eval.NamedPolicy{Name: name, ARN: arn, Policy: p}, nil
}

// parsed is a cached parse result.
type parsed struct {
	p   *policy.Policy
	err error
}
