package export

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gonum.org/v1/gonum/graph/formats/dot"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/sarif"
)

func graphs(t *testing.T) map[string]*graph.Graph {
	t.Helper()
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	return map[string]*graph.Graph{
		"demo":      graph.Build(s, errs),
		"generated": graph.Build(gen.Organization(gen.Options{Accounts: 8, Regions: 2, RolesPerAccount: 10, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: 5}), nil),
	}
}

func export(t *testing.T, g *graph.Graph, o Options, newW func(io.Writer) Writer) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := newW(&buf)
	if err := Walk(context.Background(), g, o, w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func compile(t *testing.T, path string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func validate(t *testing.T, s *jsonschema.Schema, data []byte) {
	t.Helper()
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if err := s.Validate(v); err != nil {
		t.Fatalf("schema: %v", err)
	}
}

// The JSON export validates against docs/graph.schema.json, every edge's
// ends are nodes, and the demo's known access is there.
func TestJSONExport(t *testing.T) {
	schema := compile(t, filepath.Join("..", "..", "docs", "graph.schema.json"))
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			data := export(t, g, Options{}, NewJSON)
			validate(t, schema, data)
			var doc struct {
				Nodes []Node `json:"nodes"`
				Edges []Edge `json:"edges"`
			}
			if err := json.Unmarshal(data, &doc); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			for _, n := range doc.Nodes {
				if ids[n.ID] {
					t.Errorf("node %s twice", n.ID)
				}
				ids[n.ID] = true
			}
			kinds := map[string]int{}
			for _, e := range doc.Edges {
				kinds[e.Kind]++
				if !ids[e.From] || !ids[e.To] {
					t.Errorf("edge %s %s → %s: an end is not a node", e.Kind, e.From, e.To)
				}
			}
			for _, k := range []string{EdgeContains, EdgeCanUseKey, EdgeEncryptedBy, EdgeCanRead, EdgeCanAssume} {
				if kinds[k] == 0 {
					t.Errorf("no %s edges: %v", k, kinds)
				}
			}
			if name == "demo" {
				want := Edge{From: demo.Dilip, To: "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001", Kind: EdgeCanUseKey}
				found := false
				for _, e := range doc.Edges {
					if e.From == want.From && e.To == want.To && e.Kind == want.Kind && e.Decision.String() == "ALLOW" && len(e.Because) > 0 {
						found = true
					}
				}
				if !found {
					t.Error("Dilip's decrypt edge on the reports key, with its statements, is missing")
				}
			}
			// Deterministic: the same graph gives the same bytes.
			if again := export(t, g, Options{Workers: 3}, NewJSON); !bytes.Equal(again, data) {
				t.Error("two exports differ")
			}
		})
	}
}

// GraphML: well-formed XML in the GraphML namespace, every data key
// declared, every edge between declared nodes.
func TestGraphMLExport(t *testing.T) {
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			data := export(t, g, Options{}, NewGraphML)
			var doc struct {
				XMLName xml.Name `xml:"http://graphml.graphdrawing.org/xmlns graphml"`
				Keys    []struct {
					ID   string `xml:"id,attr"`
					For  string `xml:"for,attr"`
					Name string `xml:"attr.name,attr"`
					Type string `xml:"attr.type,attr"`
				} `xml:"key"`
				Graph struct {
					EdgeDefault string `xml:"edgedefault,attr"`
					Nodes       []struct {
						ID   string `xml:"id,attr"`
						Data []struct {
							Key string `xml:"key,attr"`
						} `xml:"data"`
					} `xml:"node"`
					Edges []struct {
						Source string `xml:"source,attr"`
						Target string `xml:"target,attr"`
						Data   []struct {
							Key string `xml:"key,attr"`
						} `xml:"data"`
					} `xml:"edge"`
				} `xml:"graph"`
			}
			dec := xml.NewDecoder(bytes.NewReader(data))
			dec.Strict = true
			if err := dec.Decode(&doc); err != nil {
				t.Fatalf("not GraphML: %v", err)
			}
			keys := map[string]string{}
			for _, k := range doc.Keys {
				if (k.Type != "string" && k.Type != "int") || k.Name == "" { // GraphML attr.type: boolean, int, long, float, double, string
					t.Errorf("key %+v", k)
				}
				keys[k.ID] = k.For
			}
			nodes := map[string]bool{}
			for _, n := range doc.Graph.Nodes {
				nodes[n.ID] = true
				for _, d := range n.Data {
					if keys[d.Key] != "node" {
						t.Errorf("node %s: data key %s is not a declared node key", n.ID, d.Key)
					}
				}
			}
			for _, e := range doc.Graph.Edges {
				if !nodes[e.Source] || !nodes[e.Target] {
					t.Errorf("edge %s → %s: an end is not a node", e.Source, e.Target)
				}
				for _, d := range e.Data {
					if keys[d.Key] != "edge" {
						t.Errorf("edge data key %s is not a declared edge key", d.Key)
					}
				}
			}
			if doc.Graph.EdgeDefault != "directed" || len(doc.Graph.Edges) == 0 {
				t.Errorf("graph: %s, %d edges", doc.Graph.EdgeDefault, len(doc.Graph.Edges))
			}
		})
	}
}

