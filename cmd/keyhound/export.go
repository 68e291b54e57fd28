package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/export"
	"github.com/keyhound/keyhound/internal/atomicfile"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/internal/version"
)

// exportFormats lists the formats of keyhound export, with what they hold.
var exportFormats = []struct{ name, what string }{
	{"json", "the access graph: nodes and edges with decisions, conditions and statements (keyhound.graph/v1, docs/graph.schema.json)"},
	{"graphml", "the access graph for yEd, Gephi, NetworkX"},
	{"dot", "the access graph for Graphviz (dot -Tsvg); use --key for one key's blast radius"},
	{"cypher", "a cypher-shell script loading the graph into Neo4j (MERGE, idempotent)"},
	{"neo4j-csv", "nodes.csv and relationships.csv for neo4j-admin database import (-o DIR)"},
	{"mermaid", "a Mermaid flowchart of one key or principal (--key or --principal)"},
	{"sarif", "findings as SARIF 2.1.0, for code-scanning dashboards"},
	{"findings-csv", "findings, one row each"},
	{"who-csv", "who can decrypt what: one row per principal and key (or resource)"},
}

func newExportCmd() *cobra.Command {
	var (
		snapPath, format, out, severity string
		trailPath                       string
		trailOpts                       func() (cloudtrail.Options, error)
		aws                             trailAWS
		o                               export.Options
		decisions                       []string
	)
	var formats []string
	for _, f := range exportFormats {
		formats = append(formats, fmt.Sprintf("  %-13s %s", f.name, f.what))
	}
	cmd := &cobra.Command{
		Use:   "export --snapshot FILE --format FORMAT [-o OUT]",
		Short: "Export the access graph or the findings for other tools",
		Long: "Export the access graph (who can use which key, read which resource, assume which role,\n" +
			"with decisions, conditions and the statements behind them) or the findings. Output streams:\n" +
			"memory does not grow with the number of edges. Formats:\n\n" + strings.Join(formats, "\n"),
		Example: `  keyhound export --snapshot @demo --format dot --key alias/reports | dot -Tsvg > reports.svg
  keyhound export --snapshot org.json.gz --format cypher -o org.cypher && cypher-shell -f org.cypher
  keyhound export --snapshot org.json.gz --format neo4j-csv -o import/
  keyhound export --snapshot @demo --format json --escalation -o graph.json
  keyhound export --snapshot @demo --format json --cloudtrail @demo   # uses and last_used on access edges
  keyhound export --snapshot org.json.gz --format sarif --severity high -o keyhound.sarif`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			// Its heap is answers made and written, not kept: the default
			// target but while it loads (loadgc.go; 400 cost 10% more memory
			// and no time at 5,000 accounts).
			setGCBase(longRun)
			for i, a := range o.Actions {
				ca, err := keyAction("export", a)
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				o.Actions[i] = ca
			}
			g, err := loadGraph(snapPath, cmd.ErrOrStderr())
			if err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			for _, d := range decisions {
				switch strings.ToUpper(d) {
				case "ALLOW":
					o.Decisions = append(o.Decisions, eval.Allow)
				case "CONDITIONAL":
					o.Decisions = append(o.Decisions, eval.Conditional)
				default:
					return &exitError{code: exitBadInput, err: fmt.Errorf("--decision %q: want ALLOW or CONDITIONAL (DENY is never an edge)", d)}
				}
			}
			if trailPath != "" {
				w, err := trailOpts()
				if err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
				aws.stderr = cmd.ErrOrStderr()
				if o.Usage, err = edgeUsage(cmd.Context(), g, trailPath, w, &aws); err != nil {
					return &exitError{code: exitBadInput, err: err}
				}
			}
			floor, ok := graph.ParseSeverity(severity)
			if !ok {
				return &exitError{code: exitBadInput, err: fmt.Errorf("--severity %q: want critical, high, medium, low or info", severity)}
			}
			if err := runExport(cmd, g, format, out, snapPath, o, floor); err != nil {
				return &exitError{code: exitBadInput, err: err}
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&snapPath, "snapshot", "", "snapshot file (JSON, optionally gzip-compressed), or @demo")
	f.StringVar(&format, "format", "json", "json, graphml, dot, cypher, neo4j-csv, mermaid, sarif, findings-csv or who-csv")
	f.StringVarP(&out, "output", "o", "", "file to write (a directory for neo4j-csv); default standard output")
	f.StringSliceVar(&o.Accounts, "account", nil, "only these accounts (IDs; repeat or comma-separate)")
	f.StringSliceVar(&o.Keys, "key", nil, "only these keys (ARN, alias ARN, alias name, key ID) and their neighbourhood")
	f.StringSliceVar(&o.Principals, "principal", nil, "only what these principals (ARNs) can do")
	f.StringSliceVar(&decisions, "decision", nil, "only access edges with these decisions: ALLOW, CONDITIONAL (default both)")
	f.StringSliceVar(&o.Actions, "action", nil, "KMS actions of can-use-key edges (default kms:Decrypt)")
	f.StringVar(&severity, "severity", "info", "findings of this severity and worse (sarif, findings-csv)")
	f.IntVar(&o.ChainDepth, "chain-depth", 0, "role-chain hops to follow (default 5)")
	f.BoolVar(&o.Escalation, "escalation", false, "add can-escalate-to edges: who can make themselves able to use each key, and the API calls (steps)")
	f.IntVar(&o.EscalationDepth, "escalation-depth", 0, "steps an escalation path may take before the action on the key (default 3)")
	trailOpts = trailWindow(f)
	aws.register(f)
	f.StringVar(&trailPath, "cloudtrail", "", "CloudTrail events (as keyhound usage reads them, or @demo): uses and last_used on the access edges (json)")
	f.IntVar(&o.Workers, "workers", runtime.GOMAXPROCS(0), "who-can computations in parallel (default: the CPUs Go may use)")
	return cmd
}

func runExport(cmd *cobra.Command, g *graph.Graph, format, out, snapPath string, o export.Options, floor graph.Severity) error {
	var un unanswered
	o.Unanswered = un.add
	defer un.report(cmd.ErrOrStderr())
	if format == "neo4j-csv" {
		if out == "" {
			return fmt.Errorf("--format neo4j-csv writes two files: give -o DIR")
		}
		return exportNeo4jCSV(cmd.Context(), g, o, out)
	}
	emit := func(dst io.Writer) error { return exportTo(cmd.Context(), dst, g, format, snapPath, o, floor) }
	if out == "" || out == "-" {
		return emit(cmd.OutOrStdout())
	}
	return writeOutput(out, emit)
}

// unanswered collects the keys and resources an export wrote no access
// edges for (export.Options.Unanswered: who-can on them failed, as on a
// resource type keyhound does not answer through), to say so on stderr.
type unanswered struct {
	seen  map[string]bool
	lines []string // "target: why", in the walk's order
}

func (u *unanswered) add(target string, err error) {
	if u.seen == nil {
		u.seen = map[string]bool{}
	}
	if !u.seen[target] {
		u.seen[target] = true
		u.lines = append(u.lines, err.Error())
	}
}

// report writes what add collected, the first few whole.
func (u *unanswered) report(w io.Writer) {
	if len(u.lines) == 0 {
		return
	}
	_, _ = fmt.Fprintf(w, "keyhound: export: no access edges for %s keyhound cannot answer through:\n", plural.Form(len(u.lines), "key or resource", "keys or resources"))
	for i, l := range u.lines {
		if i == 5 {
			_, _ = fmt.Fprintf(w, "  … and %d more\n", len(u.lines)-i)
			break
		}
		_, _ = fmt.Fprintf(w, "  %s\n", l)
	}
}

// exportNeo4jCSV writes nodes.csv and relationships.csv into dir, each
// atomically (mode 0600): an export that fails leaves both files as they
// were.
func exportNeo4jCSV(ctx context.Context, g *graph.Graph, o export.Options, dir string) error {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return err
	}
	nodes, err := atomicfile.Create(filepath.Join(dir, "nodes.csv"))
	if err != nil {
		return err
	}
	defer nodes.Abort()
	rels, err := atomicfile.Create(filepath.Join(dir, "relationships.csv"))
	if err != nil {
		return err
	}
	defer rels.Abort()
	nb, rb := bufio.NewWriter(nodes), bufio.NewWriter(rels)
	if err := export.Write(ctx, g, o, export.NewNeo4jCSV(nb, rb)); err != nil {
		return err
	}
	if err := nb.Flush(); err != nil {
		return err
	}
	if err := rb.Flush(); err != nil {
		return err
	}
	if err := nodes.Commit(); err != nil {
		return err
	}
	return rels.Commit()
}

