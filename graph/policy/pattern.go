package policy

import (
	"strings"
)

// Pattern is a compiled policy string: literal text, the wildcards `*` and `?`,
// and policy variables (`${aws:username}`, `${aws:PrincipalTag/team, 'none'}`,
// and the escapes `${*}`, `${?}`, `${$}` that stand for the literal characters).
//
// Whether `*` and `?` act as wildcards is decided when matching: StringLike and
// the Resource element treat them as wildcards, StringEquals as plain text.
type Pattern struct {
	raw   string
	toks  []token
	fixed string // the literal part of shapePrefix / shapeSuffix
	// The small fields last, in 64 bytes: a policy holds many patterns.
	nvars  int32
	simple bool // one literal token, no variables, no wildcards
	// shape is a fast path for the commonest wildcard patterns.
	shape shape
}

type shape uint8

const (
	shapeGeneral shape = iota
	shapeAny           // *
	shapePrefix        // literal*
	shapeSuffix        // *literal
)

type tokKind uint8

const (
	tokLit tokKind = iota
	tokStar
	tokQuest
	tokVar
)

type token struct {
	lit string    // tokLit: the text; tokVar: the default, if hasDef
	v   *variable // tokVar: its key
	// The small fields last, in 32 bytes: patterns hold many tokens, and
	// most are text or wildcards (the key's two strings in each token were
	// 21 MB of 5,000 generated accounts' parsed policies).
	vidx   int32 // tokVar: index among the pattern's variables
	kind   tokKind
	hasDef bool
}

// variable is a policy variable's key.
type variable struct {
	key  string // lower-case context key
	name string // key as written
}

// CompilePattern compiles s. withVars says whether `${…}` is a policy variable
// (policies of Version 2012-10-17) or literal text (older versions).
func CompilePattern(s string, withVars bool) (Pattern, error) {
	return compilePattern(s, withVars, nil)
}

// tokenBound is at most how many tokens the pattern of s has.
func tokenBound(s string) int {
	n := 1
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '$':
			n += 2
		}
	}
	return n
}

// tokenSlab hands out the token slices of an element's patterns from one
// allocation.
type tokenSlab []token

func newTokenSlab(n int) tokenSlab { return make(tokenSlab, n) }

// take returns an empty slice with room for the tokens of s.
func (t *tokenSlab) take(s string) []token {
	n := tokenBound(s)
	if t == nil || len(*t) < n {
		return make([]token, 0, n)
	}
	toks := (*t)[:0:n]
	*t = (*t)[n:]
	return toks
}

// compilePattern is CompilePattern with the tokens appended to toks, which
// has room for them (or is nil).
func compilePattern(s string, withVars bool, toks []token) (Pattern, error) {
	p := Pattern{raw: s, toks: toks}
	if p.toks == nil {
		p.toks = make([]token, 0, tokenBound(s))
	}
	// The pending literal text is s[from:to], a substring of s, until an
	// escape such as ${*} joins other text to it: then it is in lit.
	var (
		lit      strings.Builder
		inLit    bool
		from, to int
	)
	flush := func() {
		switch {
		case inLit:
			p.toks = append(p.toks, token{kind: tokLit, lit: lit.String()})
			lit.Reset()
			inLit = false
		case to > from:
			p.toks = append(p.toks, token{kind: tokLit, lit: s[from:to]})
		}
		from, to = 0, 0
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '*':
			flush()
			p.toks = append(p.toks, token{kind: tokStar})
		case c == '?':
			flush()
			p.toks = append(p.toks, token{kind: tokQuest})
		case c == '$' && withVars && i+1 < len(s) && s[i+1] == '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return Pattern{}, &valueError{msg: "unterminated policy variable in " + quote(s)}
			}
			body := s[i+2 : i+2+end]
			i += 2 + end
			switch esc := strings.TrimSpace(body); esc {
			case "*", "?", "$":
				if !inLit {
					lit.WriteString(s[from:to])
					inLit = true
				}
				lit.WriteString(esc)
				continue
			}
			tok, err := parseVariable(body)
			if err != nil {
				return Pattern{}, err
			}
			flush()
			tok.vidx = p.nvars
			p.toks = append(p.toks, tok)
			p.nvars++
		default:
			switch {
			case inLit:
				lit.WriteByte(c)
			case to > from:
				to = i + 1
			default:
				from, to = i, i+1
			}
		}
	}
	flush()
	p.simple = len(p.toks) == 1 && p.toks[0].kind == tokLit
	if len(p.toks) == 0 {
		p.simple = true
		p.toks = append(p.toks, token{kind: tokLit})
	}
	switch {
	case len(p.toks) == 1 && p.toks[0].kind == tokStar:
		p.shape = shapeAny
	case len(p.toks) == 2 && p.toks[0].kind == tokLit && p.toks[1].kind == tokStar:
		p.shape, p.fixed = shapePrefix, p.toks[0].lit
	case len(p.toks) == 2 && p.toks[0].kind == tokStar && p.toks[1].kind == tokLit:
		p.shape, p.fixed = shapeSuffix, p.toks[1].lit
	}
	return p, nil
}

// parseVariable parses the inside of `${…}`: a key, optionally followed by a
// comma and a default value in single quotes.
func parseVariable(body string) (token, error) {
	key, def, hasDef := strings.Cut(body, ",")
	key = strings.TrimSpace(key)
	if key == "" {
		return token{}, &valueError{msg: "empty policy variable"}
	}
	t := token{kind: tokVar, v: &variable{key: strings.ToLower(key), name: key}}
	if hasDef {
		def = strings.TrimSpace(def)
		if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
			return token{}, &valueError{msg: "policy variable default must be quoted with single quotes: ${" + body + "}"}
		}
		t.lit, t.hasDef = def[1:len(def)-1], true
	}
	return t, nil
}