// DOT: parsed by gonum's DOT parser (and rendered by Graphviz when the
// machine has it), one key's blast radius included.
func TestDOTExport(t *testing.T) {
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			for _, o := range []Options{{}, {Keys: []string{g.Keys()[0].ARN}}} {
				data := export(t, g, o, NewDOT)
				f, err := dot.ParseBytes(data)
				if err != nil {
					t.Fatalf("gonum's DOT parser: %v\n%s", err, head(data))
				}
				if len(f.Graphs) != 1 || !f.Graphs[0].Directed || len(f.Graphs[0].Stmts) == 0 {
					t.Fatalf("parsed: %d graphs", len(f.Graphs))
				}
				if path, err := exec.LookPath("dot"); err == nil {
					cmd := exec.Command(path, "-Tsvg")
					cmd.Stdin = bytes.NewReader(data)
					out, err := cmd.CombinedOutput()
					if err != nil || !bytes.Contains(out, []byte("<svg")) {
						t.Fatalf("dot -Tsvg: %v\n%s", err, head(out))
					}
				}
			}
		})
	}
	if _, err := exec.LookPath("dot"); err != nil {
		t.Log("Graphviz (dot) is not installed: checked with gonum's DOT parser only")
	}
}

func head(b []byte) string {
	if len(b) > 600 {
		b = b[:600]
	}
	return string(b)
}

// cypherLiteral matches the literals the Cypher export writes: maps of
// identifier keys to strings, in lists.
var (
	cypherParam = regexp.MustCompile(`^:param rows => \[\n((?:  \{.*\},?\n)+)\];$`)
	cypherRow   = regexp.MustCompile(`^  \{([a-z_]+: "(?:[^"\\]|\\[\\"nrtu])*"(?:, [a-z_]+: "(?:[^"\\]|\\[\\"nrtu])*")*)\},?$`)
	cypherStmt  = regexp.MustCompile(`^(CREATE CONSTRAINT keyhound_node_id IF NOT EXISTS FOR \(n:Node\) REQUIRE n\.id IS UNIQUE|UNWIND \$rows AS row MERGE \(n:Node \{id: row\.id\}\) SET n:[A-Z][A-Za-z]*, .*|UNWIND \$rows AS row MERGE \(a:Node \{id: row\.from\}\) MERGE \(b:Node \{id: row\.to\}\) MERGE \(a\)-\[r:[A-Z_]+ \{key: row\.key\}\]->\(b\) SET .*);$`)
)

// Cypher: a Neo4j-free check of the script's syntax: comments, one
// constraint, then :param batches each followed by its UNWIND … MERGE
// statement; every literal well-formed; loading it twice merges, never
// creates twice (MERGE only).
func TestCypherExport(t *testing.T) {
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			data := string(export(t, g, Options{}, NewCypher))
			if strings.Contains(data, "CREATE (") {
				t.Error("CREATE of nodes or relationships: loading twice would duplicate them")
			}
			lines := strings.Split(strings.TrimSuffix(data, "\n"), "\n")
			rows, stmts := 0, 0
			for i := 0; i < len(lines); i++ {
				l := lines[i]
				switch {
				case strings.HasPrefix(l, "//"):
				case strings.HasPrefix(l, ":param rows => ["):
					j := i + 1
					for j < len(lines) && lines[j] != "];" {
						if !cypherRow.MatchString(lines[j]) {
							t.Fatalf("line %d: bad row literal: %s", j+1, lines[j])
						}
						rows++
						j++
					}
					block := strings.Join(lines[i:j+1], "\n")
					if !cypherParam.MatchString(block) {
						t.Fatalf("line %d: bad :param block", i+1)
					}
					if j+1 >= len(lines) || !strings.HasPrefix(lines[j+1], "UNWIND $rows") {
						t.Fatalf("line %d: a :param block not followed by its statement", j+2)
					}
					i = j
				case cypherStmt.MatchString(l):
					stmts++
				default:
					t.Fatalf("line %d: not a statement of the script: %s", i+1, l)
				}
			}
			if rows == 0 || stmts < 3 {
				t.Fatalf("%d rows, %d statements", rows, stmts)
			}
		})
	}
}

