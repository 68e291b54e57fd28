package eval

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
)

// jsonScan reads JSON text at b[i:].
type jsonScan struct {
	b []byte
	i int
	// grants decodes the grants field (parseGrants, or a cache of it).
	grants func([]byte) ([]Grant, error)
	// scratch lends the slices of raw values.
	scratch *decodeScratch
}

func (s *jsonScan) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// eat consumes c, after white space, if it is next.
func (s *jsonScan) eat(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// literal consumes word if it is next, after white space.
func (s *jsonScan) literal(word string) bool {
	s.ws()
	if bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		s.i += len(word)
		return true
	}
	return false
}

func (s *jsonScan) null() bool { return s.literal("null") }

func (s *jsonScan) boolean() (bool, bool) {
	switch {
	case s.literal("true"):
		return true, true
	case s.literal("false"):
		return false, true
	}
	return false, false
}

// str reads a string; strings with escapes or non-ASCII bytes are decoded
// by encoding/json (which also replaces invalid UTF-8), so that the result
// is always json.Unmarshal's.
func (s *jsonScan) str() (string, bool) {
	s.ws()
	start := s.i
	if v, ok := s.plainStr(); ok {
		return v, true
	}
	s.i = start
	end, ok := s.stringEnd()
	if !ok {
		return "", false
	}
	var v string
	if json.Unmarshal(s.b[start:end], &v) != nil {
		return "", false
	}
	s.i = end
	return v, true
}

// plainStr reads a string of printable ASCII without escapes.
func (s *jsonScan) plainStr() (string, bool) {
	b, ok := s.plainBytes()
	return string(b), ok
}

// plainBytes reads a string of printable ASCII without escapes and returns
// its content.
func (s *jsonScan) plainBytes() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return nil, false
	}
	for j := s.i + 1; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			v := s.b[s.i+1 : j]
			s.i = j + 1
			return v, true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return nil, false
		}
	}
	return nil, false
}

// stringEnd returns the end of the string token at s.i (after its closing
// quote), skipping escaped quotes; the token's content is not checked.
func (s *jsonScan) stringEnd() (int, bool) {
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return 0, false
	}
	return stringEnd(s.b, s.i+1)
}

// stringEnd returns the end of the string whose content starts at b[j:]:
// the index after its closing quote. It looks at eight bytes at a time for
// a quote or a backslash: policies are mostly strings, and finding their
// ends is most of what a batch does with the policies it has cached.
func stringEnd(b []byte, j int) (int, bool) {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for {
		for j+8 <= len(b) {
			w := binary.LittleEndian.Uint64(b[j:])
			q, e := w^(ones*'"'), w^(ones*'\\')
			// The high bit of each byte that is a quote or a backslash (and
			// maybe of bytes after it, never before): the lowest is exact.
			if m := ((q-ones)&^q | (e-ones)&^e) & highs; m != 0 {
				j += bits.TrailingZeros64(m) >> 3
				break
			}
			j += 8
		}
		for j < len(b) && b[j] != '"' && b[j] != '\\' {
			j++
		}
		switch {
		case j >= len(b):
			return 0, false
		case b[j] == '"':
			return j + 1, true
		}
		j += 2 // a backslash and the byte it escapes
	}
}

// number reads a number as JSON's grammar has it and returns its text.
func (s *jsonScan) number() ([]byte, bool) {
	b, j := s.b, s.i
	digits := func() int {
		k := j
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case digits() == 0:
		return nil, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if digits() == 0 {
			return nil, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return nil, false
		}
	}
	v := b[s.i:j]
	s.i = j
	return v, true
}

// scalar reads a plain string, a number or a boolean and returns its text
// as the context holds it, without allocating.
func (s *jsonScan) scalar() ([]byte, bool) {
	s.ws()
	if s.i >= len(s.b) {
		return nil, false
	}
	switch s.b[s.i] {
	case '"':
		return s.plainBytes()
	case 't', 'f':
		start := s.i
		if _, ok := s.boolean(); !ok {
			return nil, false
		}
		return s.b[start:s.i], true
	default:
		return s.number()
	}
}

// raw delimits the value at s.i without checking it, except that brackets
// balance outside strings: its reader checks it.
func (s *jsonScan) raw() (json.RawMessage, bool) {
	s.ws()
	b, start := s.b, s.i
	if start >= len(b) {
		return nil, false
	}
	switch b[start] {
	case '"':
		end, ok := stringEnd(b, start+1)
		if !ok {
			return nil, false
		}
		s.i = end
		return b[start:end], true
	case '{', '[':
	default: // a number or literal: up to the next delimiter
		j := start
		for j < len(b) && !isDelimiter(b[j]) {
			j++
		}
		if j == start {
			return nil, false
		}
		s.i = j
		return b[start:j], true
	}
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	depth := 0
	for j := start; j < len(b); {
		switch b[j] {
		case '"':
			// stringEnd, inlined: a policy is mostly short strings, and
			// the call cost as much as the scan.
			j++
			for {
				if j+8 <= len(b) {
					w := binary.LittleEndian.Uint64(b[j:])
					q, e := w^(ones*'"'), w^(ones*'\\')
					m := ((q-ones)&^q | (e-ones)&^e) & highs
					if m == 0 {
						j += 8
						continue
					}
					j += bits.TrailingZeros64(m) >> 3
				} else {
					for j < len(b) && b[j] != '"' && b[j] != '\\' {
						j++
					}
					if j >= len(b) {
						return nil, false
					}
				}
				if b[j] == '"' {
					break
				}
				j += 2 // a backslash and the byte it escapes
			}
			j++
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				s.i = j + 1
				return b[start:s.i], true
			}
		}
		j++
	}
	return nil, false
}

func isDelimiter(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', ':', '}', ']', '{', '[', '"':
		return true
	}
	return false
}
