package snapshot

// fastItem decodes one validated item the way json.Unmarshal does, for
// the shapes keyhound writes: objects whose member names are exactly the
// struct's (no other, none twice), strings, booleans, integers, pointers,
// lists and string maps. On anything else (a name in another case or
// unknown, a value of the wrong kind, an escaped surrogate, a number that
// is not an int) it gives up, and the caller lets encoding/json decode the
// item afresh: what loads and the load errors stay encoding/json's. encoding/json scans
// each item twice (validation, then decoding) through a function call per
// byte, and that was most of what loading cost once the levels above were
// split in place.

import (
	"bytes"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"
)

// plan is how fastItem decodes into one struct type.
type plan struct {
	fields map[string]int // JSON name → field index
	n      int
}

var plans sync.Map // reflect.Type → *plan (nil: not for fastItem)

// planOf returns the plan of struct type t, nil when a field is not one
// fastItem decodes exactly as encoding/json (embedded, unexported, tag
// options that change decoding, kinds it does not read).
func planOf(t reflect.Type) *plan {
	if p, ok := plans.Load(t); ok {
		return p.(*plan)
	}
	p := &plan{fields: map[string]int{}, n: t.NumField()}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous || !f.IsExported() || name == "" || name == "-" || strings.Contains(opts, "string") || !fastKind(f.Type, 0) {
			p = nil
			break
		}
		p.fields[name] = i
	}
	if p != nil && p.n > 64 {
		p = nil // the members seen are a 64-bit set
	}
	plans.Store(t, p)
	return p
}

