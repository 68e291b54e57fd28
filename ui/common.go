package ui

import (
	"strings"
	"time"

	"charm.land/lipgloss/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/ui/styles"
)

// Common is what every screen shares: the graph being browsed, the styles
// and the key map. The root model owns it and rebuilds the styles when the
// terminal's background is known.
type Common struct {
	Graph    *graph.Graph
	Snapshot *snapshot.Snapshot
	Styles   *styles.Styles
	Keys     KeyMap
	// Source names where the graph came from: a file, "demo", or a scan.
	Source string
	// findings, once computed in the background; nil until then.
	findings *findingsMsg
	// summary is what the status line says when idle, for summaryOf.
	// summaryPartial says it was made while the graph's principals were
	// still built: it is made again once they are (graph.Graph.Ready).
	summary        string
	summaryOf      *graph.Graph
	summaryPartial bool
	// spinFrame is the spinner's current frame, for a pane that is
	// computing what it shows (the root turns it: see busier).
	spinFrame string
	// escalation says the Findings include the escalation findings
	// (WithEscalation).
	escalation bool
	// esc is the escalation search of Graph, shared by the key screens
	// (escalationOf).
	esc *escalationCache
	// jumpIx is the index of names `:` completes, for jumpIxOf (jump.go).
	jumpIx   *jumpIndex
	jumpIxOf *graph.Graph
	// ExportDir is where e writes its files; "" is the working directory.
	ExportDir string
	// usage is the CloudTrail usage (WithUsage), nil when not loaded; now
	// is the clock relative times are measured from (nil: time.Now).
	usage *usageIndex
	now   func() time.Time
}

// kindStyle is the style of a decision or severity cell; the cell's text
// always says the same in words.
func (c *Common) kindStyle(kind string) lipgloss.Style {
	s := c.Styles
	switch kind {
	case "ALLOW":
		return s.Allowed
	case "DENY":
		return s.Denied
	case "CONDITIONAL":
		return s.Conditional
	case "critical":
		return s.Critical
	case "high":
		return s.High
	case "medium":
		return s.Medium
	case "low", "info":
		return s.Low
	case "external":
		return s.External
	case kindEscalation:
		return s.Escalation
	}
	return s.App
}

// accountLabel is an account's name and ID, or its ID alone.
func (c *Common) accountLabel(id string) string {
	if id == "" {
		return ""
	}
	if c.Graph.Org != nil {
		if n := c.Graph.Org.Name(id); n != "" && n != id {
			return n + " (" + id + ")"
		}
	}
	return id
}

// accountName is an account's name, or its ID.
func (c *Common) accountName(id string) string {
	if c.Graph.Org != nil {
		if n := c.Graph.Org.Name(id); n != "" {
			return n
		}
	}
	return id
}

// shortPrincipal is a principal as lists show it, its account in a column
// of its own: "role/Admin", "user/ann", "root", "* (anyone)".
func shortPrincipal(arn string) string {
	switch {
	case arn == "*":
		return "* (anyone)"
	case strings.HasPrefix(arn, "arn:"):
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) == 6 && (parts[2] == "iam" || parts[2] == "sts") {
			return parts[5]
		}
	}
	return arn
}

// principalAccount is the account ID in a principal ARN, or "".
func principalAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 {
		return parts[4]
	}
	return ""
}

// label is how lists name a key (its alias), a principal (role/Name) or a
// resource (its last ARN segment).
func (c *Common) label(ref string) string {
	if k := c.Graph.Key(ref); k != nil {
		if len(k.Aliases) > 0 {
			return k.Aliases[0]
		}
		return "key/" + k.ID
	}
	if strings.Contains(ref, ":iam::") || strings.Contains(ref, ":sts::") || ref == "*" {
		return shortPrincipal(ref)
	}
	return lastPart(ref)
}
