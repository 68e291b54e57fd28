package eval

import (
	"github.com/keyhound/keyhound/graph/policy"
)

// byPrincipal accumulates allows (statements or grants) by how they name the
// caller: itself or "*" (unl), its role (lim), its account (acc).
type byPrincipal struct {
	unl, lim, acc policy.Tri
}

// add records an allow that holds with truth t and names the caller as bits says.
func (b *byPrincipal) add(bits uint8, t policy.Tri) {
	if bits&pcUnlimited != 0 {
		b.unl = b.unl.Or(t)
	}
	if bits&pcLimited != 0 {
		b.lim = b.lim.Or(t)
	}
	if bits&pcAccount != 0 {
		b.acc = b.acc.Or(t)
	}
}

// scan accumulates what one layer's statements say about the request.
type scan struct {
	byPrincipal            // resource-like layers: Allow statements by how they name the caller
	allow       policy.Tri // identity-like layers: any Allow statement applies
	deny        policy.Tri // any Deny statement applies
}

func newScan() scan {
	return scan{byPrincipal: byPrincipal{unl: policy.False, lim: policy.False, acc: policy.False}, allow: policy.False, deny: policy.False}
}

// anyAllow is whether any Allow statement applies, however it names the caller.
func (s *scan) anyAllow() policy.Tri { return s.allow.Or(s.unl).Or(s.lim).Or(s.acc) }

// scanPolicy evaluates every statement of np against the request and records
// the statements that match (or fail only on a condition) as reasons.
// resourceLike says whether statements name principals (resource policies,
// RCPs, VPC endpoint policies) or not (identity policies, boundaries, session
// policies, SCPs).
func (e *Evaluator) scanPolicy(r *Request, d *Decision, np *NamedPolicy, layer Layer, level int, resourceLike bool, acc *scan) {
	if np == nil || np.Policy == nil {
		return
	}
	for i := range np.Policy.Statements {
		st := &np.Policy.Statements[i]
		if !st.MatchesAction(r.lowerAction) {
			continue
		}
		var bits uint8
		if resourceLike {
			bits = principalBits(st, r)
			if bits == 0 {
				continue
			}
		}
		res := st.MatchesResource(r.Resource, r.Context)
		if res == policy.False {
			continue
		}
		// Conditions, each looked up once; their results go to the reason.
		start := len(d.conds)
		cond := policy.True
		for j := range st.Conditions {
			c := &st.Conditions[j]
			t, vals, pres := c.EvalLookup(r.Context)
			cond = cond.And(t)
			cr := ConditionResult{
				Operator: c.Operator, Key: c.Key, Values: c.Values,
				Context: vals, Known: pres != policy.PresenceUnknown, Present: pres == policy.PresencePresent,
				Result: t,
			}
			if pres == policy.PresenceUnknown {
				cr.NotIn = c.NotIn(r.Context)
			}
			d.conds = append(d.conds, cr)
		}
		applies := res.And(cond)

		reason := Reason{Layer: layer, Policy: np.Name, PolicyARN: np.ARN, Level: level, Statement: st.Index, Sid: st.Sid, Effect: st.Effect.String()}
		switch {
		case applies == policy.False:
			reason.Outcome = OutcomeConditionFailed
		case applies == policy.Unknown:
			reason.Outcome = OutcomeConditional
		case st.Effect == policy.Deny:
			reason.Outcome = OutcomeDenies
		default:
			reason.Outcome = OutcomeAllows
		}
		if resourceLike && st.Effect == policy.Allow && (layer == LayerKeyPolicy || layer == LayerTrustPolicy || layer == LayerResourcePolicy) {
			if bits&(pcUnlimited|pcLimited) != 0 {
				reason.Code = CodeDirectPrincipal
			} else {
				reason.Code = CodeAccountDelegation
			}
		}
		if len(d.conds) > start {
			reason.Conditions = d.conds[start:len(d.conds):len(d.conds)]
		}
		d.Reasons = append(d.Reasons, reason)

		if st.Effect == policy.Deny {
			acc.deny = acc.deny.Or(applies)
			continue
		}
		if !resourceLike {
			acc.allow = acc.allow.Or(applies)
			continue
		}
		acc.add(bits, applies)
	}
}
