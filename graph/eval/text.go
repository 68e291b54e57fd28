package eval

import (
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph/policy"
)

// codeText is the sentence for each reason code.
var codeText = map[Code]string{
	CodeAccountDelegation:      "names the caller's account, so IAM policies in that account must also allow it",
	CodeDirectPrincipal:        "names the caller or its role",
	CodeCrossAccountNeedsIAM:   "cross-account: the caller's own account must allow it too, and no identity policy does",
	CodeNotCrossAccountOp:      "this KMS operation cannot be used on a key in another account",
	CodeSCPManagementAccount:   "SCPs do not apply to principals of the management account",
	CodeSCPServiceLinkedRole:   "SCPs do not apply to service-linked roles",
	CodeSCPServicePrincipal:    "SCPs do not apply to AWS service principals",
	CodeRCPManagementAccount:   "RCPs do not apply to resources of the management account",
	CodeRCPAWSManagedKey:       "RCPs do not apply to AWS managed keys",
	CodeRCPRetireGrant:         "RCPs do not apply to kms:RetireGrant",
	CodeRCPServiceLinkedRole:   "RCPs do not apply to service-linked roles",
	CodeRCPServiceNotSupported: "RCPs do not apply to this service's resources",
	CodeKeyStateRefuses:        "the key's state refuses this operation",
	CodeRegionNotEnabled:       "the caller's account has not enabled the key's opt-in Region",
	CodeGrantConstraintFailed:  "encryption-context constraint not satisfied",
	CodeRetiringPrincipal:      "the caller may retire this grant",
	CodeRootUserImplicit:       "the root user needs no identity policy in its own account",
	CodeBoundaryLimitsRoleARN:  "no statement of the permissions boundary allows it (a boundary limits identity policies and grants to the role ARN)",
	CodeSessionLimitsRoleARN:   "no statement of the session policy allows it (a session policy limits identity policies and grants to the role ARN)",
	CodeNoIdentityPolicies:     "the caller has no identity policies",
	CodePoliciesUnknown:        "some of its policies are unknown (not collected, unreadable or unparseable): the answer cannot rest on them",
	CodeKeyStateUnknown:        "the key's state was not collected: a state that refuses this operation cannot be ruled out",
	CodeNoPermissionRequired:   "this action needs no permission, and no policy can deny it",
	CodeReservedAliasName:      "alias names beginning with alias/aws/ are reserved for AWS managed keys: no one may create, update or delete them",
}

