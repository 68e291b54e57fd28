package eval

import (
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// grantScan is what the key's grants say about the request.
type grantScan struct {
	byPrincipal            // grants to the caller itself, its role, its account
	retire      policy.Tri // the caller may retire the grant (kms:RetireGrant)
	nearMiss    bool       // a grant covers caller and operation but its constraints fail
}

func newGrantScan() grantScan {
	return grantScan{byPrincipal: byPrincipal{unl: policy.False, lim: policy.False, acc: policy.False}, retire: policy.False}
}

// scanGrants evaluates the key's grants. KMS DG, grants.html: "A grant can
// allow access to a KMS key, but not deny access"; the grantee uses the
// operations listed; encryption-context constraints must be satisfied, except
// for DescribeKey and RetireGrant.
func (e *Evaluator) scanGrants(r *Request, d *Decision) grantScan {
	gs := newGrantScan()
	op := strings.ToLower(r.actionName)
	for i := range r.Grants {
		g := &r.Grants[i]
		bits := granteeBits(g.GranteePrincipal, r)
		if op == "retiregrant" && (r.GrantID == "" || r.GrantID == g.GrantID) {
			// KMS DG, grant-manage.html#grant-delete: the retiring principal,
			// or the grantee when the grant allows RetireGrant, may retire it.
			if granteeBits(g.RetiringPrincipal, r)&(pcUnlimited|pcLimited) != 0 || (bits&(pcUnlimited|pcLimited) != 0 && hasOperation(g, "RetireGrant")) {
				gs.retire = policy.True
				d.Reasons = append(d.Reasons, Reason{Layer: LayerGrant, Outcome: OutcomeAllows, Code: CodeRetiringPrincipal, Grant: g.GrantID, Statement: -1})
				continue
			}
		}
		if bits == 0 || !hasOperation(g, r.actionName) {
			continue
		}
		c := policy.True
		if op != "describekey" && op != "retiregrant" {
			c = constraintsHold(g.Constraints, r)
		}
		reason := Reason{Layer: LayerGrant, Grant: g.GrantID, Statement: -1}
		switch c {
		case policy.True:
			reason.Outcome = OutcomeAllows
		case policy.Unknown:
			reason.Outcome = OutcomeConditional
		default:
			reason.Outcome, reason.Code = OutcomeConditionFailed, CodeGrantConstraintFailed
			gs.nearMiss = true
		}
		if g.Constraints != nil {
			reason.Conditions = constraintResults(g.Constraints, r)
		}
		d.Reasons = append(d.Reasons, reason)
		gs.add(bits, c)
	}
	return gs
}

func granteeBits(grantee string, r *Request) uint8 {
	if grantee == "" {
		return 0
	}
	if r.Principal.Kind == arn.KindService {
		if grantee == r.Principal.ARN {
			return pcUnlimited
		}
		return 0
	}
	return matchAWSPrincipal(grantee, r)
}

func hasOperation(g *Grant, op string) bool {
	for _, o := range g.Operations {
		if strings.EqualFold(o, op) {
			return true
		}
	}
	return false
}

// constraintsHold evaluates EncryptionContextSubset / EncryptionContextEquals
// against the request's encryption context, whichever way the request
// carries it (ecValue): keys compare case-insensitively, values exactly.
func constraintsHold(c *GrantConstraints, r *Request) policy.Tri {
	if c == nil || (len(c.EncryptionContextSubset) == 0 && c.EncryptionContextEquals == nil) {
		return policy.True
	}
	res := pairsHold(c.EncryptionContextSubset, r)
	if c.EncryptionContextEquals != nil && res != policy.False {
		res = res.And(pairsHold(c.EncryptionContextEquals, r))
		if other, _, whole := ecOtherKeys(r, c.EncryptionContextEquals); len(other) > 0 {
			res = policy.False
		} else if !whole {
			res = res.And(policy.Unknown)
		}
	}
	return res
}

// pairsHold is whether the request's encryption context has every pair of m.
func pairsHold(m map[string]string, r *Request) policy.Tri {
	res := policy.True
	for k, v := range m {
		res = res.And(pairHolds(k, v, r))
		if res == policy.False {
			break
		}
	}
	return res
}

func pairHolds(k, v string, r *Request) policy.Tri {
	got, pres := ecValue(r, k)
	switch pres {
	case policy.PresencePresent:
		return policy.TriOf(len(got) == 1 && got[0] == v)
	case policy.PresenceAbsent:
		return policy.False
	}
	return policy.Unknown
}

// constraintResults explains a grant's constraints as conditions.
func constraintResults(c *GrantConstraints, r *Request) []ConditionResult {
	var out []ConditionResult
	add := func(op string, m map[string]string) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			got, pres := ecValue(r, k)
			out = append(out, ConditionResult{
				Operator: op, Key: ecPrefix + k, Values: []string{m[k]},
				Context: got, Known: pres != policy.PresenceUnknown, Present: pres == policy.PresencePresent,
				Result: pairHolds(k, m[k], r),
			})
		}
	}
	add("EncryptionContextSubset", c.EncryptionContextSubset)
	add("EncryptionContextEquals", c.EncryptionContextEquals)
	if c.EncryptionContextEquals != nil {
		extra, vals, _ := ecOtherKeys(r, c.EncryptionContextEquals)
		slices.Sort(extra)
		for _, k := range extra {
			cr := ConditionResult{Operator: "EncryptionContextEquals", Key: ecPrefix + k, Known: true, Present: true, Result: policy.False}
			if v, ok := vals[k]; ok {
				cr.Context = []string{v}
			}
			out = append(out, cr)
		}
	}
	return out
}
