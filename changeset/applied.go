package changeset

import "slices"

// UnknownDocument is the text Apply stores for a policy document (a trust,
// identity, bucket or secret policy) that is unknown until apply: it does
// not parse, so the graph reports it as an issue and every answer that
// depends on it as not known — CONDITIONAL, never guessed. A key policy
// unknown until apply is left nil instead (not collected).
const UnknownDocument = "(keyhound: unknown until apply)"

// Applied says what Apply changed, so that a caller can recompute only the
// answers whose inputs changed and mark the ones that depend on unknown
// values. Every list is sorted.
type Applied struct {
	// Entries are the changes in order, each with what it was applied to.
	Entries []Entry `json:"entries"`
	// Accounts are the accounts whose contents changed.
	Accounts []string `json:"accounts,omitzero"`
	// Keys are the key ARNs whose policy, grants, aliases or state changed,
	// or that were added.
	Keys []string `json:"keys,omitzero"`
	// Principals are the users, groups and roles whose policies (identity
	// or trust) changed, those a changed managed policy is attached to
	// included.
	Principals []string `json:"principals,omitzero"`
	// Resources are the buckets, secrets and EBS snapshots whose policy,
	// sharing or key changed.
	Resources []string `json:"resources,omitzero"`
	// OrgPolicies are the IDs of the SCPs and RCPs changed, attached or
	// detached: every account under their targets (old and new) is affected.
	OrgPolicies []string `json:"org_policies,omitzero"`
	// Unknowns are the values not known until apply, with what Apply did
	// about each.
	Unknowns []UnknownValue `json:"unknowns,omitzero"`
}

// Entry is one change as applied.
type Entry struct {
	Source Source `json:"source"`
	Kind   Kind   `json:"kind"`
	Op     Op     `json:"op"`
	// Target is what the change was applied to, resolved: an ARN, or an
	// organization policy's ID; the change's own Target when unplaced.
	Target string `json:"target"`
	// Detail names what in the target changed, when the change says: an
	// inline policy's or grant's name, a managed policy's ARN, a key, a
	// grantee, the organization targets attached or detached.
	Detail string `json:"detail,omitempty"`
	// Added: the target was not in the snapshot and was created.
	Added bool `json:"added,omitempty"`
	// Unplaced: the change could not be applied (Note says why): its
	// target is unknown until apply, or not in the snapshot and not
	// placeable in an account and Region.
	Unplaced bool   `json:"unplaced,omitempty"`
	Note     string `json:"note,omitempty"`
}

// UnknownValue is a value of a change not known until apply.
type UnknownValue struct {
	Source Source `json:"source"`
	Target string `json:"target"`
	Unknown
	// Effect is what Apply did: the policy became unknown, the key's
	// grants became not collected, or the change was not applied.
	Effect string `json:"effect"`
}

// Empty reports whether nothing was applied.
func (a *Applied) Empty() bool {
	return len(a.Accounts) == 0 && len(a.OrgPolicies) == 0
}

// Unplaced returns the entries that could not be applied.
func (a *Applied) Unplaced() []Entry {
	var out []Entry
	for _, e := range a.Entries {
		if e.Unplaced {
			out = append(out, e)
		}
	}
	return out
}

// set is a set of strings listed sorted.
type set map[string]bool

func (s set) add(v ...string) {
	for _, x := range v {
		if x != "" {
			s[x] = true
		}
	}
}

func (s set) list() []string {
	out := sortedKeys(s)
	if len(out) == 0 {
		return nil
	}
	return slices.Clip(out)
}
