package graph

// Issue is a problem with the snapshot that answers may depend on: an item
// that did not load, or a policy that does not parse.
type Issue struct {
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	// Item names what the issue is about: a key ARN, a role ARN, a policy ARN.
	Item string `json:"item,omitempty"`
	// Path is the JSON path in the snapshot; for a policy that does not
	// parse, followed by the path inside the policy.
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (i Issue) String() string {
	s := i.Path
	if i.Item != "" {
		s += " (" + i.Item + ")"
	}
	return s + ": " + i.Message
}
