package export

import (
	"encoding/csv"
	"io"
	"strings"
)

// neo4jCSV writes nodes and relationships as two CSV files in the layout of
// neo4j-admin database import (--nodes, --relationships): :ID, :LABEL,
// :START_ID, :END_ID, :TYPE headers. Relationships to nodes the export does
// not have (filtered out) are left out, as the import would refuse them.
type neo4jCSV struct {
	nodes, rels *csv.Writer
	ids         map[string]bool
}

// NewNeo4jCSV returns a writer of neo4j-admin import CSV files.
func NewNeo4jCSV(nodes, rels io.Writer) Writer {
	w := &neo4jCSV{nodes: csv.NewWriter(nodes), rels: csv.NewWriter(rels), ids: map[string]bool{}}
	_ = w.nodes.Write([]string{"id:ID", "kind", "label", "account", "attrs", ":LABEL"})
	_ = w.rels.Write([]string{":START_ID", ":END_ID", ":TYPE", "action", "decision", "conditions", "via", "because", "attrs"})
	return w
}

func (w *neo4jCSV) Node(n Node) error {
	w.ids[n.ID] = true
	return w.nodes.Write([]string{n.ID, n.Kind, n.Label, n.Account, attrsText(n.Attrs), "Node;" + cypherLabel(n.Kind)})
}

func (w *neo4jCSV) Edge(e Edge) error {
	if !w.ids[e.From] || !w.ids[e.To] {
		return nil
	}
	decision := ""
	if e.Action != "" {
		decision = e.Decision.String()
	}
	return w.rels.Write([]string{e.From, e.To, cypherType(e.Kind), e.Action, decision, conditionsText(e), strings.Join(e.Via, " -> "), strings.Join(e.Because, "; "), attrsText(e.Attrs)})
}

func (w *neo4jCSV) Close() error {
	w.nodes.Flush()
	w.rels.Flush()
	if err := w.nodes.Error(); err != nil {
		return err
	}
	return w.rels.Error()
}
