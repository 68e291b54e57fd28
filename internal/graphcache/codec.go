package graphcache

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
)

// codec encodes and decodes the values of one type. Its functions are
// built once per type (compile) and kept in codecs.
type codec struct {
	typ reflect.Type
	enc func(e *encoder, v reflect.Value)
	// dec decodes into v, settable and holding its type's zero value. On
	// a failure (d.err) v may hold part of the value, a list its length
	// with zero items at the end: the caller drops it.
	dec func(d *decoder, v reflect.Value)
	// minSize is the fewest bytes a value takes encoded (at least 1 for
	// every type compile accepts): a count read from the input is
	// bounded by the bytes left divided by it, so that no input makes the
	// decoder allocate more than a small multiple of its own size.
	minSize int
}

// codecs holds the codec of every type compiled so far.
var codecs = struct {
	sync.Mutex
	m map[reflect.Type]*codec
}{m: map[reflect.Type]*codec{}}

// codecFor returns t's codec, compiling it (and the types t holds) on
// first use. It fails for a type the codec cannot encode whole: a struct
// with an unexported or a blank field, a struct with no field, a map whose
// key is not a string, an interface, a func, a channel, a float, a
// complex, an array, an unsafe pointer: a field added one day of such a
// kind fails every cache write and read (and the tests) rather than being
// silently left out.
func codecFor(t reflect.Type) (*codec, error) {
	codecs.Lock()
	defer codecs.Unlock()
	if c, ok := codecs.m[t]; ok {
		return c, nil
	}
	building := map[reflect.Type]*codec{}
	c, err := compile(t, building)
	if err != nil {
		return nil, err
	}
	for bt, bc := range building {
		codecs.m[bt] = bc
	}
	return c, nil
}

// compile builds t's codec into building (which also holds the codecs
// being built, for recursive types).
func compile(t reflect.Type, building map[reflect.Type]*codec) (*codec, error) {
	if c, ok := codecs.m[t]; ok {
		return c, nil
	}
	if c, ok := building[t]; ok {
		return c, nil
	}
	c := &codec{typ: t, minSize: 1}
	building[t] = c
	switch t.Kind() {
	case reflect.Bool:
		c.enc, c.dec = encBool, decBool
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		c.enc, c.dec = encInt, decInt
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		c.enc, c.dec = encUint, decUint
	case reflect.String:
		c.enc, c.dec = encString, decString
	case reflect.Pointer:
		elem, err := compile(t.Elem(), building)
		if err != nil {
			return nil, err
		}
		c.enc, c.dec = pointerFuncs(elem)
	case reflect.Slice:
		elem, err := compile(t.Elem(), building)
		if err != nil {
			return nil, err
		}
		c.enc, c.dec = sliceFuncs(t, elem)
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("graphcache: %s: map keys must be strings", t)
		}
		elem, err := compile(t.Elem(), building)
		if err != nil {
			return nil, err
		}
		c.enc, c.dec = mapFuncs(t, elem)
	case reflect.Struct:
		if err := compileStruct(c, building); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("graphcache: %s: kind %s is not supported", t, t.Kind())
	}
	return c, nil
}

func compileStruct(c *codec, building map[reflect.Type]*codec) error {
	t := c.typ
	if t.NumField() == 0 {
		return fmt.Errorf("graphcache: %s: a struct without fields is not supported", t)
	}
	fields := make([]*codec, t.NumField())
	c.minSize = 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Name == "_" {
			return fmt.Errorf("graphcache: %s.%s: unexported fields are not supported", t, f.Name)
		}
		fc, err := compile(f.Type, building)
		if err != nil {
			return fmt.Errorf("graphcache: %s.%s: %w", t, f.Name, err)
		}
		fields[i] = fc
		// Only pointers, slices and maps (at least 1 byte each, whatever
		// they hold) can lead back to a type being built, whose minSize
		// is not known yet: fc.minSize is final here.
		c.minSize += fc.minSize
	}
	c.enc = func(e *encoder, v reflect.Value) {
		for i, fc := range fields {
			fc.enc(e, v.Field(i))
		}
	}
	c.dec = func(d *decoder, v reflect.Value) {
		for i, fc := range fields {
			if d.err != nil {
				return
			}
			fc.dec(d, v.Field(i))
		}
	}
	return nil
}

func encBool(e *encoder, v reflect.Value) {
	b := byte(0)
	if v.Bool() {
		b = 1
	}
	e.buf = append(e.buf, b)
}

func decBool(d *decoder, v reflect.Value) {
	switch d.byte() {
	case 0:
	case 1:
		v.SetBool(true)
	default:
		d.fail("bad bool")
	}
}

func encInt(e *encoder, v reflect.Value) { e.varint(v.Int()) }

func decInt(d *decoder, v reflect.Value) {
	x := d.varint()
	if v.OverflowInt(x) {
		d.fail("int overflows " + v.Type().String())
		return
	}
	v.SetInt(x)
}

