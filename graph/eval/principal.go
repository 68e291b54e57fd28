package eval

import (
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// Principal-match bits: how a Principal element (or a grantee) names the caller.
const (
	// pcUnlimited: the statement names the caller itself (an IAM user, an
	// assumed-role or federated session, a service principal, the root user
	// through its account) or "*". In the caller's own account such a grant is
	// not limited by implicit denies in identity policies, permissions
	// boundaries or session policies (IAM UG, policy-eval-denyallow).
	pcUnlimited uint8 = 1 << iota
	// pcLimited: the statement names the caller's IAM role. "Resource-based
	// policies that grant permissions to an IAM role ARN are limited by an
	// implicit deny in a permissions boundary or session policy."
	pcLimited
	// pcAccount: the statement names the caller's account
	// (arn:aws:iam::ACCT:root or ACCT): the account principal, which only
	// delegates to the account's IAM policies (KMS DG, key-policy-default).
	pcAccount
)

// principalBits says how statement st's Principal or NotPrincipal element
// covers the caller.
func principalBits(st *policy.Statement, r *Request) uint8 {
	if st.Principal == nil {
		// A resource-based statement without Principal (VPC endpoint
		// policies may omit it): it applies to every caller.
		return pcUnlimited
	}
	if !st.NotPrincipal {
		return matchPrincipals(st.Principal, r)
	}
	if notPrincipalExcludes(st.Principal, r, st.Effect) {
		return 0
	}
	return pcUnlimited
}

func matchPrincipals(ps *policy.Principals, r *Request) uint8 {
	var bits uint8
	if ps.Any {
		bits |= pcUnlimited
	}
	p := &r.Principal
	for _, e := range ps.AWS {
		bits |= matchAWSPrincipal(e, r)
	}
	if p.Kind == arn.KindService {
		for _, e := range ps.Service {
			if e == p.ARN {
				bits |= pcUnlimited
			}
		}
	}
	for _, e := range ps.Federated {
		if e == p.ARN {
			bits |= pcUnlimited
		}
	}
	for _, e := range ps.CanonicalUser {
		if e == p.ARN {
			bits |= pcUnlimited
		}
	}
	return bits
}

// matchAWSPrincipal matches one entry of a Principal's "AWS" list (or a
// grantee principal) against the caller, without allocating.
func matchAWSPrincipal(e string, r *Request) uint8 {
	p := &r.Principal
	switch {
	case e == "*":
		return pcUnlimited
	case p.AccountID == "":
		return 0
	case e == p.AccountID || e == r.accountARN:
		if p.Kind == arn.KindAccount {
			return pcUnlimited // the root user, named through its account
		}
		return pcAccount
	case e == p.ARN:
		if p.Kind == arn.KindRole {
			return pcLimited
		}
		return pcUnlimited
	case r.rolePrefix != "" && roleMatches(e, r.rolePrefix, p.Name):
		// A role ARN matches the role and every one of its sessions
		// (IAM UG, reference_policies_elements_principal.html#principal-roles).
		return pcLimited
	}
	return 0
}

// roleMatches reports whether e is the ARN of role name (with any path) under prefix.
func roleMatches(e, prefix, name string) bool {
	if len(e) <= len(prefix) || e[:len(prefix)] != prefix {
		return false
	}
	rest := e[len(prefix):]
	if rest == name {
		return true
	}
	n := len(rest) - len(name)
	return n > 0 && rest[n-1] == '/' && rest[n:] == name
}

// notPrincipalExcludes reports whether a NotPrincipal list exempts the caller.
// IAM UG, reference_policies_elements_notprincipal.html: NotPrincipal is for
// Deny; AWS "verifies the account first, then the role, and then the
// assumed-role user", and recommends listing "the ARN for a user's account, or
// both the ARN for a role and the ARN for the account containing that role".
// So with Deny a caller is exempt when its account is listed and so is its
// user, role or session; and a Deny with NotPrincipal "will always deny any
// IAM principal that has a permissions boundary policy attached"
// (access_policies_boundaries.html). With Allow (unsupported, but found in old
// policies) any listed identity of the caller excludes it; everyone else,
// anonymous callers and AWS services included, is covered: "Doing so allows
// all principals except the one named in the NotPrincipal element ... you
// might grant access to anonymous (unauthenticated) users" (the same page,
// "NotPrincipal with Allow", in its 2023 edition). A service or anonymous
// caller has no account: it is exempt, under either effect, only when it is
// listed itself.
func notPrincipalExcludes(ps *policy.Principals, r *Request, effect policy.Effect) bool {
	p := &r.Principal
	listedExact := func(x string) bool {
		for _, list := range [...][]string{ps.AWS, ps.Service, ps.Federated, ps.CanonicalUser} {
			for _, e := range list {
				if e == x {
					return true
				}
			}
		}
		return false
	}
	listedAccount := func() bool {
		for _, e := range ps.AWS {
			if p.AccountID != "" && (e == p.AccountID || e == r.accountARN) {
				return true
			}
		}
		return false
	}
	listedRole := func() bool {
		for _, e := range ps.AWS {
			if r.rolePrefix != "" && roleMatches(e, r.rolePrefix, p.Name) {
				return true
			}
		}
		return false
	}
	var account, self bool
	switch p.Kind {
	case arn.KindService, arn.KindAnonymous:
		return listedExact(p.ARN)
	case arn.KindAccount:
		account = listedAccount()
		self = account
	case arn.KindAssumedRole:
		account, self = listedAccount(), listedRole() || listedExact(p.ARN)
	case arn.KindRole:
		account, self = listedAccount(), listedRole()
	default:
		account, self = listedAccount(), listedExact(p.ARN)
	}
	if effect == policy.Deny {
		if r.PermissionsBoundary != nil && p.Kind != arn.KindService && p.Kind != arn.KindAnonymous {
			return false
		}
		return account && self
	}
	return account || self
}
