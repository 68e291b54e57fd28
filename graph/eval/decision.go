package eval

import (
	"fmt"

	"github.com/keyhound/keyhound/graph/policy"
)

// Verdict is the outcome of an evaluation.
type Verdict uint8

// Verdicts. Conditional means the request is allowed for some values of the
// request-context keys that are not known and denied for others.
const (
	Deny Verdict = iota
	Allow
	Conditional
)

var verdictNames = [...]string{"DENY", "ALLOW", "CONDITIONAL"}

// String returns "ALLOW", "DENY" or "CONDITIONAL".
func (v Verdict) String() string { return verdictNames[v] }

// MarshalText implements encoding.TextMarshaler.
func (v Verdict) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: "ALLOW", "DENY" or
// "CONDITIONAL".
func (v *Verdict) UnmarshalText(b []byte) error {
	for i, n := range verdictNames {
		if n == string(b) {
			*v = Verdict(i)
			return nil
		}
	}
	return fmt.Errorf("verdict %q: want ALLOW, DENY or CONDITIONAL", b)
}

func verdictOf(t policy.Tri) Verdict {
	switch t {
	case policy.True:
		return Allow
	case policy.False:
		return Deny
	default:
		return Conditional
	}
}

// Layer is one kind of policy or check in AWS's evaluation.
type Layer uint8

// Layers, in the order AWS's evaluation logic considers them.
const (
	LayerSCP Layer = iota
	LayerRCP
	LayerVPCEndpointPolicy
	LayerKeyPolicy
	LayerTrustPolicy
	LayerResourcePolicy
	LayerGrant
	LayerIdentityPolicy
	LayerPermissionsBoundary
	LayerSessionPolicy
	LayerKeyState
	LayerRegion
	numLayers
)

var layerNames = [...]string{
	"scp", "rcp", "vpc-endpoint-policy", "key-policy", "trust-policy", "resource-policy", "grant",
	"identity-policy", "permissions-boundary", "session-policy", "key-state", "region",
}

// String returns the layer's name as used in JSON output: "key-policy", "scp", ….
func (l Layer) String() string {
	if int(l) < len(layerNames) {
		return layerNames[l]
	}
	return "unknown"
}

