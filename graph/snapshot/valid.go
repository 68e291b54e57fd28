package snapshot

// valid is encoding/json's Valid for a value nested depth levels deep in
// its document, at a fraction of the cost: encoding/json's scanner calls a
// function for each byte. The grammar is RFC 8259's, as encoding/json
// reads it: any byte from 0x20 in strings (invalid UTF-8 included), and at
// most maxDepth nested objects and arrays in the document.

// maxDepth is encoding/json's maxNestingDepth.
const maxDepth = 10000

func valid(doc []byte, depth int) bool {
	var open []byte // the objects and arrays open: '{' or '['
	i := skipSpace(doc, 0)
	for {
		// A value starts at i.
		if i >= len(doc) {
			return false
		}
		ok := true
		switch c := doc[i]; c {
		case '{', '[':
			if depth+len(open)+1 > maxDepth {
				return false
			}
			open = append(open, c)
			i = skipSpace(doc, i+1)
			if i < len(doc) && doc[i] == c+2 { // '}' or ']'
				open = open[:len(open)-1]
				i++
				break
			}
			if c == '{' {
				if i, ok = member(doc, i); !ok {
					return false
				}
			}
			continue
		case '"':
			i, ok = validString(doc, i)
		case 't':
			i, ok = literal(doc, i, "true")
		case 'f':
			i, ok = literal(doc, i, "false")
		case 'n':
			i, ok = literal(doc, i, "null")
		default:
			i, ok = number(doc, i)
		}
		if !ok {
			return false
		}
		// After a value: a comma and the next, or the end of objects and
		// arrays, or of the document.
		for {
			i = skipSpace(doc, i)
			if len(open) == 0 {
				return i == len(doc)
			}
			if i >= len(doc) {
				return false
			}
			c, in := doc[i], open[len(open)-1]
			if c == in+2 {
				open = open[:len(open)-1]
				i++
				continue
			}
			if c != ',' {
				return false
			}
			i = skipSpace(doc, i+1)
			if in == '{' {
				if i, ok = member(doc, i); !ok {
					return false
				}
			}
			break
		}
	}
}

// member reads a member's name and colon at doc[i], returning where its
// value starts.
func member(doc []byte, i int) (int, bool) {
	if i >= len(doc) || doc[i] != '"' {
		return i, false
	}
	i, ok := validString(doc, i)
	if !ok {
		return i, false
	}
	i = skipSpace(doc, i)
	if i >= len(doc) || doc[i] != ':' {
		return i, false
	}
	return skipSpace(doc, i+1), true
}

func validString(doc []byte, i int) (int, bool) {
	for i++; i < len(doc); i++ {
		switch c := doc[i]; {
		case c == '"':
			return i + 1, true
		case c < 0x20:
			return i, false
		case c == '\\':
			i++
			if i >= len(doc) {
				return i, false
			}
			switch doc[i] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if i+4 >= len(doc) {
					return i, false
				}
				for _, h := range doc[i+1 : i+5] {
					if !isHex(h) {
						return i, false
					}
				}
				i += 4
			default:
				return i, false
			}
		}
	}
	return i, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func literal(doc []byte, i int, lit string) (int, bool) {
	if len(doc)-i < len(lit) || string(doc[i:i+len(lit)]) != lit {
		return i, false
	}
	return i + len(lit), true
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func number(doc []byte, i int) (int, bool) {
	if i < len(doc) && doc[i] == '-' {
		i++
	}
	switch {
	case i >= len(doc):
		return i, false
	case doc[i] == '0':
		i++
	case '1' <= doc[i] && doc[i] <= '9':
		i = digits(doc, i)
	default:
		return i, false
	}
	if i < len(doc) && doc[i] == '.' {
		j := digits(doc, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(doc) && (doc[i] == 'e' || doc[i] == 'E') {
		i++
		if i < len(doc) && (doc[i] == '+' || doc[i] == '-') {
			i++
		}
		j := digits(doc, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

func digits(doc []byte, i int) int {
	for i < len(doc) && '0' <= doc[i] && doc[i] <= '9' {
		i++
	}
	return i
}