func fastKind(t reflect.Type, depth int) bool {
	if depth > 8 {
		return false
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int:
		return true
	case reflect.Pointer, reflect.Slice:
		return t.Elem().Kind() != reflect.Uint8 && fastKind(t.Elem(), depth+1)
	case reflect.Map:
		return t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.String && t.Key().PkgPath() == "" && t.Elem().PkgPath() == ""
	case reflect.Struct:
		for i := range t.NumField() {
			if !fastKind(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// fastItem decodes data, a validated JSON value, into v, a settable zero
// value; false when it gives up (v then holds part of data).
func fastItem(data []byte, v reflect.Value) bool {
	i, ok := fastValue(data, skipSpace(data, 0), v)
	return ok && skipSpace(data, i) == len(data)
}

func fastValue(data []byte, i int, v reflect.Value) (int, bool) {
	if i >= len(data) {
		return i, false
	}
	c := data[i]
	if c == 'n' {
		// null leaves a zero value as it is, whatever its kind.
		return i + 4, len(data)-i >= 4 && string(data[i:i+4]) == "null"
	}
	switch v.Kind() {
	case reflect.String:
		if c != '"' {
			return i, false
		}
		s, end, ok := fastString(data, i)
		if ok {
			v.SetString(s)
		}
		return end, ok
	case reflect.Bool:
		switch {
		case c == 't' && len(data)-i >= 4 && string(data[i:i+4]) == "true":
			v.SetBool(true)
			return i + 4, true
		case c == 'f' && len(data)-i >= 5 && string(data[i:i+5]) == "false":
			return i + 5, true
		}
		return i, false
	case reflect.Int:
		j := i
		if j < len(data) && data[j] == '-' {
			j++
		}
		for j < len(data) && '0' <= data[j] && data[j] <= '9' {
			j++
		}
		if j < len(data) && (data[j] == '.' || data[j] == 'e' || data[j] == 'E') {
			return i, false
		}
		n, err := strconv.ParseInt(string(data[i:j]), 10, 64)
		if err != nil || v.OverflowInt(n) {
			return i, false
		}
		v.SetInt(n)
		return j, true
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		end, ok := fastValue(data, i, p.Elem())
		if ok {
			v.Set(p)
		}
		return end, ok
	case reflect.Slice:
		return fastSlice(data, i, v)
	case reflect.Map:
		return fastMap(data, i, v)
	case reflect.Struct:
		return fastStruct(data, i, v)
	}
	return i, false
}

func fastSlice(data []byte, i int, v reflect.Value) (int, bool) {
	if data[i] != '[' {
		return i, false
	}
	out := reflect.MakeSlice(v.Type(), 0, 0)
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == ']' {
		v.Set(out)
		return i + 1, true
	}
	elem := v.Type().Elem()
	for n := 0; ; n++ {
		out = reflect.Append(out, reflect.Zero(elem))
		end, ok := fastValue(data, i, out.Index(n))
		if !ok {
			return end, false
		}
		i = skipSpace(data, end)
		if i >= len(data) {
			return i, false
		}
		if data[i] == ']' {
			v.Set(out)
			return i + 1, true
		}
		if data[i] != ',' {
			return i, false
		}
		i = skipSpace(data, i+1)
	}
}

func fastMap(data []byte, i int, v reflect.Value) (int, bool) {
	if data[i] != '{' {
		return i, false
	}
	m := reflect.MakeMap(v.Type())
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		v.Set(m)
		return i + 1, true
	}
	for {
		key, end, ok := fastName(data, i)
		if !ok {
			return end, false
		}
		// A value must be a string: a null would be stored as "".
		if end >= len(data) || data[end] != '"' {
			return end, false
		}
		val, end, ok := fastString(data, end)
		if !ok {
			return end, false
		}
		m.SetMapIndex(reflect.ValueOf(key).Convert(v.Type().Key()), reflect.ValueOf(val).Convert(v.Type().Elem()))
		if i, ok = next(data, end, '}'); !ok {
			return i, false
		}
		if data[i-1] == '}' {
			v.Set(m)
			return i, true
		}
	}
}

func fastStruct(data []byte, i int, v reflect.Value) (int, bool) {
	p := planOf(v.Type())
	if p == nil || data[i] != '{' {
		return i, false
	}
	i = skipSpace(data, i+1)
	if i < len(data) && data[i] == '}' {
		return i + 1, true
	}
	var seen uint64
	for {
		name, end, ok := fastName(data, i)
		if !ok {
			return end, false
		}
		f, known := p.fields[name]
		if !known || seen&(1<<f) != 0 {
			// Unknown, or in another case (encoding/json matches names
			// case-insensitively), or repeated (it merges): its call.
			return end, false
		}
		seen |= 1 << f
		if end, ok = fastValue(data, end, v.Field(f)); !ok {
			return end, false
		}
		if i, ok = next(data, end, '}'); !ok {
			return i, false
		}
		if data[i-1] == '}' {
			return i, true
		}
	}
}

// fastName reads a member name and its colon at data[i] and returns where
// the value starts.
func fastName(data []byte, i int) (string, int, bool) {
	if i >= len(data) || data[i] != '"' {
		return "", i, false
	}
	name, end, ok := fastString(data, i)
	if !ok {
		return "", end, false
	}
	end = skipSpace(data, end)
	if end >= len(data) || data[end] != ':' {
		return "", end, false
	}
	return name, skipSpace(data, end+1), true
}

// next reads what follows a member or item: a comma (and the space after
// it) or end; it returns the index after it.
func next(data []byte, i int, end byte) (int, bool) {
	i = skipSpace(data, i)
	if i >= len(data) {
		return i, false
	}
	switch data[i] {
	case end:
		return i + 1, true
	case ',':
		return skipSpace(data, i+1), true
	}
	return i, false
}

// fastString unquotes the string at data[i] as encoding/json does, but
// for surrogates in \u escapes and invalid UTF-8 (which encoding/json
// turns into U+FFFD): it gives up on those.
func fastString(data []byte, i int) (string, int, bool) {
	start := i + 1
	plain, ascii := true, true
	j := start
	for ; j < len(data); j++ {
		c := data[j]
		if c == '"' {
			break
		}
		if c == '\\' {
			plain = false
			j++
			continue
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if j >= len(data) {
		return "", j, false
	}
	raw := data[start:j]
	if !ascii && !utf8.Valid(raw) {
		return "", j, false
	}
	if plain {
		return string(raw), j + 1, true
	}
	var b strings.Builder // its String does not copy
	b.Grow(len(raw))
	for k := 0; k < len(raw); k++ {
		if n := bytes.IndexByte(raw[k:], '\\'); n != 0 {
			if n < 0 {
				n = len(raw) - k
			}
			b.Write(raw[k : k+n])
			k += n - 1
			continue
		}
		k++
		switch raw[k] {
		case '"', '\\', '/':
			b.WriteByte(raw[k])
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'u':
			// Go's encoder writes <, > and & so; a surrogate (a pair, or
			// U+FFFD for one alone) is encoding/json's.
			if k+4 >= len(raw) {
				return "", j, false
			}
			r, ok := hex4(raw[k+1 : k+5])
			if !ok || utf16.IsSurrogate(r) {
				return "", j, false
			}
			b.WriteRune(r)
			k += 4
		default:
			return "", j, false
		}
	}
	return b.String(), j + 1, true
}

// hex4 reads the four hex digits of a \u escape.
func hex4(h []byte) (rune, bool) {
	var r rune
	for _, c := range h {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
