package snapshot

// The splitter under the decoder (load.go): it cuts an object into its
// members and an array into its items, in place, without decoding them.
// encoding/json's Unmarshal into map[string]json.RawMessage does the same
// but validates and copies every byte below on each level (top, accounts,
// account, Regions, Region, section, list: seven times for an item). Here
// the document is validated once (validSnapshot) and each level only skips
// the bytes below it; the items themselves are still decoded by
// encoding/json, so their values and errors are encoding/json's.

import (
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"slices"
)

// errNotJSON is raised (as a panic) by the splitter on bytes that are not
// JSON; decode recovers it and lets encoding/json say what is wrong. The
// splitter runs on validated bytes: it only reaches this on a bug.
var errNotJSON = errors.New("snapshot: not JSON")

func notJSON() { panic(errNotJSON) }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func skipSpace(data []byte, i int) int {
	for i < len(data) && isSpace(data[i]) {
		i++
	}
	return i
}

// valueEnd returns the end of the JSON value that starts at data[i]. It
// does not validate what it skips. An object or array is looked up in ix,
// when data is part of ix's document.
func (ix *index) valueEnd(data []byte, i int) int {
	if i >= len(data) {
		notJSON()
	}
	switch data[i] {
	case '"':
		return stringEnd(data, i)
	case '{', '[':
		if end, ok := ix.end(data, i); ok {
			return end
		}
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				i = stringEnd(data, i)
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
			i++
		}
		notJSON()
	}
	// A number or a literal.
	j := i
	for j < len(data) && !isSpace(data[j]) && data[j] != ',' && data[j] != '}' && data[j] != ']' && data[j] != ':' {
		j++
	}
	if j == i {
		notJSON()
	}
	return j
}

// stringEnd returns the end of the string whose opening quote is data[i].
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	notJSON()
	return 0
}

// keyString unquotes a member name (quotes included), as encoding/json
// does: escapes, and invalid UTF-8 as U+FFFD, through encoding/json itself.
func keyString(q []byte) string {
	plain := true
	for _, c := range q[1 : len(q)-1] {
		if c < 0x20 {
			notJSON()
		}
		if c == '\\' || c >= 0x80 {
			plain = false
		}
	}
	if plain {
		return string(q[1 : len(q)-1])
	}
	var s string
	if json.Unmarshal(q, &s) != nil {
		notJSON()
	}
	return s
}

// splitObject is json.Unmarshal(raw, &map[string]json.RawMessage) on a
// validated value: the members' values are slices of raw, a repeated name's
// last value wins. dups, when not nil, is called with each value a repeated
// name replaces.
func (ix *index) splitObject(raw []byte, dups func(json.RawMessage)) (map[string]json.RawMessage, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '{' {
		// null, or not an object: encoding/json says which.
		var obj map[string]json.RawMessage
		err := json.Unmarshal(raw, &obj)
		if _, ok := errors.AsType[*json.SyntaxError](err); ok {
			notJSON()
		}
		return obj, err
	}
	obj := map[string]json.RawMessage{}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == '}' {
		return obj, trailing(raw, i+1)
	}
	for {
		if i >= len(raw) || raw[i] != '"' {
			notJSON()
		}
		end := stringEnd(raw, i)
		key := keyString(raw[i:end])
		i = skipSpace(raw, end)
		if i >= len(raw) || raw[i] != ':' {
			notJSON()
		}
		i = skipSpace(raw, i+1)
		vend := ix.valueEnd(raw, i)
		if old, ok := obj[key]; ok && dups != nil {
			dups(old)
		}
		obj[key] = raw[i:vend]
		i = skipSpace(raw, vend)
		if i >= len(raw) {
			notJSON()
		}
		if raw[i] == '}' {
			return obj, trailing(raw, i+1)
		}
		if raw[i] != ',' {
			notJSON()
		}
		i = skipSpace(raw, i+1)
	}
}