// neo4j-admin import CSV: the headers it needs, and every relationship
// between nodes of the node file.
func TestNeo4jCSVExport(t *testing.T) {
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			var nodes, rels bytes.Buffer
			w := NewNeo4jCSV(&nodes, &rels)
			if err := Walk(context.Background(), g, Options{}, w); err != nil {
				t.Fatal(err)
			}
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			nr, err := csv.NewReader(&nodes).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			rr, err := csv.NewReader(&rels).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if nr[0][0] != "id:ID" || nr[0][len(nr[0])-1] != ":LABEL" || rr[0][0] != ":START_ID" || rr[0][1] != ":END_ID" || rr[0][2] != ":TYPE" {
				t.Fatalf("headers %v %v", nr[0], rr[0])
			}
			ids := map[string]bool{}
			for _, r := range nr[1:] {
				if ids[r[0]] {
					t.Errorf("node %s twice: the import would refuse it", r[0])
				}
				ids[r[0]] = true
			}
			for _, r := range rr[1:] {
				if !ids[r[0]] || !ids[r[1]] {
					t.Errorf("relationship %v: an end is not in nodes.csv", r[:3])
				}
			}
			if len(rr) < 20 {
				t.Errorf("%d relationships", len(rr)-1)
			}
		})
	}
}

// SARIF: valid against the SARIF 2.1.0 schema's parts it uses, one result
// per finding, rules referenced by index.
func TestSARIFExport(t *testing.T) {
	schema := compile(t, filepath.Join("testdata", "sarif-2.1.0-subset.schema.json"))
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			fs := g.Findings()
			var buf bytes.Buffer
			if err := WriteSARIF(&buf, fs, "test", "snapshot.json"); err != nil {
				t.Fatal(err)
			}
			validate(t, schema, buf.Bytes())
			var log sarif.Log
			if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			if len(run.Results) != len(fs) || len(fs) == 0 {
				t.Fatalf("%d results for %d findings", len(run.Results), len(fs))
			}
			for _, r := range run.Results {
				if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
					t.Errorf("result %s points at rule %s", r.RuleID, run.Tool.Driver.Rules[r.RuleIndex].ID)
				}
			}
		})
	}
}

func TestCSVExports(t *testing.T) {
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteFindingsCSV(&buf, g.Findings()); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(&buf).ReadAll()
			if err != nil || len(rows) != len(g.Findings())+1 {
				t.Fatalf("findings CSV: %d rows, %v", len(rows), err)
			}
			key := g.Keys()[0].ARN
			if name == "demo" {
				key = demo.ReportsKey
			}
			who := export(t, g, Options{Keys: []string{key}}, NewWhoCSV)
			rows, err = csv.NewReader(bytes.NewReader(who)).ReadAll()
			if err != nil || len(rows) < 2 {
				t.Fatalf("who CSV: %d rows, %v", len(rows), err)
			}
			found := false
			for _, r := range rows[1:] {
				if len(r) != 8 {
					t.Fatalf("row %v", r)
				}
				found = found || (name != "demo" || (r[0] == demo.Dilip && r[2] == "kms:Decrypt" && r[4] == "ALLOW"))
			}
			if !found {
				t.Error("Dilip's decrypt row is missing")
			}
		})
	}
}

// Mermaid: a flowchart whose edges join declared nodes; one key's
// neighbourhood only.
func TestMermaidExport(t *testing.T) {
	for name, g := range graphs(t) {
		opts := []Options{{Keys: []string{demo.ReportsKey}}, {Principals: []string{demo.Dilip}}}
		if name != "demo" {
			opts = []Options{{Keys: []string{g.Keys()[3].ARN}}, {Principals: []string{"arn:aws:iam::100000000002:role/role-0"}}}
		}
		for _, o := range opts {
			data := string(export(t, g, o, NewMermaid))
			lines := strings.Split(strings.TrimSpace(data), "\n")
			if lines[0] != "graph LR" {
				t.Fatalf("%s: first line %q", name, lines[0])
			}
			node := regexp.MustCompile(`^  (n\d+)(\[\["|\[\("|\{\{"|\[/"|\[")[^"]*("\]\]|"\)\]|"\}\}|"/\]|"\])$`)
			edge := regexp.MustCompile(`^  (n\d+) (-->|-\.->) \|[^|"]+\| (n\d+)$`)
			declared := map[string]bool{}
			edges := 0
			for _, l := range lines[1:] {
				if m := node.FindStringSubmatch(l); m != nil {
					declared[m[1]] = true
					continue
				}
				m := edge.FindStringSubmatch(l)
				if m == nil {
					t.Fatalf("%s: not a Mermaid node or edge: %q", name, l)
				}
				if !declared[m[1]] || !declared[m[3]] {
					t.Fatalf("%s: edge to an undeclared node: %q", name, l)
				}
				edges++
			}
			if edges == 0 {
				t.Fatalf("%s %+v: no edges", name, o)
			}
		}
	}
}

// Filters keep what they say.
type graphDoc struct {
	Nodes []Node `json:"nodes"`
	Edges []Edge `json:"edges"`
}
