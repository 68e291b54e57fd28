package export

import (
	"bytes"
	"encoding/json"
	"strconv"

	"github.com/keyhound/keyhound/graph/eval"
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

func appendResidual(b []byte, r *eval.Residual) []byte {
	b = append(b, `{"layer":`...)
	b = appendString(b, r.Layer.String())
	if r.Policy != "" {
		b = append(b, `,"policy":`...)
		b = appendString(b, r.Policy)
	}
	b = append(b, `,"statement":`...)
	b = strconv.AppendInt(b, int64(r.Statement), 10)
	if r.Sid != "" {
		b = append(b, `,"sid":`...)
		b = appendString(b, r.Sid)
	}
	if r.Grant != "" {
		b = append(b, `,"grant":`...)
		b = appendString(b, r.Grant)
	}
	b = append(b, `,"effect":`...)
	b = appendString(b, r.Effect.String())
	b = append(b, `,"operator":`...)
	b = appendString(b, r.Operator)
	b = append(b, `,"key":`...)
	b = appendString(b, r.Key)
	b = append(b, `,"values":`...)
	if r.Values == nil {
		return append(b, `null}`...)
	}
	b = appendStrings(b, r.Values)
	return append(b, '}')
}

func appendStrings(b []byte, list []string) []byte {
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, s)
	}
	return append(b, ']')
}

// appendString appends s as a JSON string. Printable ASCII, nearly every
// ARN and statement reference, is copied with `"` and `\` escaped, as
// encoding/json does; anything else goes through encoding/json, so that
// control characters, U+2028 and invalid UTF-8 come out as it writes them.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '"' || c == '\\' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', c)
			start = i + 1
		}
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