func encUint(e *encoder, v reflect.Value) { e.uvarint(v.Uint()) }

func decUint(d *decoder, v reflect.Value) {
	x := d.uvarint()
	if v.OverflowUint(x) {
		d.fail("uint overflows " + v.Type().String())
		return
	}
	v.SetUint(x)
}

func encString(e *encoder, v reflect.Value) { e.uvarint(e.strs.ref(v.String())) }

func decString(d *decoder, v reflect.Value) { v.SetString(d.string()) }

// pointerFuncs: a byte 0 for nil, else 1 and the value pointed to.
func pointerFuncs(elem *codec) (func(*encoder, reflect.Value), func(*decoder, reflect.Value)) {
	enc := func(e *encoder, v reflect.Value) {
		if v.IsNil() {
			e.buf = append(e.buf, 0)
			return
		}
		e.buf = append(e.buf, 1)
		elem.enc(e, v.Elem())
	}
	dec := func(d *decoder, v reflect.Value) {
		switch d.byte() {
		case 0:
		case 1:
			p := reflect.New(elem.typ)
			elem.dec(d, p.Elem())
			v.Set(p)
		default:
			d.fail("bad pointer tag")
		}
	}
	return enc, dec
}

// sliceFuncs: uvarint 0 for nil, else the length plus one and the items.
func sliceFuncs(t reflect.Type, elem *codec) (func(*encoder, reflect.Value), func(*decoder, reflect.Value)) {
	enc := func(e *encoder, v reflect.Value) {
		if v.IsNil() {
			e.uvarint(0)
			return
		}
		n := v.Len()
		e.uvarint(ulen(n) + 1)
		for i := range n {
			elem.enc(e, v.Index(i))
		}
	}
	dec := func(d *decoder, v reflect.Value) {
		n, ok := d.count(elem.minSize)
		if !ok {
			return
		}
		if n == 0 {
			v.Set(reflect.MakeSlice(t, 0, 0)) // empty, not nil
			return
		}
		// Grown in place: MakeSlice would allocate a slice header besides
		// the items (a third of a 5,000-account decode's allocations).
		v.Grow(n)
		v.SetLen(n)
		for i := range n {
			if d.err != nil {
				return
			}
			elem.dec(d, v.Index(i))
		}
	}
	return enc, dec
}

// mapFuncs: uvarint 0 for nil, else the length plus one and the entries
// in key order (the same map, the same bytes); a decoded map's keys must
// come in strictly increasing order, so that no two bytes sequences decode
// to the same map.
func mapFuncs(t reflect.Type, elem *codec) (func(*encoder, reflect.Value), func(*decoder, reflect.Value)) {
	enc := func(e *encoder, v reflect.Value) {
		if v.IsNil() {
			e.uvarint(0)
			return
		}
		keys := make([]string, 0, v.Len())
		for it := v.MapRange(); it.Next(); {
			keys = append(keys, it.Key().String())
		}
		slices.Sort(keys)
		e.uvarint(ulen(len(keys)) + 1)
		kv := reflect.New(t.Key()).Elem()
		for _, k := range keys {
			e.uvarint(e.strs.ref(k))
			kv.SetString(k)
			elem.enc(e, v.MapIndex(kv))
		}
	}
	dec := func(d *decoder, v reflect.Value) {
		n, ok := d.count(1 + elem.minSize)
		if !ok {
			return
		}
		m := reflect.MakeMapWithSize(t, n)
		// One key and one value for every entry (SetMapIndex copies them),
		// the value zeroed before each.
		kv, ev := reflect.New(t.Key()).Elem(), reflect.New(elem.typ).Elem()
		prev := ""
		for i := range n {
			k := d.string()
			if d.err != nil {
				return
			}
			if i > 0 && k <= prev {
				d.fail("map keys out of order")
				return
			}
			prev = k
			kv.SetString(k)
			ev.SetZero()
			elem.dec(d, ev)
			m.SetMapIndex(kv, ev)
		}
		v.Set(m)
	}
	return enc, dec
}

// layout describes the types t holds, each once, sorted: its fingerprint
// (Fingerprint) changes when a field is added, removed, renamed, retyped
// or moved.
func layout(t reflect.Type, seen map[reflect.Type]bool, out *[]string) {
	if seen[t] {
		return
	}
	seen[t] = true
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice:
		layout(t.Elem(), seen, out)
	case reflect.Map:
		layout(t.Key(), seen, out)
		layout(t.Elem(), seen, out)
	case reflect.Struct:
		var b strings.Builder
		b.WriteString(t.PkgPath() + "." + t.Name() + "{")
		for i := range t.NumField() {
			f := t.Field(i)
			b.WriteString(f.Name + " " + f.Type.String() + ";")
			layout(f.Type, seen, out)
		}
		b.WriteString("}")
		*out = append(*out, b.String())
	default:
		*out = append(*out, t.String()+":"+t.Kind().String())
	}
}
