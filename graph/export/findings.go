package export

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph"
)

// SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html)
// as code-scanning dashboards read it: one run, keyhound as the tool, one
// rule per finding rule, one result per finding located at the snapshot
// file (physical) and the key, principal or resource ARN (logical).
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
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
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

// sarifLevel maps a severity to SARIF's level, and to the
// security-severity score GitHub code scanning sorts by.
func sarifLevel(s graph.Severity) (level, score string) {
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

// WriteSARIF writes findings as a SARIF 2.1.0 log; artifact names the
// snapshot file the findings come from (their physical location).
func WriteSARIF(w io.Writer, findings []graph.Finding, toolVersion, artifact string) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "keyhound", Version: toolVersion, InformationURI: "https://github.com/keyhound/keyhound", Rules: []sarifRule{}}}, Results: []sarifResult{}}
	index := map[string]int{}
	for _, f := range findings {
		level, score := sarifLevel(f.Severity)
		i, ok := index[f.Rule]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[f.Rule] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
				ID: f.Rule, Name: ruleName(f.Rule), ShortDescription: sarifText{f.Title},
				DefaultConfiguration: sarifConfig{level}, Properties: map[string]string{"security-severity": score},
			})
		}
		var ev []string
		for _, e := range f.Evidence {
			ev = append(ev, e.Detail)
		}
		msg := f.Title + ": " + f.Resource
		if len(ev) > 0 {
			msg += " — " + strings.Join(ev, "; ")
		}
		sum := sha256.Sum256([]byte(f.Rule + "\x00" + f.Resource + "\x00" + strings.Join(ev, "\x00")))
		run.Results = append(run.Results, sarifResult{
			RuleID: f.Rule, RuleIndex: i, Level: level, Message: sarifText{msg},
			Locations: []sarifLocation{{
				PhysicalLocation: &sarifPhysical{ArtifactLocation: sarifArtifact{URI: artifact}, Region: sarifRegion{StartLine: 1}},
				LogicalLocations: []sarifLogical{{FullyQualifiedName: f.Resource, Kind: "resource"}},
			}},
			PartialFingerprints: map[string]string{"keyhound/v1": hex.EncodeToString(sum[:16])},
			Properties:          map[string]any{"severity": f.Severity.String(), "account": f.Account, "region": f.Region, "evidence": f.Evidence},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
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

// WriteFindingsCSV writes one row per finding: severity, rule, title,
// account, region, resource, evidence.
func WriteFindingsCSV(w io.Writer, findings []graph.Finding) error {
	c := csv.NewWriter(w)
	_ = c.Write([]string{"severity", "rule", "title", "account", "region", "resource", "evidence"})
	for _, f := range findings {
		var ev []string
		for _, e := range f.Evidence {
			ev = append(ev, e.Detail)
		}
		_ = c.Write([]string{f.Severity.String(), f.Rule, f.Title, f.Account, f.Region, f.Resource, strings.Join(ev, "; ")})
	}
	c.Flush()
	return c.Error()
}

// whoCSV writes who-can rows: one per principal and key (or resource).
type whoCSV struct {
	c   *csv.Writer
	out io.Writer // under c, for rows encoded on Walk's workers
}

// NewWhoCSV returns a writer of who-can-decrypt rows for spreadsheets: the
// access edges only (can-use-key, can-read), one row each.
func NewWhoCSV(w io.Writer) Writer {
	c := csv.NewWriter(w)
	_ = c.Write([]string{"principal", "principal_account", "action", "target", "decision", "via", "conditions", "because"})
	return &whoCSV{c: c, out: w}
}

func (w *whoCSV) Node(Node) error { return nil }

func (w *whoCSV) Edge(e Edge) error { return whoRow(w.c, &e) }

func whoRow(c *csv.Writer, e *Edge) error {
	if e.Kind != EdgeCanUseKey && e.Kind != EdgeCanRead {
		return nil
	}
	return c.Write([]string{e.From, accountOf(e.From), e.Action, e.To, e.Decision.String(), strings.Join(e.Via, " -> "), conditionsText(*e), strings.Join(e.Because, "; ")})
}

// EncodeEdges and WriteEncoded let Walk encode rows on its workers.
func (w *whoCSV) EncodeEdges(dst []byte, edges []Edge) ([]byte, error) {
	return encodeCSV(dst, edges, whoRow)
}

func (w *whoCSV) WriteEncoded(b []byte, _ int) error {
	w.c.Flush()
	if err := w.c.Error(); err != nil {
		return err
	}
	_, err := w.out.Write(b)
	return err
}

// encodeCSV appends edges' rows, written by row, to dst.
func encodeCSV(dst []byte, edges []Edge, row func(*csv.Writer, *Edge) error) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	c := csv.NewWriter(buf)
	for i := range edges {
		if err := row(c, &edges[i]); err != nil {
			return nil, err
		}
	}
	c.Flush()
	return buf.Bytes(), c.Error()
}

func (w *whoCSV) Close() error {
	w.c.Flush()
	return w.c.Error()
}
