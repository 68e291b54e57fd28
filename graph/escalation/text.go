package escalation

import (
	"strings"
)

// Describe is a path as people read it, its steps' calls in order:
// "PutKeyPolicy on the key, then Decrypt", "PutRolePolicy on
// arn:aws:iam::222222222222:role/Deployer, then Decrypt". The key the path
// leads to is "the key"; the last step is named by its action without its
// service prefix.
func Describe(p Path) string {
	parts := make([]string, 0, len(p.Steps))
	key := ""
	if n := len(p.Steps); n > 0 {
		key = p.Steps[n-1].Target
	}
	for i, s := range p.Steps {
		if i == len(p.Steps)-1 && s.Kind == "" {
			parts = append(parts, actionName(s.Action))
			continue
		}
		name := s.Kind
		if name == "" {
			name = actionName(s.Action)
		}
		target := s.Target
		if target == key {
			target = "the key"
		}
		parts = append(parts, name+" on "+target)
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
