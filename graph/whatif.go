package graph

import (
	"slices"

	"github.com/keyhound/keyhound/graph/eval"
)

// WhatIf is a hypothetical change to the snapshot that one query is asked
// under, without copying or rebuilding the graph: what one API call would
// change (graph/escalation asks "and after this call?" with it). It changes
// only the query's principal and resource; everything else — SCPs, RCPs,
// the other policies, denies — stays as collected, so the evaluator
// answers the changed request as it would the real one.
type WhatIf struct {
	// IdentityPolicies are added to the principal's identity policies: an
	// inline policy put, a managed policy attached or rewritten.
	IdentityPolicies []eval.NamedPolicy
	// NoBoundary removes the principal's permissions boundary.
	NoBoundary bool
	// ResourcePolicy replaces the resource's policy: the key policy
	// (kms:PutKeyPolicy) or the role's trust policy
	// (iam:UpdateAssumeRolePolicy).
	ResourcePolicy *eval.NamedPolicy
	// Grants are added to the key's grants (kms:CreateGrant).
	Grants []eval.Grant
	// NewResource says the resource is one the caller has just created
	// (a Lambda function): it has no resource-based policy yet, and the
	// identity side and the organization's decide any call on it.
	NewResource bool
}

// newResource reports whether w asks about a resource without a policy yet.
func (w *WhatIf) newResource() bool { return w != nil && w.NewResource }

// apply changes a request built from the snapshot as w says. The request's
// lists are shared with the graph: they are copied, never appended to.
func (w *WhatIf) apply(r *eval.Request) {
	if w == nil {
		return
	}
	if len(w.IdentityPolicies) > 0 {
		r.IdentityPolicies = slices.Concat(r.IdentityPolicies, w.IdentityPolicies)
	}
	if w.NoBoundary {
		r.PermissionsBoundary = nil
		r.Unknown[eval.LayerPermissionsBoundary] = false
	}
	if w.ResourcePolicy != nil {
		r.ResourcePolicy = w.ResourcePolicy
		r.Unknown[eval.LayerKeyPolicy] = false
		r.Unknown[eval.LayerTrustPolicy] = false
	}
	if len(w.Grants) > 0 {
		r.Grants = slices.Concat(r.Grants, w.Grants)
	}
}
