package evalbatch

import (
	"strconv"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/internal/jsonappend"
)

// appendDecision appends d as json.Marshal encodes it, byte for byte, without
// reflection: encoding/json took a third of a batch's time. Every field of
// the types below must be written here, in declaration order, with its tag's
// name and omitempty; TestAppendDecisionFields fails when a field is added
// to them, and TestAppendDecisionMatchesEncodingJSON compares the bytes.
func appendDecision(b []byte, d *eval.Decision) []byte {
	b = append(b, `{"decision":`...)
	b = appendString(b, d.Verdict.String())
	b = append(b, `,"denied_by":`...)
	if d.DeniedBy == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.DeniedBy {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"layer":`...)
			b = appendString(b, d.DeniedBy[i].Layer.String())
			b = append(b, `,"explicit":`...)
			b = strconv.AppendBool(b, d.DeniedBy[i].Explicit)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = append(b, `,"reasons":`...)
	if d.Reasons == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i := range d.Reasons {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendReason(b, &d.Reasons[i])
		}
		b = append(b, ']')
	}
	if len(d.Conditions) > 0 {
		b = append(b, `,"conditions":[`...)
		for i := range d.Conditions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendResidual(b, &d.Conditions[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendReason(b []byte, r *eval.Reason) []byte {
	b = append(b, `{"layer":`...)
	b = appendString(b, r.Layer.String())
	b = append(b, `,"outcome":`...)
	b = appendString(b, r.Outcome.String())
	b = appendOptional(b, `,"code":`, string(r.Code))
	b = appendOptional(b, `,"policy":`, r.Policy)
	b = appendOptional(b, `,"policy_arn":`, r.PolicyARN)
	if r.Level != 0 {
		b = append(b, `,"level":`...)
		b = strconv.AppendInt(b, int64(r.Level), 10)
	}
	b = append(b, `,"statement":`...)
	b = strconv.AppendInt(b, int64(r.Statement), 10)
	b = appendOptional(b, `,"sid":`, r.Sid)
	b = appendOptional(b, `,"effect":`, r.Effect)
	b = appendOptional(b, `,"grant":`, r.Grant)
	if len(r.Conditions) > 0 {
		b = append(b, `,"conditions":[`...)
		for i := range r.Conditions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendConditionResult(b, &r.Conditions[i])
		}
		b = append(b, ']')
	}
	return append(b, '}')
}

func appendConditionResult(b []byte, c *eval.ConditionResult) []byte {
	b = append(b, `{"operator":`...)
	b = appendString(b, c.Operator)
	b = append(b, `,"key":`...)
	b = appendString(b, c.Key)
	b = append(b, `,"values":`...)
	b = appendStrings(b, c.Values)
	if len(c.Context) > 0 {
		b = append(b, `,"context":`...)
		b = appendStrings(b, c.Context)
	}
	b = append(b, `,"known":`...)
	b = strconv.AppendBool(b, c.Known)
	b = append(b, `,"present":`...)
	b = strconv.AppendBool(b, c.Present)
	if len(c.NotIn) > 0 {
		b = append(b, `,"not_in":`...)
		b = appendStrings(b, c.NotIn)
	}
	b = append(b, `,"result":`...)
	b = appendString(b, c.Result.String())
	return append(b, '}')
}

func appendResidual(b []byte, r *eval.Residual) []byte { return r.AppendJSON(b, true) }

// appendOptional, appendStrings and appendString write as json.Marshal
// does, HTML escaping on.
func appendOptional(b []byte, name, s string) []byte { return jsonappend.Optional(b, name, s, true) }

func appendStrings(b []byte, ss []string) []byte { return jsonappend.Strings(b, ss, true) }

func appendString(b []byte, s string) []byte { return jsonappend.String(b, s, true) }
