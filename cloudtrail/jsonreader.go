package cloudtrail

// The JSON reader under the fast record parser (fastrecord.go): it reads a
// record's bytes in place, value by value, and gives up (errSlow) on what
// it does not take, for encoding/json to decode.

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
	"time"
)

// interner shares the strings records repeat (services, operations,
// Regions, accounts, role ARNs, key IDs), bounded. A direct-mapped cache of
// recent strings, indexed by a hash of a few of their bytes, answers most
// lookups with one comparison, before the map's hash of the whole string.
type interner struct {
	m      map[string]string
	recent [1 << recentBits]string
}

const (
	maxInterned = 1 << 16
	recentBits  = 12
)

func newInterner() *interner { return &interner{m: map[string]string{}} }

func (in *interner) get(b []byte) string {
	h := quickHash(b)
	if s := in.recent[h]; s == string(b) {
		return s
	}
	s, ok := in.m[string(b)]
	if !ok {
		s = string(b)
		if len(in.m) < maxInterned {
			in.m[s] = s
		}
	}
	in.recent[h] = s
	return s
}

// quickHash hashes b's length and its first and last 8 bytes (strings that
// share them, ARNs of one account, collide in the cache: they then go to
// the map) to recentBits bits.
func quickHash(b []byte) uint64 {
	var x uint64
	if len(b) >= 8 {
		x = binary.LittleEndian.Uint64(b) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(b[len(b)-8:]), 29)
	} else {
		for _, c := range b {
			x = x<<8 | uint64(c)
		}
	}
	x ^= uint64(len(b)) << 56
	return (x * 0x9e3779b97f4a7c15) >> (64 - recentBits)
}

// rp parses one record's bytes.
type rp struct {
	b  []byte
	i  int
	in *interner
}

func (p *rp) ws() {
	// Records are mostly compact: one comparison rules whitespace out.
	for p.i < len(p.b) && p.b[p.i] <= ' ' {
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
	if p.i < len(p.b) && p.b[p.i] == 'n' && bytes.HasPrefix(p.b[p.i:], []byte("null")) {
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
	// encoding/json replaces invalid UTF-8 and reads escapes: its job.
	end, plain := scanString(p.b, p.i)
	if end < 0 || !plain {
		return nil, errSlow
	}
	v := p.b[p.i+1 : end]
	p.i = end + 1
	return v, nil
}

// key reads an object's key, the whitespace before it skipped.
func (p *rp) key() ([]byte, error) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, errSlow
	}
	end, plain := scanString(p.b, p.i)
	if end < 0 || !plain {
		return nil, errSlow
	}
	k := p.b[p.i+1 : end]
	p.i = end + 1
	return k, nil
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
// must read the key's value, whitespace before it included (as null, raw
// and strBytes do).
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
	// Whitespace is skipped after '{' and ',' (next), and by each reader
	// of a value before it, not again here.
	for {
		k, err := p.key()
		if err != nil {
			return err
		}
		p.ws()
		if p.i >= len(p.b) || p.b[p.i] != ':' {
			return errSlow
		}
		p.i++
		if err := fn(k); err != nil {
			return err
		}
		if done, err := p.next('}'); done || err != nil {
			return err
		}
	}
}

// array calls fn for each element of the array next (none for null); fn
// must read it, whitespace before it included.
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

// foldSet holds field names by length: encoding/json matches names
// without regard to case, so a key that is one of them in another case is
// left to it. By length, most keys are ruled out without a comparison.
type foldSet [maxFoldLen][]string

const maxFoldLen = 32

func newFoldSet(names ...string) *foldSet {
	s := &foldSet{}
	for _, n := range names {
		s[len(n)] = append(s[len(n)], n)
	}
	return s
}

// has reports whether k (ASCII) is one of s's names in any case.
func (s *foldSet) has(k []byte) bool {
	if len(k) >= maxFoldLen {
		return false
	}
	for _, n := range s[len(k)] {
		if asciiEqualFold(k, n) {
			return true
		}
	}
	return false
}

func asciiEqualFold(k []byte, n string) bool {
	for i := range len(k) {
		a, b := k[i], n[i]
		if a == b {
			continue
		}
		// Bytes that differ match only as the two cases of a letter.
		if c := a | 0x20; c != b|0x20 || c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// other skips the value of key k, not one of s's names as spelled; a name
// of s in another case is left to encoding/json.
func (p *rp) other(k []byte, s *foldSet) error {
	if !isASCII(k) || s.has(k) { // a non-ASCII letter may fold to ASCII (the Kelvin sign)
		return errSlow
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
		e, _ := scanString(b, i)
		if e < 0 {
			return 0, errSlow
		}
		return e + 1, nil
	case '{', '[':
		depth := 0
		for k := i; k < len(b); k++ {
			switch b[k] {
			case '"':
				e, _ := scanString(b, k)
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
