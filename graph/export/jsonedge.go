package export

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/internal/jsonappend"
)

// appendEdge appends e as encoding/json encodes it (HTML escaping off, a
// newline after), without reflection: a large organization's export is
// millions of edges. TestEdgeEncodingMatchesEncodingJSON and FuzzEdgeJSON
// hold it to encoding/json's output.
func appendEdge(b []byte, e *Edge) []byte {
	b = append(b, `{"from":`...)
	b = appendString(b, e.From)
	b = append(b, `,"to":`...)
	b = appendString(b, e.To)
	b = append(b, `,"kind":`...)
	b = appendString(b, e.Kind)
	if e.Action != "" {
		b = append(b, `,"action":`...)
		b = appendString(b, e.Action)
	}
	if e.Decision != eval.Deny {
		b = append(b, `,"decision":`...)
		b = appendString(b, e.Decision.String())
	}
	if len(e.Conditions) > 0 {
		b = append(b, `,"conditions":[`...)
		for i := range e.Conditions {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendResidual(b, &e.Conditions[i])
		}
		b = append(b, ']')
	}
	if len(e.Via) > 0 {
		b = append(b, `,"via":`...)
		b = appendStrings(b, e.Via)
	}
	if len(e.Because) > 0 {
		b = append(b, `,"because":`...)
		b = appendStrings(b, e.Because)
	}
	if len(e.Steps) > 0 {
		// Rare (escalation edges) and nested: encoding/json's own.
		b = append(b, `,"steps":`...)
		b = appendJSON(b, e.Steps)
	}
	if e.Uses != nil {
		b = append(b, `,"uses":`...)
		b = strconv.AppendInt(b, int64(*e.Uses), 10)
	}
	if e.LastUsed != "" {
		b = append(b, `,"last_used":`...)
		b = appendString(b, e.LastUsed)
	}
	if len(e.Attrs) > 0 {
		b = append(b, `,"attrs":{`...)
		for i, k := range sortedAttrs(e.Attrs) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, k)
			b = append(b, ':')
			b = appendString(b, e.Attrs[k])
		}
		b = append(b, '}')
	}
	return append(b, "}\n"...)
}

// appendString and appendStrings write as the export's encoder does, HTML
// escaping off.
func appendString(b []byte, s string) []byte { return jsonappend.String(b, s, false) }

func appendStrings(b []byte, list []string) []byte { return jsonappend.Strings(b, list, false) }

func appendResidual(b []byte, r *eval.Residual) []byte { return r.AppendJSON(b, false) }

// appendJSON appends v as encoding/json encodes it, HTML escaping off.
func appendJSON(b []byte, v any) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return append(b, "null"...)
	}
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}
