package escalation

import (
	"strings"
)

// Describe is a path as people read it, its steps' calls in order:
// "PutKeyPolicy on the key, then Decrypt", "PutRolePolicy on
// arn:aws:iam::222222222222:role/Deployer, then Decrypt"; a version made
// the default is named ("SetDefaultPolicyVersion v2 on arn:…"). The key the path
// leads to is "the key"; the action on it is named without its service
// prefix, and so is a last read of a resource under it ("then GetObject on
// arn:aws:s3:::bucket/*").
func Describe(p Path) string {
	key := ""
	for _, s := range p.Steps {
		if s.Kind == "" && strings.HasPrefix(s.Action, "kms:") {
			key = s.Target
		}
	}
	parts := make([]string, 0, len(p.Steps))
	for _, s := range p.Steps {
		name := s.Kind
		if name == "" {
			name = actionName(s.Action)
		}
		if s.Version != "" {
			name += " " + s.Version
		}
		switch {
		case s.Kind == "" && s.Target == key:
			parts = append(parts, name)
		case s.Target == key:
			parts = append(parts, name+" on the key")
		default:
			parts = append(parts, name+" on "+s.Target)
		}
	}
	return strings.Join(parts, ", then ")
}

// actionName is an action without its service prefix ("kms:Decrypt": "Decrypt").
func actionName(action string) string {
	if _, name, ok := strings.Cut(action, ":"); ok {
		return name
	}
	return action
}
