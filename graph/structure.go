package graph

import (
	"github.com/keyhound/keyhound/graph/snapshot"
)

// An organization's listing that did not finish (a ListRoots,
// ListOrganizationalUnitsForParent or ListAccountsForParent that failed, or
// was interrupted, recorded in organization.errors) leaves its structure
// incomplete: the accounts it lists keep their paths, and their SCPs and
// RCPs are known; an account it does not list may be a member all the
// same, so its SCPs and RCPs are unknown (a CONDITIONAL answer where they
// could deny, never ALLOW), and so is its aws:PrincipalOrgID. A complete
// listing says "not a member" of an account it does not list, as before.

// structureOps are the calls of the organization's listing.
var structureOps = map[string]bool{
	"ListRoots": true, "ListOrganizationalUnitsForParent": true, "ListAccountsForParent": true,
}

// structureGaps turns the organization's failed listing calls into issues.
func structureGaps(errs []snapshot.CollectionError) (out []Issue, why []string) {
	for i := range errs {
		e := &errs[i]
		if !structureOps[e.Operation] {
			continue
		}
		under := ""
		if e.Resource != "" {
			under = " under " + e.Resource
		}
		why = append(why, describeFailure(e))
		out = append(out, Issue{
			Item: e.Resource, Path: "organization.errors",
			Message: "the organization's listing did not finish (" + describeFailure(e) + "): accounts" + under +
				" not listed may be members, whose SCPs and RCPs are unknown",
		})
	}
	return out, why
}

// unlisted is why an account not in the organization's incomplete listing
// has unknown policies of typ.
func (o *Org) unlisted(account, typ string) []Issue {
	out := make([]Issue, 0, len(o.structureGaps))
	for i, g := range o.structureGaps {
		g.Account = account
		g.Message = "account " + account + " is not in the organization's listing, which did not finish (" + o.structureWhy[i] +
			"): whether it is a member, and so its " + typeName(typ) + "s, are unknown"
		out = append(out, g)
	}
	return out
}

// Incomplete reports whether the organization's listing did not finish:
// accounts it does not list may be members.
func (o *Org) Incomplete() bool { return o != nil && len(o.structureGaps) > 0 }

// membershipUnknown reports whether account may be a member though the
// listing does not say so: the listing did not finish and does not list it.
func (o *Org) membershipUnknown(account string) bool {
	return o.Incomplete() && account != "" && o.Path(account) == nil
}
