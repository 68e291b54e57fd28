package policy

import (
	"encoding/json"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// readJSON decodes a JSON document in one pass into the tree encoding/json's
// Decoder produces with UseNumber: map[string]any (the last of duplicate keys
// wins), []any, string, json.Number (the literal text), bool and nil.
// Strings without escapes are substrings of s, not copies.
//
// It reports false for anything it does not accept: invalid JSON, data after
// the document, or nesting deeper than maxReadDepth. Parse then decodes the
// document again with encoding/json, whose error messages it keeps; readJSON
// never accepts a document encoding/json rejects, and the differential tests
// and FuzzJSONRead hold it to the same trees.
func readJSON(s string) (any, bool) {
	var r jsonReader
	return r.read(s)
}

// readers holds jsonReaders between documents, with the maps of the trees
// they decoded: the tree of a policy is garbage once FromJSON has built the
// policy, and its maps, cleared, serve the next document.
var readers = sync.Pool{New: func() any { return new(jsonReader) }}

// parseJSON decodes doc with a pooled reader and builds its policy; ok is
// false when the reader does not accept doc.
func parseJSON(doc string) (p *Policy, ok bool, err error) {
	r := readers.Get().(*jsonReader)
	r.recycle = true
	v, ok := r.read(doc)
	if ok {
		// FromJSON keeps no map or slice of v, only strings.
		p, err = FromJSON(v)
	}
	r.release()
	readers.Put(r)
	return p, ok, err
}

func (r *jsonReader) read(s string) (any, bool) {
	r.s, r.i, r.depth = s, 0, 0
	v, ok := r.value()
	if !ok {
		return nil, false
	}
	r.skipSpace()
	if r.i != len(r.s) {
		return nil, false
	}
	return v, true
}

// maxFreeMaps bounds how many maps a pooled reader keeps, maxKeep the
// capacity of its other buffers.
const (
	maxFreeMaps = 256
	maxKeep     = 4096
)

// release forgets the document and clears the maps of its tree for reuse.
func (r *jsonReader) release() {
	r.s = ""
	clear(r.stack[:cap(r.stack)])
	r.stack = r.stack[:0]
	// Drop what an outsized document grew.
	if cap(r.stack) > maxKeep {
		r.stack = nil
	}
	if cap(r.buf) > maxKeep {
		r.buf = nil
	}
	for i, m := range r.used {
		// A map of more than 8 entries has grown past one group of slots.
		if len(m) <= 8 && len(r.free) < maxFreeMaps {
			clear(m)
			r.free = append(r.free, m)
		}
		r.used[i] = nil
	}
	r.used = r.used[:0]
	if cap(r.used) > maxKeep {
		r.used = nil
	}
}

func (r *jsonReader) newMap() map[string]any {
	if !r.recycle {
		return make(map[string]any)
	}
	var m map[string]any
	if n := len(r.free); n > 0 {
		m = r.free[n-1]
		r.free = r.free[:n-1]
	} else {
		m = make(map[string]any, 8)
	}
	r.used = append(r.used, m)
	return m
}

// maxReadDepth bounds the reader's recursion; deeper documents (encoding/json
// allows 10,000 levels) take encoding/json's path.
const maxReadDepth = 512

type jsonReader struct {
	s     string
	i     int
	depth int
	// stack collects array elements before they are copied to a slice of
	// their exact length.
	stack []any
	// buf is scratch space for unescaping strings.
	buf []byte
	// recycle says whether the maps of the tree are reused once it has
	// been read: used holds them, free those cleared for reuse.
	recycle    bool
	used, free []map[string]any
}

func (r *jsonReader) skipSpace() {
	for r.i < len(r.s) {
		switch r.s[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (any, bool) {
	r.skipSpace()
	if r.i >= len(r.s) {
		return nil, false
	}
	switch c := r.s[r.i]; c {
	case '{':
		return r.object()
	case '[':
		return r.array()
	case '"':
		s, ok := r.str()
		return s, ok
	case 't':
		return true, r.literal("true")
	case 'f':
		return false, r.literal("false")
	case 'n':
		return nil, r.literal("null")
	default:
		if c == '-' || '0' <= c && c <= '9' {
			return r.number()
		}
		return nil, false
	}
}

func (r *jsonReader) literal(lit string) bool {
	if len(r.s)-r.i < len(lit) || r.s[r.i:r.i+len(lit)] != lit {
		return false
	}
	r.i += len(lit)
	return true
}

func (r *jsonReader) object() (any, bool) {
	if r.depth++; r.depth > maxReadDepth {
		return nil, false
	}
	r.i++ // {
	m := r.newMap()
	r.skipSpace()
	if r.i < len(r.s) && r.s[r.i] == '}' {
		r.i++
		r.depth--
		return m, true
	}
	for {
		r.skipSpace()
		if r.i >= len(r.s) || r.s[r.i] != '"' {
			return nil, false
		}
		k, ok := r.str()
		if !ok {
			return nil, false
		}
		r.skipSpace()
		if r.i >= len(r.s) || r.s[r.i] != ':' {
			return nil, false
		}
		r.i++
		v, ok := r.value()
		if !ok {
			return nil, false
		}
		m[k] = v
		r.skipSpace()
		if r.i >= len(r.s) {
			return nil, false
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case '}':
			r.i++
			r.depth--
			return m, true
		default:
			return nil, false
		}
	}
}

func (r *jsonReader) array() (any, bool) {
	if r.depth++; r.depth > maxReadDepth {
		return nil, false
	}
	r.i++ // [
	r.skipSpace()
	if r.i < len(r.s) && r.s[r.i] == ']' {
		r.i++
		r.depth--
		return []any{}, true
	}
	mark := len(r.stack)
	for {
		v, ok := r.value()
		if !ok {
			return nil, false
		}
		r.stack = append(r.stack, v)
		r.skipSpace()
		if r.i >= len(r.s) {
			return nil, false
		}
		switch r.s[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			r.depth--
			out := make([]any, len(r.stack)-mark)
			copy(out, r.stack[mark:])
			clear(r.stack[mark:])
			r.stack = r.stack[:mark]
			return out, true
		default:
			return nil, false
		}
	}
}

// number reads a number as JSON's grammar has it:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (r *jsonReader) number() (any, bool) {
	s, start := r.s, r.i
	i := r.i
	if s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		i = digits(s, i+1)
	default:
		return nil, false
	}
	if i < len(s) && s[i] == '.' {
		j := digits(s, i+1)
		if j == i+1 {
			return nil, false
		}
		i = j
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := digits(s, i)
		if j == i {
			return nil, false
		}
		i = j
	}
	r.i = i
	return json.Number(s[start:i]), true
}

func digits(s string, i int) int {
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	return i
}

// str reads a string at r.i (an opening quote). A string without escapes
// or invalid UTF-8 is returned as a substring of the document.
func (r *jsonReader) str() (string, bool) {
	s := r.s
	start := r.i + 1
	i := start
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			r.i = i + 1
			return s[start:i], true
		case c == '\\':
			return r.unescape(start, i)
		case c < ' ':
			return "", false
		case c < utf8.RuneSelf:
			i++
		default:
			rr, size := utf8.DecodeRuneInString(s[i:])
			if rr == utf8.RuneError && size == 1 {
				return r.unescape(start, i)
			}
			i += size
		}
	}
	return "", false
}