// MarshalText implements encoding.TextMarshaler.
func (l Layer) MarshalText() ([]byte, error) { return []byte(l.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Layer) UnmarshalText(b []byte) error {
	x, ok := ParseLayer(string(b))
	if !ok {
		return fmt.Errorf("layer %q is not one keyhound knows", b)
	}
	*l = x
	return nil
}

// ParseLayer returns the layer named s.
func ParseLayer(s string) (Layer, bool) {
	for i, n := range layerNames {
		if n == s {
			return Layer(i), true
		}
	}
	return 0, false
}

// Denial is one layer that denies the request.
type Denial struct {
	Layer Layer `json:"layer"`
	// Explicit is true for an explicit Deny statement, false when the layer
	// simply has no applicable Allow (or, for key-state and region, a rule).
	Explicit bool `json:"explicit"`
}

// Outcome is what a reason says about its statement or layer.
type Outcome uint8

// Outcomes.
const (
	// OutcomeAllows: an Allow statement (or grant) applies to the request.
	OutcomeAllows Outcome = iota
	// OutcomeDenies: a Deny statement applies.
	OutcomeDenies
	// OutcomeConditional: the statement applies only if its unknown conditions hold.
	OutcomeConditional
	// OutcomeConditionFailed: action, principal and resource match but a condition is false.
	OutcomeConditionFailed
	// OutcomeNoAllow: no statement of the layer allows the request.
	OutcomeNoAllow
	// OutcomeNotApplicable: the layer does not apply to this request (Code says why).
	OutcomeNotApplicable
	// OutcomeBlocked: a rule outside policies refuses the request (key state, Region, …).
	OutcomeBlocked
	// OutcomeUnknown: some of the layer's policies are not known (not collected, unparseable).
	OutcomeUnknown
)

var outcomeNames = [...]string{"allows", "denies", "conditional", "condition-failed", "no-allow", "not-applicable", "blocked", "unknown"}

// String returns the outcome's JSON name.
func (o Outcome) String() string { return outcomeNames[o] }

// MarshalText implements encoding.TextMarshaler.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Code names the rule behind a reason, for reasons that are not a plain
// statement match. Renderers turn codes into sentences.
type Code string

// Codes.
const (
	CodeNone                   Code = ""
	CodeAccountDelegation      Code = "account-delegation" // the key/trust policy allows the caller's account: IAM must delegate
	CodeDirectPrincipal        Code = "names-principal"    // the statement names the caller (or its role)
	CodeCrossAccountNeedsIAM   Code = "cross-account-needs-identity-policy"
	CodeNotCrossAccountOp      Code = "operation-not-available-cross-account"
	CodeSCPManagementAccount   Code = "scp-not-applicable-management-account"
	CodeSCPServiceLinkedRole   Code = "scp-not-applicable-service-linked-role"
	CodeSCPServicePrincipal    Code = "scp-not-applicable-service-principal"
	CodeRCPManagementAccount   Code = "rcp-not-applicable-management-account"
	CodeRCPAWSManagedKey       Code = "rcp-not-applicable-aws-managed-key"
	CodeRCPRetireGrant         Code = "rcp-not-applicable-retire-grant"
	CodeRCPServiceLinkedRole   Code = "rcp-not-applicable-service-linked-role"
	CodeRCPServiceNotSupported Code = "rcp-not-applicable-service"
	CodeKeyStateRefuses        Code = "key-state-refuses-operation"
	CodeRegionNotEnabled       Code = "region-not-enabled-for-caller"
	CodeGrantConstraintFailed  Code = "grant-constraint-not-satisfied"
	CodeRetiringPrincipal      Code = "retiring-principal"
	CodeRootUserImplicit       Code = "root-user-identity"
	CodeBoundaryLimitsRoleARN  Code = "boundary-limits-role-arn-grant"
	CodeSessionLimitsRoleARN   Code = "session-policy-limits-role-arn-grant"
	CodeNoIdentityPolicies     Code = "no-identity-policies"
	CodeAWSManagedKeyDirectUse Code = "aws-managed-key"
	CodePoliciesUnknown        Code = "policies-unknown"
	CodeKeyStateUnknown        Code = "key-state-unknown"
	CodeNoPermissionRequired   Code = "no-permission-required" // sts:GetCallerIdentity
	CodeReservedAliasName      Code = "alias-name-reserved"    // alias/aws/ is for AWS managed keys
)

// Reason is one piece of evidence: a statement, grant or rule, with the layer
// it belongs to and what it did.
type Reason struct {
	Layer   Layer   `json:"layer"`
	Outcome Outcome `json:"outcome"`
	Code    Code    `json:"code,omitempty"`
	// Policy names the policy (its name, or the layer's name for unnamed ones).
	Policy    string `json:"policy,omitempty"`
	PolicyARN string `json:"policy_arn,omitempty"`
	// Level is the SCP/RCP level: 0 for the root, then OUs, then the account.
	Level int `json:"level,omitempty"`
	// Statement is the statement's index in its policy, or -1.
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
	// Effect is the statement's effect, "Allow" or "Deny"; empty for other reasons.
	Effect string `json:"effect,omitempty"`
	// Grant is the grant ID for grant reasons.
	Grant      string            `json:"grant,omitempty"`
	Conditions []ConditionResult `json:"conditions,omitempty"`
}

// ConditionResult is one condition of a statement and how it evaluated.
type ConditionResult struct {
	Operator string   `json:"operator"`
	Key      string   `json:"key"`
	Values   []string `json:"values"`
	// Context holds the request's values for the key; Present says whether
	// the key was in the request (false with Known true: known absent).
	Context []string `json:"context,omitempty"`
	Known   bool     `json:"known"`
	Present bool     `json:"present"`
	// NotIn, for an unknown key, lists values it is known not to have.
	NotIn  []string   `json:"not_in,omitempty"`
	Result policy.Tri `json:"result"`
}

// Decision is the answer to one request.
type Decision struct {
	Verdict  Verdict  `json:"decision"`
	DeniedBy []Denial `json:"denied_by"`
	Reasons  []Reason `json:"reasons"`
	// Conditions lists, for a CONDITIONAL verdict, the conditions on unknown
	// keys that decide it; Effect says whether each would allow or deny.
	Conditions []Residual `json:"conditions,omitempty"`

	conds []ConditionResult // backing store for Reasons[i].Conditions
}

// Residual is a condition the verdict depends on.
type Residual struct {
	Layer     Layer  `json:"layer"`
	Policy    string `json:"policy,omitempty"`
	Statement int    `json:"statement"`
	Sid       string `json:"sid,omitempty"`
	// Grant is the grant ID when the condition is a grant's constraint.
	Grant    string        `json:"grant,omitempty"`
	Effect   policy.Effect `json:"effect"`
	Operator string        `json:"operator"`
	Key      string        `json:"key"`
	Values   []string      `json:"values"`
}

// DeniedByLayer reports whether layer is among the denying layers.
func (d *Decision) DeniedByLayer(l Layer) bool {
	for _, x := range d.DeniedBy {
		if x.Layer == l {
			return true
		}
	}
	return false
}

func (d *Decision) reset() {
	d.Verdict = Deny
	if d.DeniedBy == nil {
		// Never null in JSON: an ALLOW has an empty list of denying layers.
		d.DeniedBy, d.Reasons = make([]Denial, 0, 4), make([]Reason, 0, 16)
	}
	d.DeniedBy = d.DeniedBy[:0]
	d.Reasons = d.Reasons[:0]
	d.Conditions = d.Conditions[:0]
	d.conds = d.conds[:0]
}

func (d *Decision) deny(l Layer, explicit bool) {
	for i, x := range d.DeniedBy {
		if x.Layer == l {
			d.DeniedBy[i].Explicit = x.Explicit || explicit
			return
		}
	}
	d.DeniedBy = append(d.DeniedBy, Denial{Layer: l, Explicit: explicit})
}

// And combines two verdicts that must both hold: DENY if either denies,
// ALLOW if both allow, CONDITIONAL otherwise.
func (v Verdict) And(w Verdict) Verdict {
	switch {
	case v == Deny || w == Deny:
		return Deny
	case v == Allow && w == Allow:
		return Allow
	}
	return Conditional
}
