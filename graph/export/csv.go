package export

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
)

// neo4jCSV writes nodes and relationships as two CSV files in the layout of
// neo4j-admin database import (--nodes, --relationships): :ID, :LABEL,
// :START_ID, :END_ID, :TYPE headers. Relationships to nodes the export does
// not have (filtered out) are left out, as the import would refuse them.
type neo4jCSV struct {
	nodes, rels *csv.Writer
	relsOut     io.Writer // under rels, for rows encoded on Walk's workers
	// ids are the nodes written: Walk gives every node before the access
	// edges, so that workers only read it.
	ids map[string]bool
}

// NewNeo4jCSV returns a writer of neo4j-admin import CSV files.
func NewNeo4jCSV(nodes, rels io.Writer) Writer {
	w := &neo4jCSV{nodes: csv.NewWriter(nodes), rels: csv.NewWriter(rels), relsOut: rels, ids: map[string]bool{}}
	_ = w.nodes.Write([]string{"id:ID", "kind", "label", "account", "attrs", ":LABEL"})
	_ = w.rels.Write([]string{":START_ID", ":END_ID", ":TYPE", "action", "decision", "conditions", "via", "because", "attrs", "uses:int", "last_used"})
	return w
}

func (w *neo4jCSV) Node(n Node) error {
	w.ids[n.ID] = true
	return w.nodes.Write([]string{n.ID, n.Kind, n.Label, n.Account, attrsText(n.Attrs), "Node;" + cypherLabel(n.Kind)})
}

func (w *neo4jCSV) Edge(e Edge) error { return w.rel(w.rels, &e) }

func (w *neo4jCSV) rel(c *csv.Writer, e *Edge) error {
	if !w.ids[e.From] || !w.ids[e.To] {
		return nil
	}
	decision := ""
	if e.Action != "" {
		decision = e.Decision.String()
	}
	return c.Write([]string{e.From, e.To, cypherType(e.Kind), e.Action, decision, conditionsText(*e), strings.Join(e.Via, " -> "), strings.Join(e.Because, "; "), attrsText(e.Attrs), usesText(e), e.LastUsed})
}

// EncodeEdges and WriteEncoded let Walk encode rows on its workers.
func (w *neo4jCSV) EncodeEdges(dst []byte, edges []Edge) ([]byte, error) {
	return encodeCSV(dst, edges, w.rel)
}

func (w *neo4jCSV) WriteEncoded(b []byte, _ int) error {
	w.rels.Flush()
	if err := w.rels.Error(); err != nil {
		return err
	}
	_, err := w.relsOut.Write(b)
	return err
}

func (w *neo4jCSV) Close() error {
	w.nodes.Flush()
	w.rels.Flush()
	if err := w.nodes.Error(); err != nil {
		return err
	}
	return w.rels.Error()
}

// usesText is an access edge's uses in the events read (export
// --cloudtrail), "" when usage was not read or the edge is not an access.
func usesText(e *Edge) string {
	if e.Uses == nil {
		return ""
	}
	return strconv.Itoa(*e.Uses)
}