// splitArray is json.Unmarshal(raw, &[]json.RawMessage) on a validated
// value: the items are slices of raw.
func (ix *index) splitArray(raw []byte) ([]json.RawMessage, error) {
	i := skipSpace(raw, 0)
	if i >= len(raw) || raw[i] != '[' {
		var items []json.RawMessage
		err := json.Unmarshal(raw, &items)
		if _, ok := errors.AsType[*json.SyntaxError](err); ok {
			notJSON()
		}
		return items, err
	}
	items := []json.RawMessage{}
	i = skipSpace(raw, i+1)
	if i < len(raw) && raw[i] == ']' {
		return items, trailing(raw, i+1)
	}
	for {
		end := ix.valueEnd(raw, i)
		items = append(items, raw[i:end])
		i = skipSpace(raw, end)
		if i >= len(raw) {
			notJSON()
		}
		if raw[i] == ']' {
			return items, trailing(raw, i+1)
		}
		if raw[i] != ',' {
			notJSON()
		}
		i = skipSpace(raw, i+1)
	}
}

// trailing checks that only white space follows a value.
func trailing(raw []byte, i int) error {
	if skipSpace(raw, i) != len(raw) {
		notJSON()
	}
	return nil
}

// splitSnapshot validates the whole document as encoding/json would before
// decoding it, and splits its top level and its accounts: split is false
// when the document is not JSON or not an object. The accounts are
// validated in parallel, one by one; accounts is nil when "accounts" is
// not an object.
func splitSnapshot(data []byte) (top, accounts map[string]json.RawMessage, split bool) {
	defer func() {
		if r := recover(); r != nil {
			if r != errNotJSON { //nolint:errorlint // the panic value itself
				panic(r)
			}
			top, accounts, split = nil, nil, false
		}
	}()
	if i := skipSpace(data, 0); i >= len(data) || data[i] != '{' {
		return nil, nil, false
	}
	validAt := func(depth int) func(json.RawMessage) {
		return func(raw json.RawMessage) {
			if !valid(raw, depth) {
				notJSON()
			}
		}
	}
	top, _ = (*index)(nil).splitObject(data, validAt(1))
	for name, raw := range top {
		if name == "accounts" && len(raw) > 0 && raw[0] == '{' {
			accounts, _ = (*index)(nil).splitObject(raw, validAt(2))
			continue
		}
		validAt(1)(raw)
	}
	ids := sortedKeys(accounts)
	bad := make([]bool, len(ids))
	parallel(len(ids), func(i int) { bad[i] = !valid(accounts[ids[i]], 2) })
	for _, b := range bad {
		if b {
			return nil, nil, false
		}
	}
	return top, accounts, true
}

// index holds where the objects and arrays of a document end, down to the
// depth of items (an account's items are its sixth level:
// regions/Region/section/list/item), so that the splitter skips a value at
// once, whatever the level: an account is indexed once and split down to
// its items. It takes 8 bytes an object or array above that depth, however
// large the account. The values split from the document are slices of it
// that keep its capacity, which tells their offset in it.
type index struct {
	doc          []byte
	starts, ends []int32 // offsets, in order
}

// indexDepth is how deep index records objects and arrays.
const indexDepth = 6

// newIndex indexes a validated document; nil when it is too large for
// int32 offsets (then values are skipped byte by byte).
func newIndex(doc []byte) *index {
	if cap(doc) >= math.MaxInt32 {
		return nil
	}
	ix := &index{doc: doc}
	var open []int // by depth: where in starts, or -1 when not recorded
	for i := 0; i < len(doc); {
		switch doc[i] {
		case '"':
			i = stringEnd(doc, i)
			continue
		case '{', '[':
			if len(open) < indexDepth {
				open = append(open, len(ix.starts))
				ix.starts = append(ix.starts, int32(i))
				ix.ends = append(ix.ends, 0)
			} else {
				open = append(open, -1)
			}
		case '}', ']':
			if len(open) == 0 {
				notJSON()
			}
			if k := open[len(open)-1]; k >= 0 {
				ix.ends[k] = int32(i + 1)
			}
			open = open[:len(open)-1]
		}
		i++
	}
	return ix
}

// end returns the end of the object or array at data[i], data a slice of
// the indexed document.
func (ix *index) end(data []byte, i int) (int, bool) {
	if ix == nil {
		return 0, false
	}
	base := cap(ix.doc) - cap(data)
	if base < 0 || base+i >= len(ix.doc) || &ix.doc[base+i] != &data[i] {
		return 0, false
	}
	k, found := slices.BinarySearchFunc(ix.starts, base+i, func(s int32, off int) int { return cmp.Compare(int(s), off) })
	if !found {
		return 0, false
	}
	end := int(ix.ends[k]) - base
	if end <= i || end > len(data) {
		return 0, false
	}
	return end, true
}
