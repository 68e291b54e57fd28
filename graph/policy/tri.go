package policy

// Tri is a three-valued truth value (Kleene logic). Unknown means the answer
// depends on request-context keys that are not known.
type Tri uint8

const (
	// False means the element does not match, whatever the unknown keys are.
	False Tri = iota
	// True means the element matches, whatever the unknown keys are.
	True
	// Unknown means the element matches for some values of the unknown keys and not for others.
	Unknown
)

// TriOf converts a bool.
func TriOf(b bool) Tri {
	if b {
		return True
	}
	return False
}

// And is Kleene conjunction.
func (t Tri) And(u Tri) Tri {
	switch {
	case t == False || u == False:
		return False
	case t == True && u == True:
		return True
	default:
		return Unknown
	}
}

// Or is Kleene disjunction.
func (t Tri) Or(u Tri) Tri {
	switch {
	case t == True || u == True:
		return True
	case t == False && u == False:
		return False
	default:
		return Unknown
	}
}

// Not is Kleene negation.
func (t Tri) Not() Tri {
	switch t {
	case True:
		return False
	case False:
		return True
	default:
		return Unknown
	}
}

// String returns "true", "false" or "unknown".
func (t Tri) String() string {
	switch t {
	case True:
		return "true"
	case False:
		return "false"
	default:
		return "unknown"
	}
}

// MarshalText implements encoding.TextMarshaler.
func (t Tri) MarshalText() ([]byte, error) { return []byte(t.String()), nil }
