package baseline

import "strings"

// Glob reports whether s matches pattern: "*" matches any run of
// characters (none included, "/" and ":" too), "?" any one byte, "\"
// makes the next character stand for itself (`\*` is the public
// principal "*" alone), anything else itself.
func Glob(pattern, s string) bool {
	// Iterative matching with one backtrack point (the last star): linear
	// in practice, never exponential.
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		if p < len(pattern) {
			c, lit, n := pattern[p], false, 1
			if c == '\\' && p+1 < len(pattern) {
				c, lit, n = pattern[p+1], true, 2
			}
			switch {
			case !lit && c == '*':
				star, mark = p, i
				p++
				continue
			case (!lit && c == '?') || c == s[i]:
				p += n
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		p = star + 1
		mark++
		i = mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// hasGlob reports whether pattern holds a wildcard.
func hasGlob(pattern string) bool { return strings.ContainsAny(pattern, `*?\`) }

// Quote is a pattern that matches s alone.
func Quote(s string) string {
	if !hasGlob(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`*?\`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