// WriteText writes the decision as an on-call engineer reads it: the verdict,
// the layers that deny, the deciding statements, then the rest of the trace.
func WriteText(w io.Writer, r *Request, d *Decision) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", d.Verdict, requestLine(r))
	switch d.Verdict {
	case Deny:
		fmt.Fprintf(&b, "denied by: %s\n", deniedList(d))
	case Conditional:
		if len(d.Conditions) > 0 {
			fmt.Fprintf(&b, "depends on the request: %s\n", deniedList(d))
		} else {
			fmt.Fprintf(&b, "uncertain: %s\n", deniedList(d))
		}
	}
	if d.Verdict == Deny {
		first := true
		for _, rs := range d.Reasons {
			if !deciding(d, rs) {
				continue
			}
			label := "deciding:"
			if !first {
				label = ""
			}
			first = false
			fmt.Fprintf(&b, "%-9s %s %s %s\n", label, glyph(rs), rs.Layer, reasonText(rs))
			for _, c := range rs.Conditions {
				if c.Result != policy.True || rs.Outcome == OutcomeDenies {
					fmt.Fprintf(&b, "            %s %s %s %s  request: %s\n", triGlyph(c.Result), c.Operator, c.Key, bracket(c.Values), contextText(c))
				}
			}
		}
	}
	if r.isKMSKey() {
		if exc := KeyStateError(r.KeyState, r.Action); exc != "" {
			fmt.Fprintf(&b, "key state %s: KMS answers %s, not AccessDenied\n", r.KeyState, exc)
		}
	}
	if len(d.Conditions) > 0 {
		b.WriteString("\nconditions the verdict depends on:\n")
		for _, cl := range Clauses(d.Conditions) {
			fmt.Fprintf(&b, "  ? %s   (%s)\n", cl.Text(), cl.Source())
			for _, rs := range Companions(r, d.Reasons, cl) {
				fmt.Fprintf(&b, "    %s and %s %s\n", glyph(rs), rs.Layer, reasonText(rs))
			}
		}
	}
	b.WriteString("\ntrace:\n")
	for _, rs := range d.Reasons {
		fmt.Fprintf(&b, "  %s %-20s %s\n", glyph(rs), rs.Layer, reasonText(rs))
		for _, c := range rs.Conditions {
			fmt.Fprintf(&b, "      %s %s %s %s  request: %s\n", triGlyph(c.Result), c.Operator, c.Key, bracket(c.Values), contextText(c))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func requestLine(r *Request) string {
	return fmt.Sprintf("%s → %s on %s", r.Principal.ARN, r.Action, r.Resource)
}

func deniedList(d *Decision) string {
	if len(d.DeniedBy) == 0 {
		return "(no layer)"
	}
	parts := make([]string, len(d.DeniedBy))
	for i, x := range d.DeniedBy {
		kind := "implicit"
		if x.Explicit {
			kind = "explicit deny"
		}
		parts[i] = x.Layer.String() + " (" + kind + ")"
	}
	return strings.Join(parts, ", ")
}

func glyph(rs Reason) string {
	switch rs.Outcome {
	case OutcomeAllows:
		return "✓"
	case OutcomeDenies, OutcomeNoAllow, OutcomeBlocked:
		return "✗"
	case OutcomeConditional, OutcomeUnknown:
		return "?"
	default:
		return "·"
	}
}

func triGlyph(t policy.Tri) string {
	switch t {
	case policy.True:
		return "✓"
	case policy.False:
		return "✗"
	default:
		return "?"
	}
}

func stmtRef(pol string, idx int, sid string) string {
	var b strings.Builder
	if pol != "" {
		b.WriteString(", " + pol)
	}
	if idx >= 0 {
		fmt.Fprintf(&b, ", statement %d", idx)
	}
	if sid != "" {
		fmt.Fprintf(&b, " %q", sid)
	}
	return b.String()
}

func reasonText(rs Reason) string {
	var what string
	switch rs.Outcome {
	case OutcomeAllows:
		what = "allows"
	case OutcomeDenies:
		what = "explicitly denies"
	case OutcomeConditional:
		what = "applies only if its conditions hold"
	case OutcomeConditionFailed:
		what = "does not apply: a condition is false"
	case OutcomeNoAllow:
		what = "no statement allows the request"
	case OutcomeNotApplicable:
		what = "does not apply"
	case OutcomeBlocked:
		what = "blocks the request"
	case OutcomeUnknown:
		what = "is not fully known"
	}
	var b strings.Builder
	switch {
	case rs.Grant != "":
		fmt.Fprintf(&b, "grant %s %s", rs.Grant, what)
	case rs.Statement >= 0:
		fmt.Fprintf(&b, "%s%s %s", strings.TrimPrefix(stmtRef(rs.Policy, rs.Statement, rs.Sid), ", "), levelText(rs), what)
	default:
		b.WriteString(what + levelText(rs))
	}
	if t, ok := codeText[rs.Code]; ok {
		b.WriteString(": " + t)
	}
	return b.String()
}

func levelText(rs Reason) string {
	if rs.Layer != LayerSCP && rs.Layer != LayerRCP {
		return ""
	}
	if rs.Outcome == OutcomeNotApplicable {
		return ""
	}
	return fmt.Sprintf(" (level %d)", rs.Level)
}

func bracket(v []string) string { return "[" + strings.Join(v, ", ") + "]" }

func contextText(c ConditionResult) string {
	switch {
	case !c.Known && len(c.NotIn) > 0:
		return "unknown, but not " + bracket(c.NotIn)
	case !c.Known:
		return "unknown"
	case !c.Present:
		return "absent"
	default:
		return bracket(c.Context)
	}
}

// deciding reports whether a reason is evidence for one of the denying layers.
func deciding(d *Decision, rs Reason) bool {
	if !d.DeniedByLayer(rs.Layer) {
		return false
	}
	switch rs.Outcome {
	case OutcomeDenies, OutcomeNoAllow, OutcomeBlocked, OutcomeConditionFailed:
		return true
	}
	return false
}

// Text is the reason in words, as the text trace writes it: the policy and
// statement, and what it did.
func (rs Reason) Text() string { return reasonText(rs) }

// Glyph is ✓ for a reason that allows, ✗ for one that denies or fails to
// allow, and another mark for the rest.
func (rs Reason) Glyph() string { return glyph(rs) }

// Text is the condition as the trace writes it: operator, key, policy
// values, and the request's value.
func (c ConditionResult) Text() string {
	return triGlyph(c.Result) + " " + c.Operator + " " + c.Key + " " + bracket(c.Values) + "  request: " + contextText(c)
}
