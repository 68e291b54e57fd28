package cloudtrail

// The JSON reader under the fast record parser (fastrecord.go): it reads a
// record's bytes in place, value by value, and gives up (errSlow) on what
// it does not take, for encoding/json to decode.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// interner shares the strings records repeat (services, operations,
// Regions, accounts, role ARNs, key IDs), bounded.
type interner map[string]string

const maxInterned = 1 << 16

func (in interner) get(b []byte) string {
	if s, ok := in[string(b)]; ok {
		return s
	}
	s := string(b)
	if len(in) < maxInterned {
		in[s] = s
	}
	return s
}

// rp parses one record's bytes.
type rp struct {
	b  []byte
	i  int
	in interner
}

func (p *rp) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// null reads null when it is next.
func (p *rp) null() bool {
	p.ws()
	if bytes.HasPrefix(p.b[p.i:], []byte("null")) {
		p.i += 4
		return true
	}
	return false
}

// raw returns the next value's bytes.
func (p *rp) raw() ([]byte, error) {
	p.ws()
	end, err := valueEnd(p.b, p.i)
	if err != nil {
		return nil, err
	}
	v := p.b[p.i:end]
	p.i = end
	return v, nil
}

// strBytes returns the next string's contents (no escapes), or nil for null.
func (p *rp) strBytes() ([]byte, error) {
	if p.null() {
		return nil, nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, errSlow
	}
	end := stringEnd(p.b, p.i)
	if end < 0 {
		return nil, errSlow
	}
	v := p.b[p.i+1 : end]
	// encoding/json replaces invalid UTF-8 and reads escapes: its job.
	if bytes.IndexByte(v, '\\') >= 0 || !utf8.Valid(v) {
		return nil, errSlow
	}
	p.i = end + 1
	return v, nil
}

func (p *rp) str() (string, error) {
	v, err := p.strBytes()
	return string(v), err
}

func (p *rp) istr() (string, error) {
	v, err := p.strBytes()
	if err != nil || v == nil {
		return "", err
	}
	return p.in.get(v), nil
}

// object calls fn for each key of the object next (none for null); fn
// must read the key's value.
func (p *rp) object(fn func(key []byte) error) error {
	if p.null() {
		return nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '{' {
		return errSlow
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == '}' {
		p.i++
		return nil
	}
	for {
		k, err := p.strBytes()
		if err != nil || k == nil {
			return errSlow
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return errSlow
		}
		p.i++
		p.ws()
		if err := fn(k); err != nil {
			return err
		}
		if done, err := p.next('}'); done || err != nil {
			return err
		}
	}
}

// array calls fn for each element of the array next (none for null).
func (p *rp) array(fn func() error) error {
	if p.null() {
		return nil
	}
	if p.i >= len(p.b) || p.b[p.i] != '[' {
		return errSlow
	}
	p.i++
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == ']' {
		p.i++
		return nil
	}
	for {
		p.ws()
		if err := fn(); err != nil {
			return err
		}
		if done, err := p.next(']'); done || err != nil {
			return err
		}
	}
}

// next reads what follows a member of an object or array: a comma (more
// to come) or its closing byte (done).
func (p *rp) next(closing byte) (done bool, err error) {
	p.ws()
	if p.i >= len(p.b) {
		return false, errSlow
	}
	c := p.b[p.i]
	p.i++
	switch c {
	case ',':
		p.ws()
		return false, nil
	case closing:
		return true, nil
	}
	return false, errSlow
}

func (p *rp) skip() error {
	_, err := p.raw()
	return err
}

// foldSet holds field names lower-cased: encoding/json matches names
// without regard to case, so a key that is one of them in another case
// is left to it.
type foldSet map[string]bool

func newFoldSet(names ...string) foldSet {
	s := foldSet{}
	for _, n := range names {
		s[strings.ToLower(n)] = true
	}
	return s
}

// other skips the value of key k, not one of s's names as spelled; a name
// of s in another case is left to encoding/json.
func (p *rp) other(k []byte, s foldSet) error {
	var buf [64]byte
	if len(k) <= len(buf) {
		for i, c := range k {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			buf[i] = c
		}
		if s[string(buf[:len(k)])] {
			return errSlow
		}
	} else if bytes.IndexByte(k, '\\') >= 0 || !utf8.Valid(k) {
		return errSlow
	}
	for _, c := range k {
		if c >= 0x80 { // a non-ASCII letter may fold to ASCII (the Kelvin sign)
			return errSlow
		}
	}
	return p.skip()
}

// valueEnd returns the end of the value at b[i].
func valueEnd(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errSlow
	}
	switch b[i] {
	case '"':
		e := stringEnd(b, i)
		if e < 0 {
			return 0, errSlow
		}
		return e + 1, nil
	case '{', '[':
		depth := 0
		for k := i; k < len(b); k++ {
			switch b[k] {
			case '"':
				e := stringEnd(b, k)
				if e < 0 {
					return 0, errSlow
				}
				k = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return k + 1, nil
				}
			}
		}
		return 0, errSlow
	}
	k := i
	for k < len(b) {
		switch b[k] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			if checkScalar(b[i:k]) != nil {
				return 0, errSlow
			}
			return k, nil
		}
		k++
	}
	if checkScalar(b[i:k]) != nil {
		return 0, errSlow
	}
	return k, nil
}

// fastTime reads "2026-11-03T12:00:00Z", the form of trail files.
func fastTime(v []byte) (time.Time, bool) {
	if len(v) != 20 || v[4] != '-' || v[7] != '-' || v[10] != 'T' || v[13] != ':' || v[16] != ':' || v[19] != 'Z' {
		return time.Time{}, false
	}
	n := func(a, b int) (int, bool) {
		x := 0
		for _, c := range v[a:b] {
			if c < '0' || c > '9' {
				return 0, false
			}
			x = x*10 + int(c-'0')
		}
		return x, true
	}
	y, ok1 := n(0, 4)
	mo, ok2 := n(5, 7)
	d, ok3 := n(8, 10)
	h, ok4 := n(11, 13)
	mi, ok5 := n(14, 16)
	s, ok6 := n(17, 19)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, s, 0, time.UTC)
	if t.Day() != d { // February 30th
		return time.Time{}, false
	}
	return t, true
}

// unquote decodes a JSON string's bytes, quotes included.
func unquote(v []byte) (string, error) {
	if len(v) >= 2 && bytes.IndexByte(v, '\\') < 0 {
		return string(v[1 : len(v)-1]), nil
	}
	var s string
	if err := json.Unmarshal(v, &s); err != nil {
		return "", fmt.Errorf("a field name: %w", err)
	}
	return s, nil
}
