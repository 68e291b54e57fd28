package eval

import (
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/policy"
	"github.com/keyhound/keyhound/internal/jsonappend"
)

// Clause is what one statement or grant makes of a CONDITIONAL verdict: the
// conditions on unknown keys it depends on, read with the statement's
// effect. A Deny statement's conditions say when the request is denied, an
// Allow statement's (or a grant's) when it is allowed: printing either as a
// bare "if" reads the opposite of the truth half the time.
type Clause struct {
	Effect policy.Effect
	// Layer, Policy, Statement, Sid and Grant name where the conditions are.
	Layer     Layer
	Policy    string
	Statement int
	Sid       string
	Grant     string
	// Conditions all hold for the statement to apply (AND).
	Conditions []Residual
	// Alternative is true for an Allow clause after the first: another way
	// the request may be allowed (OR).
	Alternative bool
}

// Clauses groups residual conditions by the statement or grant they belong
// to, in order: one Clause per statement, its conditions ANDed.
func Clauses(cs []Residual) []Clause {
	var out []Clause
	allows := 0
	for _, c := range cs {
		if n := len(out); n > 0 && out[n-1].same(c) {
			out[n-1].Conditions = append(out[n-1].Conditions, c)
			continue
		}
		cl := Clause{Effect: c.Effect, Layer: c.Layer, Policy: c.Policy, Statement: c.Statement, Sid: c.Sid, Grant: c.Grant, Conditions: []Residual{c}}
		if c.Effect == policy.Allow {
			cl.Alternative = allows > 0
			allows++
		}
		out = append(out, cl)
	}
	return out
}

func (cl *Clause) same(c Residual) bool {
	return cl.Layer == c.Layer && cl.Policy == c.Policy && cl.Statement == c.Statement && cl.Sid == c.Sid && cl.Grant == c.Grant && cl.Effect == c.Effect
}

// Verb is how the clause bears on the verdict: "allowed only if", "or
// allowed if" for a further way to be allowed, "denied if".
func (cl Clause) Verb() string {
	switch {
	case cl.Effect == policy.Deny:
		return "denied if"
	case cl.Alternative:
		return "or allowed if"
	}
	return "allowed only if"
}

// Text is the clause in words: `allowed only if kms:ViaService StringEquals
// s3.us-east-1.amazonaws.com`; several conditions are joined by "and",
// several values of one by "or".
func (cl Clause) Text() string {
	parts := make([]string, len(cl.Conditions))
	for i, c := range cl.Conditions {
		parts[i] = c.Key + " " + c.Operator + " " + strings.Join(c.Values, " or ")
	}
	return cl.Verb() + " " + strings.Join(parts, " and ")
}

// Source names where the clause's conditions are: `key-policy statement 1
// "Sid"`, `identity-policy app statement 0`, `grant 5a7e…`.
func (cl Clause) Source() string {
	if cl.Grant != "" {
		return "grant " + cl.Grant
	}
	var b strings.Builder
	b.WriteString(cl.Layer.String())
	if cl.Policy != "" && cl.Policy != cl.Layer.String() && !strings.EqualFold(cl.Policy, strings.ReplaceAll(cl.Layer.String(), "-", " ")) {
		b.WriteString(" " + cl.Policy)
	}
	if cl.Statement >= 0 {
		b.WriteString(" statement " + strconv.Itoa(cl.Statement))
	}
	if cl.Sid != "" {
		b.WriteString(" " + strconv.Quote(cl.Sid))
	}
	return b.String()
}