// unescape finishes reading a string whose plain prefix is s[start:i], as
// encoding/json unquotes it: escapes decoded, a UTF-16 surrogate pair joined,
// a lone surrogate and each byte of invalid UTF-8 replaced by U+FFFD.
func (r *jsonReader) unescape(start, i int) (string, bool) {
	s := r.s
	r.buf = append(r.buf[:0], s[start:i]...)
	b := r.buf
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			r.i = i + 1
			r.buf = b
			return string(b), true
		case c < ' ':
			return "", false
		case c == '\\':
			i++
			if i >= len(s) {
				return "", false
			}
			switch s[i] {
			case '"', '\\', '/':
				b = append(b, s[i])
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'u':
				rr := hex4(s, i+1)
				if rr < 0 {
					return "", false
				}
				i += 5
				if utf16.IsSurrogate(rr) {
					rr1 := rune(-1)
					if i+1 < len(s) && s[i] == '\\' && s[i+1] == 'u' {
						rr1 = hex4(s, i+2)
					}
					if dec := utf16.DecodeRune(rr, rr1); dec != utf8.RuneError {
						b = utf8.AppendRune(b, dec)
						i += 6
						continue
					}
					rr = utf8.RuneError
				}
				b = utf8.AppendRune(b, rr)
				continue
			default:
				return "", false
			}
			i++
		case c < utf8.RuneSelf:
			b = append(b, c)
			i++
		default:
			rr, size := utf8.DecodeRuneInString(s[i:])
			b = utf8.AppendRune(b, rr)
			i += size
		}
	}
	return "", false
}

// hex4 decodes the four hex digits at s[i:], or returns -1.
func hex4(s string, i int) rune {
	if len(s)-i < 4 {
		return -1
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r*16 + rune(c)
	}
	return r
}
