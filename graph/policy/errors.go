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
