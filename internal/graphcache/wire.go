package graphcache

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"
)

// encoder appends encoded values to buf; strings go to strs, shared by
// every section of a file.
type encoder struct {
	buf  []byte
	strs *stringTable
}

func (e *encoder) uvarint(x uint64) { e.buf = binary.AppendUvarint(e.buf, x) }

// ulen converts a length or an index, never negative.
func ulen(n int) uint64 {
	return uint64(n) //nolint:gosec // G115: lengths are not negative
}
func (e *encoder) varint(x int64) { e.buf = binary.AppendVarint(e.buf, x) }

// stringTable numbers the distinct strings of a file in their order of
// first use.
type stringTable struct {
	index map[string]int
	list  []string
	size  int // the bytes of list
}

func newStringTable() *stringTable { return &stringTable{index: map[string]int{}} }

func (t *stringTable) ref(s string) uint64 {
	if i, ok := t.index[s]; ok {
		return ulen(i)
	}
	i := len(t.list)
	t.index[s] = i
	t.list = append(t.list, s)
	t.size += len(s)
	return ulen(i)
}

// encode writes the table: its count, each string's length, then every
// string's bytes one after the other.
func (t *stringTable) encode() []byte {
	buf := make([]byte, 0, t.size+2*len(t.list)+binary.MaxVarintLen64)
	buf = binary.AppendUvarint(buf, ulen(len(t.list)))
	for _, s := range t.list {
		buf = binary.AppendUvarint(buf, ulen(len(s)))
	}
	for _, s := range t.list {
		buf = append(buf, s...)
	}
	return buf
}

// decodeStrings reads a table encode wrote. With keep (b never changes
// and lives as long as the strings: a read-only mapping of the file), the
// strings are b's own bytes; else they share one copy of them. The
// lengths are read twice, checked then used, rather than kept.
func decodeStrings(b []byte, keep bool) ([]string, error) {
	d := &decoder{b: b}
	n := d.uvarint()
	if d.err == nil && n > ulen(len(b)-d.off) {
		d.fail("string count past the end")
	}
	if d.err != nil {
		return nil, d.err
	}
	lens := d.off
	var total uint64 // in uint64: a length near 2⁶⁴ must not wrap an int
	for range n {
		l := d.uvarint()
		if d.err != nil {
			return nil, d.err
		}
		if l > ulen(len(b)) || total+l > ulen(len(b)-d.off) {
			return nil, errors.New("strings past the end")
		}
		total += l
	}
	if total != ulen(len(b)-d.off) {
		return nil, fmt.Errorf("string table holds %d bytes, its strings %d", len(b)-d.off, total)
	}
	var all string
	switch rest := b[d.off:]; {
	case len(rest) == 0:
	case keep:
		all = unsafe.String(&rest[0], len(rest)) //nolint:gosec // G103: b is read-only and outlives the strings (keep)
	default:
		all = string(rest)
	}
	strs := make([]string, n)
	d.off = lens
	off := 0
	for i := range strs {
		l := int(d.uvarint()) //nolint:gosec // G115: checked above, at most len(b)
		strs[i] = all[off : off+l]
		off += l
	}
	return strs, nil
}

// decoder reads encoded values from b, the first error sticking: every
// read after it returns a zero value, and loops stop.
type decoder struct {
	b    []byte
	off  int
	strs []string
	err  error
}

func (d *decoder) fail(msg string) {
	if d.err == nil {
		d.err = fmt.Errorf("byte %d: %s", d.off, msg)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("unexpected end")
		return 0
	}
	c := d.b[d.off]
	d.off++
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad uvarint")
		return 0
	}
	d.off += n
	return x
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	x, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail("bad varint")
		return 0
	}
	d.off += n
	return x
}

func (d *decoder) string() string {
	i := d.uvarint()
	if d.err != nil {
		return ""
	}
	if i >= uint64(len(d.strs)) {
		d.fail("string index out of range")
		return ""
	}
	return d.strs[i]
}

// count reads a list's count (0: nil, else the length plus one). A length
// whose items, at least minSize bytes each, cannot fit in what is left is
// an error. ok is false for nil and on error.
func (d *decoder) count(minSize int) (n int, ok bool) {
	x := d.uvarint()
	if d.err != nil || x == 0 {
		return 0, false
	}
	x--
	if left := ulen(len(d.b) - d.off); x > left/ulen(max(minSize, 1)) {
		d.fail(fmt.Sprintf("count %d past the end", x))
		return 0, false
	}
	return int(x), true //nolint:gosec // G115: bounded by len(d.b) just above
}

// rawString reads a uvarint length and that many bytes (the header's
// strings, which precede the string table).
func (d *decoder) rawString() string {
	l := d.uvarint()
	if d.err != nil {
		return ""
	}
	if l > ulen(len(d.b)-d.off) {
		d.fail("string past the end")
		return ""
	}
	n := int(l) //nolint:gosec // G115: bounded by len(d.b) just above
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *decoder) bytes(n int) []byte {
	if d.err != nil {
		return nil
	}
	if n > len(d.b)-d.off {
		d.fail("unexpected end")
		return nil
	}
	b := d.b[d.off : d.off+n]
	d.off += n
	return b
}

func (d *decoder) uint32() uint32 {
	b := d.bytes(4)
	if b == nil {
		return 0
	}
	return binary.LittleEndian.Uint32(b)
}
