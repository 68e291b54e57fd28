// Package actions holds, as data, the IAM actions keyhound answers, and
// checks the action a user asks about against them: IAM action names are
// case-insensitive (IAM UG, "IAM JSON policy elements: Action"), so any case
// is accepted and the canonical spelling returned; a name keyhound does not
// know is refused with the nearest known names; a wildcard is refused with
// the names it stands for, since an answer is about one action.
//
// It is pure: no I/O, and it imports nothing of the access graph.
package actions

import (
	"fmt"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/policy"
)

// Catalog is a set of action names. Its zero value is empty.
type Catalog struct {
	names []string          // canonical spellings, sorted
	lower map[string]string // lower case → canonical
	// about says, in an error, what the catalog holds.
	about string
}

// New returns the catalog of the names in lists; about says, in the errors
// Resolve returns, what the catalog holds ("KMS actions on keys, …").
func New(about string, lists ...[]string) *Catalog {
	c := &Catalog{lower: map[string]string{}, about: about}
	for _, l := range lists {
		for _, n := range l {
			if _, dup := c.lower[strings.ToLower(n)]; !dup {
				c.lower[strings.ToLower(n)] = n
				c.names = append(c.names, n)
			}
		}
	}
	slices.SortFunc(c.names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return c
}

// Names returns the catalog's names, canonical, sorted case-insensitively.
func (c *Catalog) Names() []string { return slices.Clone(c.names) }

// Resolve returns the canonical spelling of name, or a *WildcardError when
// it holds `*` or `?`, or an *UnknownError when the catalog lacks it.
func (c *Catalog) Resolve(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", &UnknownError{Name: name, About: c.about}
	}
	if strings.ContainsAny(name, "*?") {
		return "", &WildcardError{Name: name, Matches: c.matching(name)}
	}
	if n, ok := c.lower[strings.ToLower(name)]; ok {
		return n, nil
	}
	return "", &UnknownError{Name: name, Suggestions: c.nearest(name), About: c.about}
}

// matching returns the names pattern matches as a policy's Action element
// would: `*` and `?` wildcards, case-insensitively.
func (c *Catalog) matching(pattern string) []string {
	p, err := policy.CompilePattern(pattern, false)
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range c.names {
		if p.Match(n, nil, true, true) == policy.True {
			out = append(out, n)
		}
	}
	return out
}

// maxSuggestions bounds the names an UnknownError offers.
const maxSuggestions = 3

// nearest returns the names closest to name, when close enough to be what
// was meant: within an edit distance (a transposition counts as one edit) of
// a quarter of the name's length, at most 3; a name that only lacks its
// service prefix ("Decrypt") counts as one edit more than its operation
// part, and one that lacks its end ("kms:ReEncrypt") as two.
func (c *Catalog) nearest(name string) []string {
	in := strings.ToLower(name)
	best, bestD := []string(nil), 0
	for _, n := range c.names {
		ln := strings.ToLower(n)
		d := distance(in, ln)
		if _, op, ok := strings.Cut(ln, ":"); ok && !strings.Contains(in, ":") {
			d = min(d, distance(in, op)+1)
		}
		if strings.Contains(in, ":") && len(in) > strings.Index(in, ":")+3 && strings.HasPrefix(ln, in) {
			d = min(d, 2)
		}
		if d > min(3, max(1, len(ln)/4)) {
			continue
		}
		switch {
		case best == nil || d < bestD:
			best, bestD = []string{n}, d
		case d == bestD:
			best = append(best, n)
		}
	}
	if len(best) > maxSuggestions {
		best = best[:maxSuggestions]
	}
	return best
}

// UnknownError is an action the catalog does not hold.
type UnknownError struct {
	Name string
	// Suggestions are the nearest names the catalog holds (none when
	// nothing is close).
	Suggestions []string
	About       string
}

func (e *UnknownError) Error() string {
	if e.Name == "" {
		return "no action given (keyhound answers " + e.About + ")"
	}
	if len(e.Suggestions) > 0 {
		return fmt.Sprintf("action %s is not one keyhound answers: did you mean %s?", e.Name, orList(e.Suggestions))
	}
	return fmt.Sprintf("action %s is not one keyhound answers (it answers %s)", e.Name, e.About)
}

// WildcardError is an action with a wildcard: answers are about one action.
type WildcardError struct {
	Name string
	// Matches are the names of the catalog the wildcard stands for.
	Matches []string
}

// maxListed bounds the matches a WildcardError names.
const maxListed = 6

func (e *WildcardError) Error() string {
	msg := fmt.Sprintf("action %s has a wildcard: an answer is about one action, so name it", e.Name)
	switch n := len(e.Matches); {
	case n == 0:
		return msg + " (it matches no action keyhound answers)"
	case n == 1:
		return fmt.Sprintf("%s (%s stands for %s)", msg, e.Name, e.Matches[0])
	case n <= maxListed:
		return fmt.Sprintf("%s and ask once for each (%s stands for %s)", msg, e.Name, andList(e.Matches))
	default:
		return fmt.Sprintf("%s (%s stands for %d actions: %s, …)", msg, e.Name, n, strings.Join(e.Matches[:maxListed], ", "))
	}
}

// orList joins names as "a", "a or b", "a, b or c".
func orList(names []string) string { return joinLast(names, " or ") }

// andList joins names as "a", "a and b", "a, b and c".
func andList(names []string) string { return joinLast(names, " and ") }

func joinLast(names []string, last string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + last + names[len(names)-1]
}