// exportTo writes one export format to dst.
func exportTo(ctx context.Context, dst io.Writer, g *graph.Graph, format, snapPath string, o export.Options, floor graph.Severity) error {
	findings := func() []graph.Finding {
		var fs []graph.Finding
		for _, f := range g.Findings() {
			if f.Severity <= floor {
				fs = append(fs, f)
			}
		}
		return fs
	}
	switch format {
	case "sarif":
		artifact := snapPath
		if artifact == demoName {
			artifact = "keyhound-demo-snapshot.json"
		}
		return export.WriteSARIF(dst, findings(), version.String(), filepath.ToSlash(artifact))
	case "findings-csv":
		return export.WriteFindingsCSV(dst, findings())
	}
	var w export.Writer
	switch format {
	case "json":
		w = export.NewJSON(dst)
	case "graphml":
		w = export.NewGraphML(dst)
	case "dot":
		w = export.NewDOT(dst)
	case "cypher":
		w = export.NewCypher(dst)
	case "mermaid":
		if len(o.Keys) == 0 && len(o.Principals) == 0 {
			return fmt.Errorf("--format mermaid draws one key or principal: give --key or --principal")
		}
		w = export.NewMermaid(dst)
	case "who-csv":
		w = export.NewWhoCSV(dst)
	default:
		return fmt.Errorf("--format %q: want json, graphml, dot, cypher, neo4j-csv, mermaid, sarif, findings-csv or who-csv", format)
	}
	return export.Write(ctx, g, o, w)
}
