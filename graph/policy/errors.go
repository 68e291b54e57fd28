package policy

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseError is a malformed policy. Path is the JSON path of the offending
// element, such as `Statement[2].Condition.StringLike`.
type ParseError struct {
	Path string
	Msg  string
	Err  error
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return "malformed policy: " + e.Msg
	}
	return "malformed policy at " + e.Path + ": " + e.Msg
}

func (e *ParseError) Unwrap() error { return e.Err }

// valueError is an error in a value, before its path is known.
type valueError struct{ msg string }

func (e *valueError) Error() string { return e.msg }

func errAt(path string, format string, args ...any) *ParseError {
	return &ParseError{Path: path, Msg: fmt.Sprintf(format, args...)}
}

// jsonPath is the JSON path of an element of a statement, kept in parts and
// joined only when an error names it: building the path of every element
// as a string cost a third of what parsing allocated.
type jsonPath struct {
	stmt int       // the statement's index in the array; -1 for a lone statement object
	keys [3]string // such as Condition, StringEquals, aws:SourceVpce
	n    int
}

// key returns the path of the element k of the element at a.
func (a jsonPath) key(k string) jsonPath {
	a.keys[a.n] = k
	a.n++
	return a
}

func (a jsonPath) String() string {
	path := "Statement"
	if a.stmt >= 0 {
		path = index(path, a.stmt)
	}
	for _, k := range a.keys[:a.n] {
		path = field(path, k)
	}
	return path
}

func index(path string, i int) string { return path + "[" + strconv.Itoa(i) + "]" }

func field(path, name string) string {
	if path == "" {
		return name
	}
	if strings.ContainsAny(name, ".[]\" ") || strings.Contains(name, ":") {
		return path + "[" + strconv.Quote(name) + "]"
	}
	return path + "." + name
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:77] + "..."
	}
	return strconv.Quote(s)
}
