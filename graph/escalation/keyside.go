package escalation

import (
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// keyTrusts is a cheap, sound filter before asking whether a principal of
// account, once widened, can act on the key: KMS lets no principal use a
// key unless the key policy allows it — naming it, its account, or anyone
// — or a grant does (KMS DG, key-policies.html: IAM policies alone give no
// access to a KMS key; the key policy must allow it). A widening changes
// the principal's identity policies and boundary only, so a principal of
// an account the key policy and grants do not name cannot gain the key by
// one. Once per account.
func (s *search) keyTrusts(account string) bool {
	if v, ok := s.trusted[account]; ok {
		return v
	}
	v := s.keyMayName(account)
	s.trusted[account] = v
	return v
}

func (s *search) keyMayName(account string) bool {
	k := s.key
	if k.Policy() == nil || k.Policy().Policy == nil || !k.GrantsKnown {
		return true // not known: it may
	}
	for _, g := range k.Grants {
		if g.GranteePrincipal == "" || strings.Contains(g.GranteePrincipal, account) {
			return true
		}
	}
	for i := range k.Policy().Policy.Statements {
		st := &k.Policy().Policy.Statements[i]
		if st.Effect != policy.Allow {
			continue
		}
		if st.Principal == nil || st.NotPrincipal || st.Principal.Any {
			return true
		}
		for _, e := range st.Principal.AWS {
			if e == "*" || e == account {
				return true
			}
			a, err := arn.Parse(e)
			if err != nil || a.AccountID == account || a.AccountID == "" {
				return true // what it names is not clear: it may
			}
		}
	}
	return false
}

// keyMayAllowSome is a cheap, sound filter before asking who-can who may
// call action (kms:PutKeyPolicy, kms:CreateGrant) on the key: someone may
// only when a key-policy Allow statement for the action names anyone, a
// principal, or an account one of whose principals' identity policies may
// allow the action (KMS DG, key-policies.html), or a grant may allow it.
func (s *search) keyMayAllowSome(action string) bool {
	k := s.key
	if k.Policy() == nil || k.Policy().Policy == nil || !k.GrantsKnown {
		return true
	}
	op := strings.TrimPrefix(action, "kms:")
	for _, g := range k.Grants {
		for _, o := range g.Operations {
			if strings.EqualFold(o, op) {
				return true
			}
		}
	}
	lower := strings.ToLower(action)
	for i := range k.Policy().Policy.Statements {
		st := &k.Policy().Policy.Statements[i]
		if st.Effect != policy.Allow || !st.MatchesAction(lower) {
			continue
		}
		if st.Principal == nil || st.NotPrincipal || st.Principal.Any {
			return true
		}
		for _, e := range st.Principal.AWS {
			account := e
			if a, err := arn.Parse(e); err == nil {
				if a.Resource != "root" {
					return true // a principal named itself
				}
				account = a.AccountID
			} else if e == "*" || len(e) != 12 {
				return true
			}
			if len(s.capableIn(action, account)) > 0 {
				return true
			}
		}
	}
	return false
}
