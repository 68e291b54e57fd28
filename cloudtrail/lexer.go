package cloudtrail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// lexer reads a JSON stream value by value without decoding what it skips:
// encoding/json's Decoder scans every byte through its state machine (about
// 100 MB/s, 75,000 records a second), where finding a record's end needs
// only its strings and brackets. It is used to walk the containers; a
// record is handed over whole, as bytes, to parseRecord.
type lexer struct {
	r    io.Reader
	buf  []byte
	pos  int   // next unread byte in buf
	base int64 // stream offset of buf[0]
	err  error // the read error that ended the input (io.EOF at its end)
}

// offset is the stream offset of the next unread byte.
func (l *lexer) offset() int64 { return l.base + int64(l.pos) }

// fill reads more, keeping buf[pos:]; false when nothing more came.
func (l *lexer) fill() bool {
	if l.err != nil {
		return false
	}
	if l.pos > 0 {
		n := copy(l.buf, l.buf[l.pos:])
		l.base += int64(l.pos)
		l.buf, l.pos = l.buf[:n], 0
	}
	if len(l.buf) == cap(l.buf) {
		l.buf = append(l.buf, make([]byte, cap(l.buf))...)[:len(l.buf)]
	}
	for range 100 {
		n, err := l.r.Read(l.buf[len(l.buf):cap(l.buf)])
		l.buf = l.buf[:len(l.buf)+n]
		if err != nil {
			l.err = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	l.err = io.ErrNoProgress
	return false
}

// readErr is the error for input that ended early.
func (l *lexer) readErr() error {
	if l.err == nil || errors.Is(l.err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return l.err
}

// peek skips white space and returns the next byte, unread; ok is false at
// the end of the input.
func (l *lexer) peek() (byte, bool) {
	for {
		for l.pos < len(l.buf) {
			switch c := l.buf[l.pos]; c {
			case ' ', '\t', '\n', '\r':
				l.pos++
			default:
				return c, true
			}
		}
		if !l.fill() {
			return 0, false
		}
	}
}

// expect reads c, after white space.
func (l *lexer) expect(c byte) error {
	got, ok := l.peek()
	if !ok {
		return fmt.Errorf("expected %q: %w", c, l.readErr())
	}
	if got != c {
		return fmt.Errorf("invalid character %q: expected %q", got, c)
	}
	l.pos++
	return nil
}

// next reads ',' or end after an element: more is true after ','.
func (l *lexer) next(end byte) (more bool, err error) {
	c, ok := l.peek()
	if !ok {
		return false, fmt.Errorf("expected ',' or %q: %w", end, l.readErr())
	}
	l.pos++
	switch c {
	case ',':
		return true, nil
	case end:
		return false, nil
	}
	return false, fmt.Errorf("invalid character %q: expected ',' or %q", c, end)
}

// key reads an object key and its ':'.
func (l *lexer) key() (string, error) {
	v, err := l.value()
	if err != nil {
		return "", err
	}
	if v[0] != '"' {
		return "", fmt.Errorf("invalid character %q: expected a field name", v[0])
	}
	s, err := unquote(v)
	if err != nil {
		return "", err
	}
	return s, l.expect(':')
}

// firstKey returns the first key of the object at the read position (its
// '{' unread) without reading it: "" when it has none or it is far.
func (l *lexer) firstKey() string {
	for {
		b := l.buf[l.pos:]
		i := 1
		for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
			i++
		}
		if i < len(b) && b[i] == '"' {
			if j := bytes.IndexByte(b[i+1:], '"'); j >= 0 {
				return string(b[i+1 : i+1+j])
			}
		}
		if i < len(b) && b[i] != '"' || len(b) > 4096 || !l.fill() {
			return ""
		}
	}
}

// value reads the next value whole and returns its bytes, which stay
// valid until the next read. Strings and brackets are checked; numbers
// and literals are taken to the next delimiter.
func (l *lexer) value() ([]byte, error) {
	c, ok := l.peek()
	if !ok {
		return nil, fmt.Errorf("expected a value: %w", l.readErr())
	}
	k := 0 // bytes of the value scanned, from l.pos
	var stack []byte
	var small [16]byte
	stack = small[:0]
	switch c {
	case '{', '[', '"':
	case '}', ']', ',', ':':
		return nil, fmt.Errorf("invalid character %q: expected a value", c)
	default:
		for {
			b := l.buf[l.pos:]
			for k < len(b) {
				switch b[k] {
				case ',', '}', ']', ' ', '\t', '\n', '\r', ':', '"', '{', '[':
					v := b[:k]
					l.pos += k
					return v, checkScalar(v)
				}
				k++
			}
			if !l.fill() {
				v := l.buf[l.pos:]
				l.pos = len(l.buf)
				return v, checkScalar(v)
			}
		}
	}
	for {
		b := l.buf[l.pos:]
		for k < len(b) {
			switch b[k] {
			case '"':
				end := stringEnd(b, k)
				if end < 0 {
					goto more
				}
				k = end + 1
				if len(stack) == 0 {
					l.pos += k
					return b[:k], nil
				}
				continue
			case '{':
				stack = append(stack, '}')
			case '[':
				stack = append(stack, ']')
			case '}', ']':
				if len(stack) == 0 || stack[len(stack)-1] != b[k] {
					return nil, fmt.Errorf("invalid character %q in a value", b[k])
				}
				stack = stack[:len(stack)-1]
				if len(stack) == 0 {
					k++
					l.pos += k
					return b[:k], nil
				}
			}
			k++
		}
	more:
		if !l.fill() {
			return nil, fmt.Errorf("the value does not end: %w", l.readErr())
		}
	}
}

// stringEnd returns the index of the quote that ends the string opening at
// b[k], or -1 when b ends first.
func stringEnd(b []byte, k int) int {
	i := k + 1
	for {
		j := bytes.IndexByte(b[i:], '"')
		if j < 0 {
			return -1
		}
		j += i
		n := 0
		for p := j - 1; p > k && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return j
		}
		i = j + 1
	}
}

func checkScalar(v []byte) error {
	if len(v) == 0 {
		return errors.New("expected a value")
	}
	switch string(v) {
	case "true", "false", "null":
		return nil
	}
	if c := v[0]; c == '-' || c >= '0' && c <= '9' {
		return nil
	}
	return fmt.Errorf("invalid literal %q", v)
}
