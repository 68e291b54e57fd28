package escalation

import (
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// group is an IAM group a user may be added to, with its policies: inline
// and attached managed, parsed from the snapshot as the graph reads them
// for its members.
type group struct {
	arn      string
	name     string
	policies []eval.NamedPolicy
}

// groupsOf returns an account's groups whose policies are all known (a
// group with a policy not collected or unparseable is left out: what
// joining it gives is unknown).
func groupsOf(iam *snapshot.IAM) []*group {
	managed := map[string]string{}
	for i := range iam.Policies {
		if doc, ok := iam.Policies[i].DefaultDocument(); ok {
			managed[iam.Policies[i].Arn] = doc
		}
	}
	var out []*group
groups:
	for _, gd := range iam.GroupDetailList {
		gr := &group{arn: gd.Arn, name: gd.GroupName}
		for _, pd := range gd.GroupPolicyList {
			p, err := policy.ParseString(pd.PolicyDocument)
			if err != nil {
				continue groups
			}
			gr.policies = append(gr.policies, eval.NamedPolicy{Name: pd.PolicyName, Policy: p})
		}
		for _, ap := range gd.AttachedManagedPolicies {
			doc, ok := managed[ap.PolicyArn]
			if !ok {
				continue groups
			}
			p, err := policy.ParseString(doc)
			if err != nil {
				continue groups
			}
			gr.policies = append(gr.policies, eval.NamedPolicy{Name: ap.PolicyName, ARN: ap.PolicyArn, Policy: p})
		}
		out = append(out, gr)
	}
	return out
}

// mayAllowKey is a cheap filter: whether a group's policies have an Allow
// statement for the action whose resources may match the key.
func (gr *group) mayAllowKey(action, key string) bool {
	for _, np := range gr.policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect == policy.Allow && st.MatchesAction(action) && st.MatchesResource(key, noContext) != policy.False {
				return true
			}
		}
	}
	return false
}
