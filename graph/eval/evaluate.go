package eval

import (
	"slices"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/policy"
)

// Evaluator evaluates requests. It holds no state today: the storage a
// decision needs is the caller's Decision, reused across calls (see
// Evaluate). It is a type so that scratch space can be added without
// changing callers; use one per goroutine. The zero value is ready.
type Evaluator struct{}

// Evaluate prepares r if needed and evaluates it into a new Decision.
func Evaluate(r *Request) (*Decision, error) {
	if !r.prepared {
		if err := r.Prepare(); err != nil {
			return nil, err
		}
	}
	var e Evaluator
	d := &Decision{}
	e.Evaluate(r, d)
	return d, nil
}

const (
	tT = policy.True
	tF = policy.False
)

// component is one conjunct of an access path, with the layer to blame when it fails.
type component struct {
	layer Layer
	t     policy.Tri
}

// path is one way the request can be allowed: every component must hold.
type path struct {
	comps [4]component
	n     int
	// resourceSide: the first component is the resource side (key policy,
	// trust policy, resource policy or grant); false for the identity-only path.
	resourceSide bool
}

func (p *path) add(l Layer, t policy.Tri) *path {
	p.comps[p.n] = component{l, t}
	p.n++
	return p
}

func (p *path) value() policy.Tri {
	v := tT
	for i := 0; i < p.n; i++ {
		v = v.And(p.comps[i].t)
	}
	return v
}

func (p *path) failures() int {
	n := 0
	for i := 0; i < p.n; i++ {
		if p.comps[i].t != tT {
			n++
		}
	}
	return n
}

