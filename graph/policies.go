package graph

import (
	"errors"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// parsePolicy parses a policy document found at path in the snapshot. A
// document that does not parse becomes an Issue and nil: the policy is
// unparseable, and answers that depend on it say so.
func (b *builder) parsePolicy(doc, name, arn, account, region, item, path string) (*eval.NamedPolicy, *Issue) {
	p, err := policy.ParseString(doc)
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
