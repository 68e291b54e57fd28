// Package jsonappend appends JSON values byte for byte as encoding/json
// writes them, without reflection, for the encoders that write millions of
// values (exports, batch evaluation). Callers hold their own encoders to
// encoding/json's output in tests; this package holds its pieces to it.
package jsonappend

import (
	"bytes"
	"encoding/json"
)

// String appends s as a JSON string. html says whether <, > and & are
// escaped, as json.Marshal does, or not, as an Encoder with
// SetEscapeHTML(false) does. Printable ASCII — nearly every ARN and
// statement reference — is copied with `"` and `\` escaped; anything else
// goes through encoding/json, so that control characters, U+2028 and
// invalid UTF-8 come out as it writes them.
func String(b []byte, s string, html bool) []byte {
	class := &classes[0]
	if html {
		class = &classes[1]
	}
	escapes := false
	for i := 0; i < len(s); i++ {
		switch class[s[i]] {
		case classEscape:
			escapes = true
		case classOther:
			return marshal(b, s, html)
		}
	}
	b = append(b, '"')
	if !escapes {
		b = append(b, s...)
		return append(b, '"')
	}
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

// How String writes a byte: as it is, after a backslash (`"` and `\`), or
// through encoding/json (control characters, non-ASCII, and <, > and & when
// escaping HTML).
const (
	classPlain uint8 = iota
	classEscape
	classOther
)

// classes holds each byte's class, without and with HTML escaping.
var classes = func() (t [2][256]uint8) {
	for html := range 2 {
		for c := range 256 {
			switch {
			case c < 0x20 || c >= 0x7f:
				t[html][c] = classOther
			case c == '"' || c == '\\':
				t[html][c] = classEscape
			case html == 1 && (c == '<' || c == '>' || c == '&'):
				t[html][c] = classOther
			}
		}
	}
	return t
}()

func marshal(b []byte, s string, html bool) []byte {
	if html {
		q, _ := json.Marshal(s) // a string always marshals
		return append(b, q...)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
}

// Strings appends a []string field: null when nil, as encoding/json has it.
func Strings(b []byte, ss []string, html bool) []byte {
	if ss == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = String(b, s, html)
	}
	return append(b, ']')
}

// Optional appends an omitempty string field (name is `,"field":`).
func Optional(b []byte, name, s string, html bool) []byte {
	if s == "" {
		return b
	}
	b = append(b, name...)
	return String(b, s, html)
}
