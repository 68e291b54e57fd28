package cloudtrail

import (
	"bytes"
	"encoding/binary"
	"math/bits"
	"unicode/utf8"
)

// The fast parser's string scanner: one pass, eight bytes at a time, finds
// a string's closing quote and whether the string is plain (no escapes,
// valid UTF-8: its bytes are its value). Before it, each string cost three
// passes (the quote, a backslash, utf8.Valid): about a fifth of the time
// spent reading a record.

const (
	lsb = 0x0101010101010101
	msb = 0x8080808080808080
)

// specials marks the bytes of w that are a quote, a backslash or part of
// a multi-byte UTF-8 sequence with their high bit ((x-lsb) &^ x & msb
// marks x's zero bytes; above a zero byte a mark may be false, so only
// the lowest mark is sure).
func specials(w uint64) uint64 {
	q := w ^ (lsb * '"')
	s := w ^ (lsb * '\\')
	return ((q-lsb)&^q | (s-lsb)&^s | w) & msb
}

// scanString returns the index of the quote that closes the string opening
// at b[k], and whether the string is plain; -1 when b ends first.
func scanString(b []byte, k int) (int, bool) {
	i := k + 1
	for ; i+8 <= len(b); i += 8 {
		if m := specials(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			i += bits.TrailingZeros64(m) / 8
			if b[i] == '"' {
				return i, true
			}
			return slowString(b, k)
		}
	}
	for ; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i, true
		case c == '\\' || c >= utf8.RuneSelf:
			return slowString(b, k)
		}
	}
	return -1, false
}

// isASCII reports whether b is ASCII, eight bytes at a time.
func isASCII(b []byte) bool {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&msb != 0 {
			return false
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// slowString is scanString for a string with escapes or UTF-8.
func slowString(b []byte, k int) (int, bool) {
	end := stringEnd(b, k)
	if end < 0 {
		return -1, false
	}
	v := b[k+1 : end]
	return end, bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v)
}
