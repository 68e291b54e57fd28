package policy

import "strconv"

// Effect is a statement's effect.
type Effect uint8

// Effects.
const (
	Allow Effect = iota
	Deny
)

// String returns "Allow" or "Deny".
func (e Effect) String() string {
	if e == Deny {
		return "Deny"
	}
	return "Allow"
}

// MarshalText implements encoding.TextMarshaler.
func (e Effect) MarshalText() ([]byte, error) { return []byte(e.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler: "Allow" or "Deny".
func (e *Effect) UnmarshalText(b []byte) error {
	switch string(b) {
	case "Allow":
		*e = Allow
	case "Deny":
		*e = Deny
	default:
		return &valueError{msg: "effect " + strconv.Quote(string(b)) + ": want Allow or Deny"}
	}
	return nil
}

// Version2012 is the current policy language version; policy variables are
// substituted only in policies of this version.
const Version2012 = "2012-10-17"

// Policy is a parsed policy document.
type Policy struct {
	Version    string
	ID         string
	Statements []Statement
	// Text is the document as ParseString was given it (URL-decoded).
	Text string
}

// Statement is one statement of a policy. Index is its position in the
// document (0 for a lone statement object).
type Statement struct {
	Index  int
	Sid    string
	Effect Effect

	// Principal is nil when the statement has neither Principal nor NotPrincipal
	// (identity policies, SCPs).
	Principal    *Principals
	NotPrincipal bool

	Actions   []Action
	NotAction bool

	// Resources is empty with HasResource false when the statement has no
	// Resource element (trust policies): the statement applies to the resource
	// the policy is attached to.
	Resources   []Resource
	NotResource bool
	HasResource bool

	Conditions []Condition
}

// Principals is the value of a Principal or NotPrincipal element.
type Principals struct {
	// Any is `"*"` or `{"AWS": "*"}`.
	Any           bool
	AWS           []string
	Service       []string
	Federated     []string
	CanonicalUser []string
}

// Action is one entry of an Action or NotAction element: a case-insensitive
// pattern "service:Action" with `*` and `?` wildcards.
type Action struct {
	raw     string
	pattern Pattern // lower-case
}

// String returns the action as written.
func (a Action) String() string { return a.raw }

// Matches reports whether the action pattern matches action, which must be in lower case.
func (a *Action) Matches(lowerAction string) bool {
	return a.pattern.match(lowerAction, nil, true, false)
}

// Resource is one entry of a Resource or NotResource element: `*`, or an ARN
// pattern matched segment by segment, with policy variables.
type Resource struct {
	raw  string
	any  bool
	segs []Pattern // six ARN segments; fewer when the pattern has fewer colons
	flat Pattern   // for patterns that are not ARNs
	arn  bool
}

// String returns the resource as written.
func (r Resource) String() string { return r.raw }

// HasVariables reports whether the resource pattern uses policy variables.
func (r *Resource) HasVariables() bool {
	if r.flat.HasVariables() {
		return true
	}
	for i := range r.segs {
		if r.segs[i].HasVariables() {
			return true
		}
	}
	return false
}

// Variables returns the context keys the resource pattern's policy
// variables refer to, as written.
func (r *Resource) Variables() []string {
	out := r.flat.Variables()
	for i := range r.segs {
		out = append(out, r.segs[i].Variables()...)
	}
	return out
}

// HasVariables reports whether the statement's Resource or Condition element
// uses policy variables: its meaning then depends on the request's context.
func (s *Statement) HasVariables() bool {
	for i := range s.Resources {
		if s.Resources[i].HasVariables() {
			return true
		}
	}
	for i := range s.Conditions {
		if len(s.Conditions[i].Variables()) > 0 {
			return true
		}
	}
	return false
}