// String returns the pattern as written.
func (p Pattern) String() string { return p.raw }

// HasVariables reports whether the pattern has policy variables.
func (p Pattern) HasVariables() bool { return p.nvars > 0 }

// Variables returns the context keys the pattern's variables refer to, as written.
func (p Pattern) Variables() []string {
	var out []string
	for _, t := range p.toks {
		if t.kind == tokVar {
			out = append(out, t.v.name)
		}
	}
	return out
}

// endsWithStar reports whether the pattern's last character is a `*` wildcard.
func (p Pattern) endsWithStar() bool { return len(p.toks) > 0 && p.toks[len(p.toks)-1].kind == tokStar }

// IsAny reports whether the pattern is a lone `*`.
func (p Pattern) IsAny() bool { return len(p.toks) == 1 && p.toks[0].kind == tokStar }

// maxStackVars is how many variables a pattern may hold before matching allocates.
const maxStackVars = 4

// resolve fills vals with the values of the pattern's variables. It returns
// False when a variable's key is absent with no default (the element then
// matches nothing, as AWS documents), Unknown when a key is unknown.
func (p *Pattern) resolve(ctx *Context, vals []string) Tri {
	res := True
	n := 0
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tokVar {
			continue
		}
		v, pres := ctx.Lookup(t.v.key)
		switch {
		case pres == PresencePresent && len(v) == 1:
			vals[n] = v[0]
		case pres == PresenceUnknown:
			res = Unknown
		case t.hasDef:
			vals[n] = t.lit
		default:
			// Absent, or multi-valued (which AWS does not substitute).
			return False
		}
		n++
	}
	return res
}

// unresolvable reports whether one of the pattern's variables is known to
// have no value (absent, or multivalued, with no default): the pattern then
// matches nothing, whatever the other variables are.
func (p *Pattern) unresolvable(ctx *Context) bool {
	for i := range p.toks {
		t := &p.toks[i]
		if t.kind != tokVar || t.hasDef {
			continue
		}
		if v, pres := ctx.Lookup(t.v.key); pres == PresenceAbsent || pres == PresencePresent && len(v) != 1 {
			return true
		}
	}
	return false
}

// Match matches s against the pattern. wild: `*` and `?` are wildcards;
// fold: ASCII case-insensitive.
func (p *Pattern) Match(s string, ctx *Context, wild, fold bool) Tri {
	if p.nvars == 0 {
		return TriOf(p.match(s, nil, wild, fold))
	}
	var stack [maxStackVars]string
	vals := stack[:]
	if p.nvars > maxStackVars {
		vals = make([]string, p.nvars)
	}
	switch p.resolve(ctx, vals) {
	case False:
		return False
	case Unknown:
		return Unknown
	}
	return TriOf(p.match(s, vals, wild, fold))
}

// match is the glob matcher over tokens, char by char: the two-pointer
// algorithm with backtracking to the last star. It does not allocate.
func (p *Pattern) match(s string, vals []string, wild, fold bool) bool {
	if p.simple {
		if fold {
			return strings.EqualFold(p.toks[0].lit, s)
		}
		return p.toks[0].lit == s
	}
	if wild {
		switch p.shape {
		case shapeAny:
			return true
		case shapePrefix:
			return len(s) >= len(p.fixed) && eqFold(s[:len(p.fixed)], p.fixed, fold)
		case shapeSuffix:
			return len(s) >= len(p.fixed) && eqFold(s[len(s)-len(p.fixed):], p.fixed, fold)
		}
	}
	var (
		ti, off int // pattern position: token index and offset within a text token
		si      int
		starTi  = -1
		starOff int
		starSi  int
	)
	text := func(i int) string {
		t := &p.toks[i]
		switch t.kind {
		case tokLit:
			return t.lit
		case tokVar:
			return vals[t.vidx]
		case tokStar:
			return "*"
		default:
			return "?"
		}
	}
	// advance skips exhausted text tokens.
	for {
		// Normalise pattern position.
		for ti < len(p.toks) {
			t := p.toks[ti].kind
			if (t == tokStar || t == tokQuest) && wild {
				break
			}
			if off < len(text(ti)) {
				break
			}
			ti, off = ti+1, 0
		}
		if si == len(s) {
			// Remaining pattern must be stars only (or empty text).
			for ti < len(p.toks) {
				t := p.toks[ti].kind
				if t == tokStar && wild {
					ti++
					continue
				}
				if t != tokStar && t != tokQuest && off >= len(text(ti)) {
					ti, off = ti+1, 0
					continue
				}
				return false
			}
			return true
		}
		if ti < len(p.toks) {
			k := p.toks[ti].kind
			if wild && k == tokStar {
				starTi, starOff, starSi = ti+1, 0, si
				ti, off = ti+1, 0
				continue
			}
			if wild && k == tokQuest {
				si++
				ti++
				off = 0
				continue
			}
			tx := text(ti)
			if byteEq(tx[off], s[si], fold) {
				off++
				si++
				continue
			}
		}
		if starTi < 0 {
			return false
		}
		starSi++
		si = starSi
		ti, off = starTi, starOff
	}
}

func byteEq(a, b byte, fold bool) bool {
	if a == b {
		return true
	}
	if !fold {
		return false
	}
	return lower(a) == lower(b)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

func eqFold(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}