// Evaluate evaluates a prepared request into d, reusing d's storage: d is
// valid until the next call with the same d. Steady state, it does not allocate.
//
// The order and rules are AWS's (IAM UG, policy-eval-denyallow; KMS DG,
// policy-evaluation): an explicit Deny in any applicable policy denies; SCPs
// of a member account's principal and RCPs of a member account's resource
// must allow at every level; a VPC endpoint policy must allow; then the
// resource side and the identity side must allow as the same-account or
// cross-account rule requires; finally the key state and the caller's Region
// must permit the call, and no customer may manage an alias reserved for AWS
// managed keys; sts:GetCallerIdentity needs no permission. Unknown context makes a layer Unknown, and Kleene
// logic carries it to a CONDITIONAL verdict, never a guess.
func (e *Evaluator) Evaluate(r *Request, d *Decision) {
	d.reset()
	if r.needsNoPermission() {
		d.Verdict = Allow
		d.Reasons = append(d.Reasons, Reason{Layer: LayerIdentityPolicy, Outcome: OutcomeAllows, Code: CodeNoPermissionRequired, Statement: -1})
		return
	}
	var layerDeny [numLayers]policy.Tri // explicit denies, per layer
	// Layers marked Unknown may hold denies we cannot see: they can only
	// make the verdict uncertain, never an explicit DENY.
	var unknownDeny [numLayers]bool
	p := &r.Principal
	same := r.sameAccount()
	isKey := r.isKMSKey()
	op := r.lowerAction[len(r.service)+1:]

	// SCPs: principals of member accounts, not the management account, not
	// service-linked roles, not service principals (Organizations UG, SCPs).
	scpOK := tT
	if len(r.SCPs) > 0 || r.Unknown[LayerSCP] {
		if code := scpExemption(r); code != CodeNone {
			d.Reasons = append(d.Reasons, Reason{Layer: LayerSCP, Outcome: OutcomeNotApplicable, Code: code, Statement: -1})
		} else {
			for lvl := range r.SCPs {
				if len(r.SCPs[lvl]) == 0 {
					continue // nothing attached at this level (see docs/eval.md)
				}
				acc := newScan()
				for i := range r.SCPs[lvl] {
					e.scanPolicy(r, d, &r.SCPs[lvl][i], LayerSCP, lvl, false, &acc)
				}
				if r.Unknown[LayerSCP] {
					acc.allow = acc.allow.Or(policy.Unknown)
					unknownDeny[LayerSCP] = true
				}
				layerDeny[LayerSCP] = layerDeny[LayerSCP].Or(acc.deny)
				if acc.allow == tF {
					d.Reasons = append(d.Reasons, Reason{Layer: LayerSCP, Outcome: OutcomeNoAllow, Level: lvl, Statement: -1})
				}
				scpOK = scpOK.And(acc.allow)
			}
			if r.Unknown[LayerSCP] && !unknownDeny[LayerSCP] {
				// No SCP known at any level: an unknown one may deny, or
				// fail to allow.
				scpOK, unknownDeny[LayerSCP] = policy.Unknown, true
			}
		}
	}

	// RCPs: resources of member accounts, not AWS managed keys, not
	// kms:RetireGrant (Organizations UG, RCPs; KMS DG, RCPs).
	rcpOK := tT
	if len(r.RCPs) > 0 || r.Unknown[LayerRCP] {
		if code := rcpExemption(r, op); code != CodeNone {
			d.Reasons = append(d.Reasons, Reason{Layer: LayerRCP, Outcome: OutcomeNotApplicable, Code: code, Statement: -1})
		} else {
			for lvl := range r.RCPs {
				if len(r.RCPs[lvl]) == 0 {
					continue
				}
				acc := newScan()
				for i := range r.RCPs[lvl] {
					e.scanPolicy(r, d, &r.RCPs[lvl][i], LayerRCP, lvl, true, &acc)
				}
				a := acc.anyAllow()
				if r.Unknown[LayerRCP] {
					a = a.Or(policy.Unknown)
					unknownDeny[LayerRCP] = true
				}
				layerDeny[LayerRCP] = layerDeny[LayerRCP].Or(acc.deny)
				if a == tF {
					d.Reasons = append(d.Reasons, Reason{Layer: LayerRCP, Outcome: OutcomeNoAllow, Level: lvl, Statement: -1})
				}
				rcpOK = rcpOK.And(a)
			}
			if r.Unknown[LayerRCP] && !unknownDeny[LayerRCP] {
				rcpOK, unknownDeny[LayerRCP] = policy.Unknown, true
			}
		}
	}

	// VPC endpoint policy: never grants, must also allow (KMS DG, kms-vpc-endpoint).
	vpceOK := tT
	if r.VPCEndpointPolicy != nil {
		acc := newScan()
		e.scanPolicy(r, d, r.VPCEndpointPolicy, LayerVPCEndpointPolicy, 0, true, &acc)
		layerDeny[LayerVPCEndpointPolicy] = acc.deny
		vpceOK = acc.anyAllow()
	}
	if r.Unknown[LayerVPCEndpointPolicy] {
		unknownDeny[LayerVPCEndpointPolicy] = true
		vpceOK = vpceOK.And(policy.Unknown)
	}

	// Resource policy (key policy, trust policy).
	resLayer := r.resourcePolicyLayer()
	res := newScan()
	e.scanPolicy(r, d, r.ResourcePolicy, resLayer, 0, true, &res)
	if r.Unknown[resLayer] {
		res.unl, res.lim, res.acc = res.unl.Or(policy.Unknown), res.lim.Or(policy.Unknown), res.acc.Or(policy.Unknown)
		unknownDeny[resLayer] = true
	}
	layerDeny[resLayer] = res.deny

	// Identity side.
	idAllow := tF
	switch p.Kind {
	case arn.KindAccount:
		// The root user has every permission in its own account; no identity
		// policy can be attached to it.
		idAllow = tT
		d.Reasons = append(d.Reasons, Reason{Layer: LayerIdentityPolicy, Outcome: OutcomeAllows, Code: CodeRootUserImplicit, Statement: -1})
	case arn.KindService, arn.KindAnonymous:
	default:
		acc := newScan()
		for i := range r.IdentityPolicies {
			e.scanPolicy(r, d, &r.IdentityPolicies[i], LayerIdentityPolicy, 0, false, &acc)
		}
		if r.Unknown[LayerIdentityPolicy] {
			acc.allow = acc.allow.Or(policy.Unknown)
			unknownDeny[LayerIdentityPolicy] = true
		}
		layerDeny[LayerIdentityPolicy] = acc.deny
		idAllow = acc.allow
	}
	bOK, sOK := tT, tT
	if r.PermissionsBoundary != nil || r.Unknown[LayerPermissionsBoundary] {
		acc := newScan()
		e.scanPolicy(r, d, r.PermissionsBoundary, LayerPermissionsBoundary, 0, false, &acc)
		if r.Unknown[LayerPermissionsBoundary] {
			acc.allow = acc.allow.Or(policy.Unknown)
			unknownDeny[LayerPermissionsBoundary] = true
		}
		layerDeny[LayerPermissionsBoundary] = acc.deny
		bOK = acc.allow
	}
	if r.SessionPolicy != nil || r.Unknown[LayerSessionPolicy] {
		acc := newScan()
		e.scanPolicy(r, d, r.SessionPolicy, LayerSessionPolicy, 0, false, &acc)
		if r.Unknown[LayerSessionPolicy] {
			acc.allow = acc.allow.Or(policy.Unknown)
			unknownDeny[LayerSessionPolicy] = true
		}
		layerDeny[LayerSessionPolicy] = acc.deny
		sOK = acc.allow
	}

	// Grants (KMS keys only).
	gs := newGrantScan()
	if isKey && len(r.Grants) > 0 {
		gs = e.scanGrants(r, d)
	}
	if isKey && r.Unknown[LayerGrant] {
		gs.unl, gs.lim, gs.acc = gs.unl.Or(policy.Unknown), gs.lim.Or(policy.Unknown), gs.acc.Or(policy.Unknown)
	}
	for l, unknown := range r.Unknown {
		if unknown {
			code := CodePoliciesUnknown
			if Layer(l) == LayerKeyState {
				code = CodeKeyStateUnknown
			}
			d.Reasons = append(d.Reasons, Reason{Layer: Layer(l), Outcome: OutcomeUnknown, Code: code, Statement: -1})
		}
	}

	// Access paths.
	var paths [8]path
	np := 0
	newPath := func(resourceSide bool) *path {
		paths[np] = path{resourceSide: resourceSide}
		np++
		return &paths[np-1]
	}
	service := p.Kind == arn.KindService || p.Kind == arn.KindAnonymous
	switch {
	case service:
		newPath(true).add(resLayer, res.unl.Or(res.lim))
		newPath(true).add(LayerGrant, gs.unl)
	case same:
		newPath(true).add(resLayer, res.unl)
		newPath(true).add(resLayer, res.lim).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
		if r.resourcePolicyRequired() {
			newPath(true).add(resLayer, res.acc).add(LayerIdentityPolicy, idAllow).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
		} else {
			newPath(false).add(LayerIdentityPolicy, idAllow).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
		}
		newPath(true).add(LayerGrant, gs.unl)
		newPath(true).add(LayerGrant, gs.lim).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
		newPath(true).add(LayerGrant, gs.acc).add(LayerIdentityPolicy, idAllow).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
	default:
		// Cross-account: both accounts must allow (IAM UG, cross-account
		// evaluation; KMS DG: "Neither the key policy nor the IAM policy alone
		// is sufficient"), unless a grant names the external principal itself.
		newPath(true).add(resLayer, res.unl.Or(res.lim).Or(res.acc)).add(LayerIdentityPolicy, idAllow).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
		newPath(true).add(LayerGrant, gs.unl)
		newPath(true).add(LayerGrant, gs.lim).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
		newPath(true).add(LayerGrant, gs.acc).add(LayerIdentityPolicy, idAllow).add(LayerPermissionsBoundary, bOK).add(LayerSessionPolicy, sOK)
	}
	if gs.retire == tT {
		newPath(true).add(LayerGrant, tT)
	}
	allowed := tF
	for i := 0; i < np; i++ {
		allowed = allowed.Or(paths[i].value())
	}

	// Rules outside policies.
	stateOK, regionOK, xacctOK, aliasOK := true, true, true, true
	if r.reservedAlias() {
		aliasOK = false
		d.Reasons = append(d.Reasons, Reason{Layer: LayerKeyPolicy, Outcome: OutcomeBlocked, Code: CodeReservedAliasName, Statement: -1})
	}
	if isKey && !keyStateAllows(r.KeyState, op) {
		stateOK = false
		d.Reasons = append(d.Reasons, Reason{Layer: LayerKeyState, Outcome: OutcomeBlocked, Code: CodeKeyStateRefuses, Statement: -1})
	}
	// A key whose state was not collected may be in one that refuses op.
	stateKnown := tT
	if isKey && r.Unknown[LayerKeyState] && someStateRefuses(op) {
		stateKnown = policy.Unknown
	}
	if isKey && !same && !service {
		if !isCrossAccountOp(op) {
			xacctOK = false
			d.Reasons = append(d.Reasons, Reason{Layer: LayerKeyPolicy, Outcome: OutcomeBlocked, Code: CodeNotCrossAccountOp, Statement: -1})
		}
		if r.PrincipalEnabledRegions != nil && IsOptInRegion(r.resourceARN.Region) && !slices.Contains(r.PrincipalEnabledRegions, r.resourceARN.Region) {
			// KMS DG, key-policy-overview: permissions for another account "are
			// effective only when the account is enabled in the Region".
			regionOK = false
			d.Reasons = append(d.Reasons, Reason{Layer: LayerRegion, Outcome: OutcomeBlocked, Code: CodeRegionNotEnabled, Statement: -1})
		}
	}

	explicit := tF
	for l, t := range layerDeny {
		if unknownDeny[l] {
			t = t.Or(policy.Unknown)
		}
		explicit = explicit.Or(t)
	}
	verdict := explicit.Not().And(scpOK).And(rcpOK).And(vpceOK).And(allowed).And(stateKnown).And(policy.TriOf(stateOK && regionOK && xacctOK && aliasOK))
	d.Verdict = verdictOf(verdict)
	if verdict == tT {
		return
	}

	// Denying layers.
	for l, t := range layerDeny {
		switch {
		case t != tF:
			d.deny(Layer(l), true)
		case unknownDeny[l]:
			d.deny(Layer(l), false)
		}
	}
	if scpOK != tT {
		d.deny(LayerSCP, false)
	}
	if rcpOK != tT {
		d.deny(LayerRCP, false)
	}
	if vpceOK != tT {
		d.deny(LayerVPCEndpointPolicy, false)
		if vpceOK == tF {
			d.Reasons = append(d.Reasons, Reason{Layer: LayerVPCEndpointPolicy, Outcome: OutcomeNoAllow, Statement: -1})
		}
	}
	if !stateOK || stateKnown != tT {
		d.deny(LayerKeyState, false)
	}
	if !regionOK {
		d.deny(LayerRegion, false)
	}
	if !xacctOK || !aliasOK {
		d.deny(LayerKeyPolicy, false)
	}
	if allowed != tT {
		e.blame(r, d, paths[:np], resLayer, same, service, idAllow, bOK, sOK, gs.nearMiss)
	}
	slices.SortFunc(d.DeniedBy, func(a, b Denial) int { return int(a.Layer) - int(b.Layer) })
	if d.Verdict == Conditional {
		collectResiduals(d)
	}
}

