package graph

import (
	"slices"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/policy"
)

// accountReach is the accounts whose resources a set of Allow statements
// for one action can match: any account, or only those listed, because
// every statement's Resource entries name their account literally
// ("arn:aws:kms:*:111122223333:key/*").
type accountReach struct {
	any      bool
	accounts []string
}

// reaches reports whether the class's identity policies may allow action on
// a key of account: false only when every Allow statement for the action
// names, in each of its Resource entries, another account. The answer
// depends on policies only, and is kept per action.
//
// It holds for key ARNs (arn:P:kms:R:A:key/ID) only: even where a `*` ending
// an earlier segment expands past colons (policy.Resource.Matches), a
// literal 12-digit account can only match A, the one part of a key ARN that
// is 12 digits. ARNs with colons in their resource part do not have that
// property: do not use it for them.
func (c *class) reaches(lowerAction, account string) bool {
	v, ok := c.reach.Load(lowerAction)
	if !ok {
		v, _ = c.reach.LoadOrStore(lowerAction, reachOf(c.policies, lowerAction))
	}
	r := v.(accountReach)
	return r.any || slices.Contains(r.accounts, account)
}

func reachOf(policies []eval.NamedPolicy, lowerAction string) accountReach {
	var r accountReach
	for _, np := range policies {
		for i := range np.Policy.Statements {
			st := &np.Policy.Statements[i]
			if st.Effect != policy.Allow || !st.MatchesAction(lowerAction) {
				continue
			}
			if st.NotResource || !st.HasResource {
				return accountReach{any: true}
			}
			for _, res := range st.Resources {
				a, ok := literalAccount(res.String())
				if !ok {
					return accountReach{any: true}
				}
				if !slices.Contains(r.accounts, a) {
					r.accounts = append(r.accounts, a)
				}
			}
		}
	}
	return r
}

// literalAccount returns the account segment of an ARN pattern when it is a
// literal account ID: no wildcard, no variable, nothing that could match
// another account.
func literalAccount(pattern string) (string, bool) {
	a, err := arn.Parse(pattern)
	if err != nil || !arn.IsAccountID(a.AccountID) {
		return "", false
	}
	return a.AccountID, true
}
