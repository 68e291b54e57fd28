package export

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph/eval"
)

// graphmlKeys are the attributes a GraphML export declares, for nodes and
// for edges.
var graphmlKeys = []struct{ id, on, name, typ string }{
	{"kind", "node", "kind", "string"},
	{"label", "node", "label", "string"},
	{"account", "node", "account", "string"},
	{"attrs", "node", "attrs", "string"},
	{"ekind", "edge", "kind", "string"},
	{"action", "edge", "action", "string"},
	{"decision", "edge", "decision", "string"},
	{"conditions", "edge", "conditions", "string"},
	{"via", "edge", "via", "string"},
	{"because", "edge", "because", "string"},
	{"eattrs", "edge", "attrs", "string"},
	{"uses", "edge", "uses", "int"},
	{"last_used", "edge", "last_used", "string"},
}

type graphmlWriter struct {
	w *bufio.Writer
}

// NewGraphML returns a writer of GraphML (graphml.graphdrawing.org), for
// yEd, Gephi and NetworkX: node kind and label, edge kind, action and
// decision as data.
func NewGraphML(w io.Writer) Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(xml.Header)
	_, _ = bw.WriteString(`<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">` + "\n")
	for _, k := range graphmlKeys {
		_, _ = bw.WriteString(`  <key id="` + k.id + `" for="` + k.on + `" attr.name="` + k.name + `" attr.type="` + k.typ + `"/>` + "\n")
	}
	_, _ = bw.WriteString(`  <graph id="keyhound" edgedefault="directed">` + "\n")
	return &graphmlWriter{w: bw}
}

// sw is where a writer writes: its bufio.Writer, or a worker's buffer.
type sw interface {
	io.Writer
	io.StringWriter
}

func graphmlData(w sw, key, value string) {
	if value == "" {
		return
	}
	_, _ = w.WriteString(`<data key="` + key + `">`)
	_ = xml.EscapeText(w, []byte(value))
	_, _ = w.WriteString(`</data>`)
}

func (g *graphmlWriter) data(key, value string) { graphmlData(g.w, key, value) }

func (g *graphmlWriter) Node(n Node) error {
	_, _ = g.w.WriteString(`    <node id="` + attrEscape(n.ID) + `">`)
	g.data("kind", n.Kind)
	g.data("label", n.Label)
	g.data("account", n.Account)
	g.data("attrs", attrsText(n.Attrs))
	_, err := g.w.WriteString("</node>\n")
	return err
}

func (g *graphmlWriter) Edge(e Edge) error {
	return graphmlEdge(g.w, &e)
}

func graphmlEdge(w sw, e *Edge) error {
	_, _ = w.WriteString(`    <edge source="` + attrEscape(e.From) + `" target="` + attrEscape(e.To) + `">`)
	graphmlData(w, "ekind", e.Kind)
	graphmlData(w, "action", e.Action)
	if e.Decision != 0 || e.Action != "" {
		graphmlData(w, "decision", e.Decision.String())
	}
	graphmlData(w, "conditions", conditionsText(*e))
	graphmlData(w, "via", strings.Join(e.Via, " → "))
	graphmlData(w, "because", strings.Join(e.Because, "; "))
	graphmlData(w, "eattrs", attrsText(e.Attrs))
	graphmlData(w, "uses", usesText(e))
	graphmlData(w, "last_used", e.LastUsed)
	_, err := w.WriteString("</edge>\n")
	return err
}

// EncodeEdges and WriteEncoded let Walk encode edges on its workers.
func (g *graphmlWriter) EncodeEdges(dst []byte, edges []Edge) ([]byte, error) {
	buf := bytes.NewBuffer(dst)
	for i := range edges {
		if err := graphmlEdge(buf, &edges[i]); err != nil {
			return nil, err
		}
	}
	return buf.Bytes(), nil
}

func (g *graphmlWriter) WriteEncoded(b []byte, _ int) error {
	_, err := g.w.Write(b)
	return err
}

func (g *graphmlWriter) Close() error {
	_, _ = g.w.WriteString("  </graph>\n</graphml>\n")
	return g.w.Flush()
}

func attrEscape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return strings.ReplaceAll(b.String(), `"`, "&#34;")
}

// attrsText renders attributes as "k=v k=v", sorted.
func attrsText(m map[string]string) string {
	parts := make([]string, 0, len(m))
	for _, k := range sortedAttrs(m) {
		parts = append(parts, k+"="+m[k])
	}
	return strings.Join(parts, " ")
}

// conditionsText renders an edge's residual conditions read with their
// statements' effect: "allowed only if KEY OP VALUE or VALUE; denied if …".
func conditionsText(e Edge) string {
	if len(e.Conditions) == 0 {
		return ""
	}
	cls := eval.Clauses(e.Conditions)
	parts := make([]string, len(cls))
	for i, cl := range cls {
		parts[i] = cl.Text()
	}
	return strings.Join(parts, "; ")
}
