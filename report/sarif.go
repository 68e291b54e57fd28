package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/baseline"
	"github.com/keyhound/keyhound/graph"
)

// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html):
// one run, keyhound as the tool, a rule per kind of change (and per
// finding rule), a result per wider access, new escalation path and new
// finding. Accepted items carry an external, accepted suppression with the
// baseline entry's reason, so dashboards show them as dismissed.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	DefaultConfiguration sarifConfig       `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties,omitempty"`
}

type sarifConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID              string             `json:"ruleId"`
	RuleIndex           int                `json:"ruleIndex"`
	Level               string             `json:"level"`
	Message             sarifText          `json:"message"`
	Locations           []sarifLocation    `json:"locations"`
	PartialFingerprints map[string]string  `json:"partialFingerprints"`
	Suppressions        []sarifSuppression `json:"suppressions,omitempty"`
	Properties          map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical  `json:"physicalLocation"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           sarifRegion   `json:"region"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// SARIFOptions says what a SARIF log is about.
type SARIFOptions struct {
	ToolVersion string
	// Artifact is the file results are located at when Locator cannot
	// tell (the new snapshot, or the base snapshot of a what-if).
	Artifact string
	Locator  Locator // nil: every result at Artifact
	// Baseline names the baseline file, for suppressions' justifications.
	Baseline string
}

// changeRules are the rules of results that are not findings: the item
// kinds SARIF reports, with their level and GitHub's security-severity.
var changeRules = map[string]struct{ id, name, desc, level, score string }{
	baseline.NewAccess:     {"new-access", "NewAccess", "Wider effective access for a principal of the organization (new, or now ALLOW)", "warning", "5.0"},
	baseline.NewExternal:   {"new-external-access", "NewExternalAccess", "Wider effective access for a principal outside the organization, or the public", "error", "8.5"},
	baseline.NewEscalation: {"new-escalation", "NewEscalation", "A new escalation path: a principal can make itself able to use a key", "error", "8.0"},
}

// WriteSARIF writes the outcome's wider accesses, new escalation paths and
// new findings as a SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, o *baseline.Outcome, opts SARIFOptions) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "keyhound", Version: opts.ToolVersion, InformationURI: "https://github.com/keyhound/keyhound", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	index := map[string]int{}
	rule := func(id string, r sarifRule) int {
		i, ok := index[id]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[id] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, r)
		}
		return i
	}
	for i := range o.Decisions {
		d := &o.Decisions[i]
		res, ok := sarifResultOf(d, rule)
		if !ok {
			continue
		}
		res.Message.Text = message(d, opts.Baseline)
		var src Source
		found := false
		if opts.Locator != nil {
			src, found = opts.Locator.Locate(d.Item)
		}
		if !found || src.File == "" {
			src = Source{File: opts.Artifact, Line: 1}
		}
		loc := sarifLocation{PhysicalLocation: sarifPhysical{ArtifactLocation: sarifArtifact{URI: src.File}, Region: sarifRegion{StartLine: max(src.Line, 1)}}}
		if src.Address != "" { // the plan's resource that makes the change
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{FullyQualifiedName: src.Address, Kind: "resource"})
			res.Message.Text += " (" + src.Address + " in " + src.File + ")"
		}
		if t := d.Target(); t != "" {
			loc.LogicalLocations = append(loc.LogicalLocations, sarifLogical{FullyQualifiedName: t, Kind: "resource"})
		}
		res.Locations = []sarifLocation{loc}
		sum := sha256.Sum256([]byte(strings.Join([]string{d.Kind, d.Principal, d.Key, d.Resource, d.Action, d.Rule}, "\x00")))
		res.PartialFingerprints = map[string]string{"keyhound/v1": hex.EncodeToString(sum[:16])}
		props := map[string]any{"status": d.Status, "gated": d.Gated}
		for k, v := range map[string]string{"principal": d.Principal, "key": d.Key, "resource": d.Resource, "action": d.Action} {
			if v != "" {
				props[k] = v
			}
		}
		if d.Access != nil && len(d.Access.Causes) > 0 {
			props["causes"] = d.Access.Causes
		}
		if d.Found != nil {
			props["evidence"] = d.Found.Evidence
		}
		if d.Escalation != nil {
			props["steps"] = d.Escalation.Steps
		}
		res.Properties = props
		if d.Status == baseline.Accepted {
			res.Suppressions = []sarifSuppression{{Kind: "external", Status: "accepted", Justification: acceptance(d, opts.Baseline)}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}}); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	return nil
}

// sarifResultOf starts the result of a decision, registering its rule; ok
// is false for items SARIF does not report (removed or narrower access,
// key changes, resolved findings).
func sarifResultOf(d *baseline.Decision, rule func(string, sarifRule) int) (sarifResult, bool) {
	if cr, ok := changeRules[d.Kind]; ok {
		i := rule(cr.id, sarifRule{ID: cr.id, Name: cr.name, ShortDescription: sarifText{cr.desc}, DefaultConfiguration: sarifConfig{cr.level}, Properties: map[string]string{"security-severity": cr.score}})
		return sarifResult{RuleID: cr.id, RuleIndex: i, Level: cr.level}, true
	}
	if d.Kind != baseline.Finding || d.Found == nil {
		return sarifResult{}, false
	}
	f := d.Found
	level, score := severityLevel(f.Severity)
	i := rule(f.Rule, sarifRule{ID: f.Rule, Name: ruleName(f.Rule), ShortDescription: sarifText{f.Title}, DefaultConfiguration: sarifConfig{level}, Properties: map[string]string{"security-severity": score}})
	return sarifResult{RuleID: f.Rule, RuleIndex: i, Level: level}, true
}

// message is a result's text: the item, what caused it, and whether a
// baseline entry accepted it.
func message(d *baseline.Decision, file string) string {
	var b strings.Builder
	b.WriteString(d.Text)
	if d.Access != nil {
		for _, c := range d.Access.Causes {
			fmt.Fprintf(&b, "; %s: %s", c.Where, c.Change)
		}
	}
	if d.Found != nil && d.Found.Remedy != "" {
		b.WriteString(". Remedy: " + d.Found.Remedy)
	}
	if a := acceptance(d, file); a != "" {
		b.WriteString(" — " + a)
	}
	return b.String()
}

// severityLevel maps a finding's severity to SARIF's level and GitHub's
// security-severity score, as keyhound export's SARIF does.
func severityLevel(s graph.Severity) (level, score string) {
	switch s {
	case graph.Critical:
		return "error", "9.5"
	case graph.High:
		return "error", "8.0"
	case graph.Medium:
		return "warning", "5.5"
	case graph.Low:
		return "note", "3.0"
	}
	return "note", "1.0"
}

// ruleName is a rule ID in PascalCase, as SARIF rule names are.
func ruleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