// Companions returns the reasons of the other layers that must also allow
// for a clause's statement to give access, as the trace shows them beside
// it. For a key, trust or resource policy statement that names the caller's
// account, which delegates to IAM (KMS DG, "Allows access to the AWS account
// and enables IAM policies"), or any such statement when the caller is in
// another account, since both accounts must allow (IAM UG, "Cross-account
// policy evaluation logic"): the caller's identity policies, or a no-allow
// reason when none allows, and its permissions boundary and session policy,
// which limit what they allow. A grant needs them only when it names the
// caller's account. r, when not nil, tells whether the call crosses
// accounts. For an
// identity-side statement: the resource-side statements that delegate to
// the caller's account, and the other identity-side layers. SCP, RCP and VPC
// endpoint clauses only limit, and have none; nor do Deny clauses.
func Companions(r *Request, reasons []Reason, cl Clause) []Reason {
	if cl.Effect != policy.Allow {
		return nil
	}
	var out []Reason
	switch cl.Layer {
	case LayerKeyPolicy, LayerTrustPolicy, LayerResourcePolicy, LayerGrant:
		cross := r != nil && r.Principal.AccountID != "" && !r.sameAccount() && cl.Layer != LayerGrant
		if !cross && !slices.ContainsFunc(reasons, func(rs Reason) bool { return cl.names(rs) && rs.Code == CodeAccountDelegation }) {
			return nil
		}
		identity := false
		for _, rs := range reasons {
			if allowing(rs) && isIdentitySide(rs.Layer) {
				out = append(out, rs)
				identity = identity || rs.Layer == LayerIdentityPolicy
			}
		}
		if !identity {
			out = append([]Reason{{Layer: LayerIdentityPolicy, Outcome: OutcomeNoAllow, Statement: -1}}, out...)
		}
	case LayerIdentityPolicy, LayerPermissionsBoundary, LayerSessionPolicy:
		for _, rs := range reasons {
			if allowing(rs) && (rs.Code == CodeAccountDelegation || isIdentitySide(rs.Layer) && rs.Layer != cl.Layer) {
				out = append(out, rs)
			}
		}
	}
	return out
}

// names reports whether rs is the reason of the clause's statement or grant.
func (cl *Clause) names(rs Reason) bool {
	return rs.Layer == cl.Layer && rs.Statement == cl.Statement && rs.Policy == cl.Policy && rs.Grant == cl.Grant
}

func allowing(rs Reason) bool {
	return rs.Outcome == OutcomeAllows || rs.Outcome == OutcomeConditional
}

func isIdentitySide(l Layer) bool {
	return l == LayerIdentityPolicy || l == LayerPermissionsBoundary || l == LayerSessionPolicy
}

// AppendJSON appends the residual as encoding/json encodes it, without
// reflection (exports and batch evaluation write millions); html says
// whether <, > and & are escaped, as json.Marshal does.
func (r *Residual) AppendJSON(b []byte, html bool) []byte {
	b = append(b, `{"layer":`...)
	b = jsonappend.String(b, r.Layer.String(), html)
	b = jsonappend.Optional(b, `,"policy":`, r.Policy, html)
	b = append(b, `,"statement":`...)
	b = strconv.AppendInt(b, int64(r.Statement), 10)
	b = jsonappend.Optional(b, `,"sid":`, r.Sid, html)
	b = jsonappend.Optional(b, `,"grant":`, r.Grant, html)
	b = append(b, `,"effect":`...)
	b = jsonappend.String(b, r.Effect.String(), html)
	b = append(b, `,"operator":`...)
	b = jsonappend.String(b, r.Operator, html)
	b = append(b, `,"key":`...)
	b = jsonappend.String(b, r.Key, html)
	b = append(b, `,"values":`...)
	b = jsonappend.Strings(b, r.Values, html)
	return append(b, '}')
}

// collectResiduals lists the unknown conditions of conditional statements.
func collectResiduals(d *Decision) {
	for i := range d.Reasons {
		rs := &d.Reasons[i]
		if rs.Outcome != OutcomeConditional {
			continue
		}
		for _, c := range rs.Conditions {
			if c.Result != policy.Unknown {
				continue
			}
			d.Conditions = append(d.Conditions, Residual{
				Layer: rs.Layer, Policy: rs.Policy, Statement: rs.Statement, Sid: rs.Sid, Grant: rs.Grant, Effect: effectOf(rs.Effect),
				Operator: c.Operator, Key: c.Key, Values: c.Values,
			})
		}
	}
}

func effectOf(s string) policy.Effect {
	if s == "Deny" {
		return policy.Deny
	}
	return policy.Allow
}