// blame names the layers that keep every access path from allowing: among the
// paths whose resource side holds (or may hold), those with the fewest failing
// components; when no resource side holds, the resource policy itself (and,
// cross-account, the caller's side too, since both accounts must allow).
func (e *Evaluator) blame(r *Request, d *Decision, paths []path, resLayer Layer, same, service bool, idAllow, bOK, sOK policy.Tri, nearMiss bool) {
	if d.Verdict == Conditional {
		// The layers that fail unless the conditions hold: the unknown
		// components of the paths that may allow.
		for i := range paths {
			pa := &paths[i]
			if pa.value() != policy.Unknown {
				continue
			}
			for j := 0; j < pa.n; j++ {
				if pa.comps[j].t == policy.Unknown {
					e.blameLayer(r, d, pa.comps[j].layer, same)
				}
			}
		}
		return
	}
	best := -1
	for i := range paths {
		if paths[i].comps[0].t == tF && paths[i].resourceSide {
			continue
		}
		if f := paths[i].failures(); best < 0 || f < best {
			best = f
		}
	}
	blamed := false
	if best > 0 {
		for i := range paths {
			pa := &paths[i]
			if pa.comps[0].t == tF && pa.resourceSide || pa.failures() != best {
				continue
			}
			for j := 0; j < pa.n; j++ {
				if pa.comps[j].t != tT {
					e.blameLayer(r, d, pa.comps[j].layer, same)
					blamed = true
				}
			}
		}
	}
	if !blamed {
		e.blameLayer(r, d, resLayer, same)
		if !same && !service {
			for _, c := range [...]component{{LayerIdentityPolicy, idAllow}, {LayerPermissionsBoundary, bOK}, {LayerSessionPolicy, sOK}} {
				if c.t != tT {
					e.blameLayer(r, d, c.layer, same)
				}
			}
		}
	}
	if nearMiss {
		d.deny(LayerGrant, false)
	}
}

// blameLayer records an implicit denial by layer, with a reason saying no
// statement of it allows the request.
func (e *Evaluator) blameLayer(r *Request, d *Decision, l Layer, same bool) {
	for _, x := range d.DeniedBy {
		if x.Layer == l {
			return
		}
	}
	d.deny(l, false)
	if d.Verdict == Conditional {
		return
	}
	reason := Reason{Layer: l, Outcome: OutcomeNoAllow, Statement: -1}
	switch {
	case l == LayerIdentityPolicy && !same:
		reason.Code = CodeCrossAccountNeedsIAM
	case l == LayerIdentityPolicy && len(r.IdentityPolicies) == 0:
		reason.Code = CodeNoIdentityPolicies
	case l == LayerPermissionsBoundary:
		reason.Code = CodeBoundaryLimitsRoleARN
	case l == LayerSessionPolicy:
		reason.Code = CodeSessionLimitsRoleARN
	}
	d.Reasons = append(d.Reasons, reason)
}
