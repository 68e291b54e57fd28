package export

import (
	"bytes"
	"context"
	"io"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/graph/gen"
)

// A filtered export asks who-can, for a target outside an account filter's
// accounts, only about those accounts' principals (graph.WhoCanAmong): its
// output must be, byte for byte and in every format, the export that asks
// who-can everything and drops the rest (Options.wholeWhoCan) — and so
// must it when it holds too many edges and computes them twice.
func TestFilteredExportComputesOnlyWhatItWrites(t *testing.T) {
	gs := graphs(t)
	for _, seed := range []uint64{1, 2} {
		o := gen.Options{Accounts: 5, Regions: 1, RolesPerAccount: 10, KeysPerRegion: 4, ResourcesPerKey: 3, Seed: seed, EscalationShare: 0.1}
		gs["generated-"+itoa(int(seed))] = graph.Build(gen.Organization(o), nil)
		gs["chained-"+itoa(int(seed))] = graph.Build(gen.Chained(o), nil)
	}
	for name, g := range gs {
		withEdges := 0
		for _, o := range filterCases(g) {
			label := name + " " + describe(o)
			ref := o
			ref.wholeWhoCan = true
			// Past the bound on held edges (one), the edges are computed
			// again after the nodes: the same bytes.
			bounded := o
			bounded.heldEdges = 1
			got, want, again := exportAll(t, g, o), exportAll(t, g, ref), exportAll(t, g, bounded)
			for f := range want {
				if !bytes.Equal(got[f], want[f]) {
					t.Errorf("%s, %s: %d bytes differ from the whole who-can's %d", label, f, len(got[f]), len(want[f]))
				}
				if !bytes.Equal(again[f], want[f]) {
					t.Errorf("%s, %s: past the bound on held edges, %d bytes differ from the whole who-can's %d", label, f, len(again[f]), len(want[f]))
				}
			}
			// No edge twice (the selected keys' contains edges were, once).
			seen := map[string]bool{}
			for _, line := range bytes.Split(got["json"], []byte("\n")) {
				if bytes.HasPrefix(line, []byte(`{"from":`)) {
					if seen[string(line)] {
						t.Errorf("%s: edge written twice: %s", label, line)
						break
					}
					seen[string(line)] = true
				}
			}
			if len(o.Accounts) > 0 && bytes.Contains(want["json"], []byte(`"kind":"can-`)) {
				withEdges++
			}
		}
		if withEdges < 3 {
			t.Errorf("%s: %d account filters with access edges: the cases check little", name, withEdges)
		}
	}
}

// exportAll exports g, filtered by o, in each format that takes filters:
// JSON on its own (its edges are encoded on Walk's workers), the others
// from one walk.
func exportAll(t *testing.T, g *graph.Graph, o Options) map[string][]byte {
	t.Helper()
	out := map[string][]byte{"json": exportCopy(t, g, o, NewJSON)}
	bufs := map[string]*bytes.Buffer{}
	var tee multiWriter
	for f, newW := range map[string]func(io.Writer) Writer{"graphml": NewGraphML, "dot": NewDOT, "cypher": NewCypher, "mermaid": NewMermaid, "who-csv": NewWhoCSV} {
		bufs[f] = &bytes.Buffer{}
		tee = append(tee, newW(bufs[f]))
	}
	bufs["neo4j-nodes"], bufs["neo4j-rels"] = &bytes.Buffer{}, &bytes.Buffer{}
	tee = append(tee, NewNeo4jCSV(bufs["neo4j-nodes"], bufs["neo4j-rels"]))
	o.Keys = slices.Clone(o.Keys)
	if err := Walk(context.Background(), g, o, tee); err != nil {
		t.Fatal(err)
	}
	for _, w := range tee {
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for f, b := range bufs {
		out[f] = b.Bytes()
	}
	return out
}

// multiWriter gives each of its writers what it is given.
type multiWriter []Writer

func (m multiWriter) Node(n Node) error {
	for _, w := range m {
		if err := w.Node(n); err != nil {
			return err
		}
	}
	return nil
}

func (m multiWriter) Edge(e Edge) error {
	for _, w := range m {
		if err := w.Edge(e); err != nil {
			return err
		}
	}
	return nil
}

// exportCopy exports with a copy of o's lists (Walk resolves keys in place).
func exportCopy(t *testing.T, g *graph.Graph, o Options, newW func(io.Writer) Writer) []byte {
	t.Helper()
	o.Keys = slices.Clone(o.Keys)
	return export(t, g, o, newW)
}

// filterCases are the filters a test exports a graph with: each account of
// the snapshot, two together, an account outside it that a key names, a
// key of each kind, principals, and their combinations; some with more
// actions, CONDITIONAL only, a chain depth of 1, escalation edges or usage.
func filterCases(g *graph.Graph) []Options {
	var accounts []string
	for id := range g.Snapshot.Accounts {
		accounts = append(accounts, id)
	}
	slices.Sort(accounts)
	var out []Options
	for _, a := range accounts {
		out = append(out, Options{Accounts: []string{a}})
	}
	out = append(out, Options{Accounts: accounts[:min(2, len(accounts))]})
	for _, id := range g.OutsidePrincipals() {
		if p, err := arn.ParsePrincipal(id); err == nil && !g.InSnapshot(p.AccountID) {
			out = append(out, Options{Accounts: []string{p.AccountID}})
			break
		}
	}
	keys := g.Keys()
	var some []string
	for i := 0; i < len(keys); i += max(1, len(keys)/4) {
		some = append(some, keys[i].ARN)
	}
	principals := g.Principals()
	p1, p2 := principals[0].ARN, principals[len(principals)/2].ARN
	a1, a2 := accounts[0], accounts[len(accounts)-1]
	for _, k := range some {
		out = append(out, Options{Keys: []string{k}}, Options{Accounts: []string{a1}, Keys: []string{k}}, Options{Accounts: []string{a2}, Keys: []string{k}})
	}
	out = append(out,
		Options{Principals: []string{p1}},
		Options{Principals: []string{p1, p2}},
		Options{Accounts: []string{a2}, Principals: []string{p1}},
		Options{Keys: some[:1], Principals: []string{p2}},
		Options{Accounts: []string{a1}, Keys: some, Principals: []string{p2}},
		Options{Accounts: []string{a2}, Actions: []string{"kms:Decrypt", "kms:GenerateDataKey"}},
		Options{Accounts: []string{a1}, Decisions: []eval.Verdict{eval.Conditional}},
		Options{Accounts: []string{a1}, ChainDepth: 1},
		Options{Accounts: []string{a2}, Escalation: true},
		Options{Accounts: []string{a1}, Usage: map[UseKey]EdgeUse{{Principal: p1, Key: some[0], Action: "kms:Decrypt"}: {Count: 3}}},
	)
	return out
}

func describe(o Options) string {
	s := ""
	for _, l := range []struct {
		flag string
		v    []string
	}{{"--account", o.Accounts}, {"--key", o.Keys}, {"--principal", o.Principals}, {"--action", o.Actions}} {
		for _, v := range l.v {
			s += l.flag + " " + v + " "
		}
	}
	if o.Escalation {
		s += "--escalation "
	}
	return s
}
