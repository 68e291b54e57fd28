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
	"github.com/keyhound/keyhound/internal/sarif"
)

// WriteSARIF writes findings as a SARIF 2.1.0 log; artifact names the
// snapshot file the findings come from (their physical location).
func WriteSARIF(w io.Writer, findings []graph.Finding, toolVersion, artifact string) error {
	run := sarif.Run{Tool: sarif.Tool{Driver: sarif.Driver{Name: "keyhound", Version: toolVersion, InformationURI: "https://github.com/keyhound/keyhound", Rules: []sarif.Rule{}}}, Results: []sarif.Result{}}
	index := map[string]int{}
	for _, f := range findings {
		level, score := sarif.Level(f.Severity)
		i, ok := index[f.Rule]
		if !ok {
			i = len(run.Tool.Driver.Rules)
			index[f.Rule] = i
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarif.Rule{
				ID: f.Rule, Name: sarif.RuleName(f.Rule), ShortDescription: sarif.Text{Text: f.Title},
				DefaultConfiguration: sarif.Config{Level: level}, Properties: map[string]string{"security-severity": score},
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
		run.Results = append(run.Results, sarif.Result{
			RuleID: f.Rule, RuleIndex: i, Level: level, Message: sarif.Text{Text: msg},
			Locations: []sarif.Location{{
				PhysicalLocation: &sarif.Physical{ArtifactLocation: sarif.Artifact{URI: artifact}, Region: sarif.Region{StartLine: 1}},
				LogicalLocations: []sarif.Logical{{FullyQualifiedName: f.Resource, Kind: "resource"}},
			}},
			PartialFingerprints: map[string]string{"keyhound/v1": hex.EncodeToString(sum[:16])},
			Properties:          map[string]any{"severity": f.Severity.String(), "account": f.Account, "region": f.Region, "evidence": f.Evidence},
		})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(sarif.Log{Schema: sarif.Schema, Version: sarif.Version, Runs: []sarif.Run{run}})
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
