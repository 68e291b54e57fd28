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

// constraintsHold evaluates EncryptionContextSubset / EncryptionContextEquals:
// pairs compare exactly and case-sensitively.
func constraintsHold(c *GrantConstraints, r *Request) policy.Tri {
	if c == nil || (len(c.EncryptionContextSubset) == 0 && c.EncryptionContextEquals == nil) {
		return policy.True
	}
	ec := r.EncryptionContext
	if ec == nil {
		if !r.Context.Complete() {
			return policy.Unknown
		}
		ec = map[string]string{}
	}
	for k, v := range c.EncryptionContextSubset {
		if got, ok := ec[k]; !ok || got != v {
			return policy.False
		}
	}
	if c.EncryptionContextEquals != nil {
		if len(ec) != len(c.EncryptionContextEquals) {
			return policy.False
		}
		for k, v := range c.EncryptionContextEquals {
			if got, ok := ec[k]; !ok || got != v {
				return policy.False
			}
		}
	}
	return policy.True
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
			cr := ConditionResult{Operator: op, Key: "kms:EncryptionContext:" + k, Values: []string{m[k]}, Result: policy.Unknown}
			if r.EncryptionContext != nil || r.Context.Complete() {
				cr.Known = true
				got, ok := r.EncryptionContext[k]
				cr.Present = ok
				if ok {
					cr.Context = []string{got}
				}
				cr.Result = policy.TriOf(ok && got == m[k])
			}
			out = append(out, cr)
		}
	}
	add("EncryptionContextSubset", c.EncryptionContextSubset)
	add("EncryptionContextEquals", c.EncryptionContextEquals)
	if c.EncryptionContextEquals != nil && r.EncryptionContext != nil {
		var extra []string
		for k := range r.EncryptionContext {
			if _, ok := c.EncryptionContextEquals[k]; !ok {
				extra = append(extra, k)
			}
		}
		slices.Sort(extra)
		for _, k := range extra {
			out = append(out, ConditionResult{Operator: "EncryptionContextEquals", Key: "kms:EncryptionContext:" + k, Context: []string{r.EncryptionContext[k]}, Known: true, Present: true, Result: policy.False})
		}
	}
	return out
}
