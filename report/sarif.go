package report

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/keyhound/keyhound/baseline"
	"github.com/keyhound/keyhound/internal/sarif"
)

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
	run := sarif.Run{Tool: sarif.Tool{Driver: sarif.Driver{Name: "keyhound", Version: opts.ToolVersion, InformationURI: "https://github.com/keyhound/keyhound", Rules: []sarif.Rule{}}}, Results: []sarif.Result{}}
	index := map[string]int{}
	rule := func(id string, r sarif.Rule) int {
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
		loc := sarif.Location{PhysicalLocation: &sarif.Physical{ArtifactLocation: sarif.Artifact{URI: src.File}, Region: sarif.Region{StartLine: max(src.Line, 1)}}}
		if src.Address != "" { // the plan's resource that makes the change
			loc.LogicalLocations = append(loc.LogicalLocations, sarif.Logical{FullyQualifiedName: src.Address, Kind: "resource"})
			res.Message.Text += " (" + src.Address + " in " + src.File + ")"
		}
		if t := d.Target(); t != "" {
			loc.LogicalLocations = append(loc.LogicalLocations, sarif.Logical{FullyQualifiedName: t, Kind: "resource"})
		}
		res.Locations = []sarif.Location{loc}
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
			res.Suppressions = []sarif.Suppression{{Kind: "external", Status: "accepted", Justification: acceptance(d, opts.Baseline)}}
		}
		run.Results = append(run.Results, res)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}}); err != nil {
		return fmt.Errorf("write SARIF: %w", err)
	}
	return nil
}

// sarifResultOf starts the result of a decision, registering its rule; ok
// is false for items SARIF does not report (removed or narrower access,
// key changes, resolved findings).
func sarifResultOf(d *baseline.Decision, rule func(string, sarif.Rule) int) (sarif.Result, bool) {
	if cr, ok := changeRules[d.Kind]; ok {
		i := rule(cr.id, sarif.Rule{ID: cr.id, Name: cr.name, ShortDescription: sarif.Text{Text: cr.desc}, DefaultConfiguration: sarif.Config{Level: cr.level}, Properties: map[string]string{"security-severity": cr.score}})
		return sarif.Result{RuleID: cr.id, RuleIndex: i, Level: cr.level}, true
	}
	if d.Kind != baseline.Finding || d.Found == nil {
		return sarif.Result{}, false
	}
	f := d.Found
	level, score := sarif.Level(f.Severity)
	i := rule(f.Rule, sarif.Rule{ID: f.Rule, Name: sarif.RuleName(f.Rule), ShortDescription: sarif.Text{Text: f.Title}, DefaultConfiguration: sarif.Config{Level: level}, Properties: map[string]string{"security-severity": score}})
	return sarif.Result{RuleID: f.Rule, RuleIndex: i, Level: level}, true
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
