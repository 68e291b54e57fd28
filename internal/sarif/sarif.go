// Package sarif holds the parts of SARIF 2.1.0 (OASIS,
// https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html) that
// keyhound writes, as code-scanning dashboards read them: one run, keyhound
// as the tool, rules, and results located at a file (physical) and an ARN
// (logical). Both of keyhound's SARIF writers use it: export's findings and
// diff's gate report.
package sarif

import (
	"strings"

	"github.com/keyhound/keyhound/graph"
)

// Schema and Version are a log's $schema and version.
const (
	Schema  = "https://json.schemastore.org/sarif-2.1.0.json"
	Version = "2.1.0"
)

// Log is a SARIF log.
type Log struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []Run  `json:"runs"`
}

// Run is one run of a tool.
type Run struct {
	Tool    Tool     `json:"tool"`
	Results []Result `json:"results"`
}

// Tool is the tool of a run.
type Tool struct {
	Driver Driver `json:"driver"`
}

// Driver is the tool's main component, with its rules.
type Driver struct {
	Name           string `json:"name"`
	Version        string `json:"version,omitempty"`
	InformationURI string `json:"informationUri"`
	Rules          []Rule `json:"rules"`
}

// Text is a message.
type Text struct {
	Text string `json:"text"`
}

// Rule is a reporting descriptor.
type Rule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     Text              `json:"shortDescription"`
	DefaultConfiguration Config            `json:"defaultConfiguration"`
	Properties           map[string]string `json:"properties,omitempty"`
}

// Config is a rule's default configuration.
type Config struct {
	Level string `json:"level"`
}

// Result is one result of a rule.
type Result struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             Text              `json:"message"`
	Locations           []Location        `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Suppressions        []Suppression     `json:"suppressions,omitempty"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

// Location is where a result is: a file's line, and ARNs.
type Location struct {
	PhysicalLocation *Physical `json:"physicalLocation,omitempty"`
	LogicalLocations []Logical `json:"logicalLocations,omitempty"`
}

// Physical is a file and a region of it.
type Physical struct {
	ArtifactLocation Artifact `json:"artifactLocation"`
	Region           Region   `json:"region"`
}

// Artifact is a file.
type Artifact struct {
	URI string `json:"uri"`
}

// Region is a line of a file.
type Region struct {
	StartLine int `json:"startLine"`
}

// Logical is a named thing a result is about (an ARN, a plan's address).
type Logical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// Suppression says a result was accepted.
type Suppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification"`
}

// Level maps a finding's severity to SARIF's level, and to the
// security-severity score GitHub code scanning sorts by.
func Level(s graph.Severity) (level, score string) {
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

// RuleName is a rule ID in PascalCase, as SARIF rule names are.
func RuleName(id string) string {
	var b strings.Builder
	for _, part := range strings.Split(id, "-") {
		if part != "" {
			b.WriteString(strings.ToUpper(part[:1]) + part[1:])
		}
	}
	return b.String()
}
