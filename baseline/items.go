package baseline

import (
	"fmt"
	"strings"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
)

// Kinds of item, as an entry's change pattern names them.
const (
	// NewAccess is wider access (new, or now ALLOW) for a principal of the
	// organization; NewExternal for one outside it, or the public.
	NewAccess   = "new-access"
	NewExternal = "new-external"
	// RemovedAccess is access that went; DecisionChanged a decision that
	// changed without widening (ALLOW → CONDITIONAL…).
	RemovedAccess   = "removed-access"
	DecisionChanged = "decision-changed"
	// KeyChanged is a key added, removed, or whose state changed.
	KeyChanged = "key-changed"
	// NewEscalation is a new escalation path to a key, or one now ALLOW;
	// EscalationChanged any other escalation change (a path that went, a
	// decision that narrowed, access that became a path or the reverse).
	NewEscalation     = "new-escalation"
	EscalationChanged = "escalation-changed"
	// Finding is a finding that appeared; ResolvedFinding one that went.
	Finding         = "finding"
	ResolvedFinding = "resolved-finding"
)

// Kinds lists every kind of item.
var Kinds = []string{NewAccess, NewExternal, NewEscalation, Finding, RemovedAccess, DecisionChanged, EscalationChanged, KeyChanged, ResolvedFinding}

// Item is one thing a diff reports that a gate may fail on and an entry
// may accept. Its fields are what entries match; the pointers say which
// part of the report it stands for (one of them is set).
type Item struct {
	Kind string `json:"change"`
	// Principal is who gains (or loses) access, or the principal a
	// finding is about.
	Principal string `json:"principal,omitempty"`
	// Key is the KMS key (ARN) involved: the target of can-use-key access,
	// a changed key, the key a finding is about.
	Key string `json:"key,omitempty"`
	// Resource is any other target: the resource of can-read access, the
	// role of can-assume access, the resource a finding is about.
	Resource string `json:"resource,omitempty"`
	// Action is the access's action (kms:Decrypt, sts:AssumeRole…).
	Action string `json:"action,omitempty"`
	// Rule and Severity are a finding's.
	Rule     string `json:"finding,omitempty"`
	Severity string `json:"severity,omitempty"`
	// Text says what the item is, in one line for people.
	Text string `json:"text"`

	Access     *diff.Change           `json:"-"`
	KeyChange  *diff.KeyChange        `json:"-"`
	Found      *graph.Finding         `json:"-"`
	Escalation *diff.EscalationChange `json:"-"`
}

// Target is the item's key or resource.
func (it Item) Target() string {
	if it.Key != "" {
		return it.Key
	}
	return it.Resource
}

// Items lists a report's items: its access changes, key changes, new and
// resolved findings, in the report's order. The items point into r.
func Items(r *diff.Report) []Item {
	var out []Item
	for i := range r.Changes {
		out = append(out, AccessItem(&r.Changes[i]))
	}
	for i := range r.Keys {
		k := &r.Keys[i]
		out = append(out, Item{Kind: KeyChanged, Key: k.Key, Text: "key " + k.Change + " " + k.Key, KeyChange: k})
	}
	for i := range r.Escalations {
		out = append(out, EscalationItem(&r.Escalations[i]))
	}
	for i := range r.NewFindings {
		out = append(out, FindingItem(&r.NewFindings[i], Finding))
	}
	for i := range r.ResolvedFindings {
		out = append(out, FindingItem(&r.ResolvedFindings[i], ResolvedFinding))
	}
	return out
}

// AccessItem is the item of an access change.
func AccessItem(c *diff.Change) Item {
	it := Item{Principal: c.Principal, Action: c.Action, Access: c}
	if c.Edge == "can-use-key" {
		it.Key = c.Target
	} else {
		it.Resource = c.Target
	}
	who := c.Principal
	switch {
	case c.Public:
		who += " (public)"
	case c.External:
		who += " (external)"
	}
	switch {
	case c.Wider() && c.External:
		it.Kind = NewExternal
	case c.Wider():
		it.Kind = NewAccess
	case c.Change == diff.RemovedAccess:
		it.Kind = RemovedAccess
	default:
		it.Kind = DecisionChanged
	}
	switch it.Kind {
	case NewAccess, NewExternal:
		it.Text = fmt.Sprintf("%s can %s %s (%s", who, c.Action, c.Target, c.New)
		if c.Old != "" {
			it.Text += ", was " + c.Old
		}
		it.Text += ")"
	case RemovedAccess:
		it.Text = fmt.Sprintf("%s can no longer %s %s (was %s)", who, c.Action, c.Target, c.Old)
	default:
		it.Text = fmt.Sprintf("%s %s %s: %s → %s", who, c.Action, c.Target, c.Old, c.New)
	}
	return it
}

// EscalationItem is the item of an escalation change: NewEscalation when
// it is a way to gain access OLD did not have, EscalationChanged otherwise.
func EscalationItem(c *diff.EscalationChange) Item {
	it := Item{Kind: EscalationChanged, Principal: c.Principal, Key: c.Key, Action: c.Action, Escalation: c}
	if c.Wider() {
		it.Kind = NewEscalation
	}
	who := c.Principal
	if c.External {
		who += " (external)"
	}
	it.Text = fmt.Sprintf("%s %s on %s: %s", c.Change, who, c.Key, c.Text)
	return it
}

// FindingItem is the item of a finding that appeared (kind Finding) or
// was resolved (ResolvedFinding). The finding's resource is the item's
// Key, Principal or Resource by what its ARN names.
func FindingItem(f *graph.Finding, kind string) Item {
	it := Item{Kind: kind, Rule: f.Rule, Severity: f.Severity.String(), Found: f}
	switch arnService(f.Resource) {
	case "kms":
		it.Key = f.Resource
	case "iam", "sts":
		it.Principal = f.Resource
	default:
		it.Resource = f.Resource
	}
	verb := "new"
	if kind == ResolvedFinding {
		verb = "resolved"
	}
	it.Text = fmt.Sprintf("%s %s finding %s: %s (%s)", verb, it.Severity, f.Rule, f.Title, f.Resource)
	return it
}

// arnService is an ARN's service ("" for anything else).
func arnService(s string) string {
	parts := strings.SplitN(s, ":", 4)
	if len(parts) < 4 || parts[0] != "arn" {
		return ""
	}
	return parts[2]
}
