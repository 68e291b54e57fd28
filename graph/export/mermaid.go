package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/eval"
)

// mermaidWriter writes a Mermaid flowchart, for one key's or one principal's
// neighbourhood: pasted into tickets and docs. Organization structure edges
// are left out; node IDs are n0, n1, … with the real ID in the label.
type mermaidWriter struct {
	w     *bufio.Writer
	ids   map[string]string
	nodes map[string]Node
	order []string // node IDs as edges name them
	edges []string
}

// NewMermaid returns a writer of a Mermaid flowchart (graph LR). Use it with
// a filter on one key or one principal: a whole organization is not readable.
func NewMermaid(w io.Writer) Writer {
	bw := bufio.NewWriter(w)
	_, _ = bw.WriteString("graph LR\n")
	return &mermaidWriter{w: bw, ids: map[string]string{}, nodes: map[string]Node{}}
}

func (m *mermaidWriter) id(s string) string {
	if id, ok := m.ids[s]; ok {
		return id
	}
	id := "n" + strconv.Itoa(len(m.ids))
	m.ids[s] = id
	m.order = append(m.order, s)
	return id
}

// mermaidText makes a label safe inside ["…"].
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", " ").Replace(s)
}

// Node keeps the node: only those an edge names are drawn.
func (m *mermaidWriter) Node(n Node) error {
	m.nodes[n.ID] = n
	return nil
}

func (m *mermaidWriter) nodeLine(id string) string {
	n, ok := m.nodes[id]
	if !ok {
		n = Node{ID: id, Kind: KindExternal, Label: id}
	}
	label := mermaidText(n.Label)
	if n.Account != "" && n.Kind != KindAccount {
		label += "<br/><small>" + mermaidText(n.Account) + "</small>"
	}
	open, closing := "[\"", "\"]"
	switch n.Kind {
	case KindKey:
		open, closing = "[(\"", "\")]"
	case KindRole:
		open, closing = "[[\"", "\"]]"
	case KindExternal, KindPublic:
		open, closing = "{{\"", "\"}}"
	case KindResource:
		open, closing = "[/\"", "\"/]"
	}
	return "  " + m.ids[id] + open + n.Kind + ": " + label + closing + "\n"
}

func (m *mermaidWriter) Edge(e Edge) error {
	if e.Kind == EdgeContains {
		return nil
	}
	arrow := " --> "
	label := e.Kind
	if e.Action != "" {
		label = edgeLabel(e)
		switch e.Decision {
		case eval.Allow:
			label = "✓ " + label
		case eval.Conditional:
			arrow = " -.-> "
		}
	}
	m.edges = append(m.edges, "  "+m.id(e.From)+arrow+"|"+mermaidText(label)+"| "+m.id(e.To)+"\n")
	return nil
}

func (m *mermaidWriter) Close() error {
	for _, id := range m.order {
		_, _ = m.w.WriteString(m.nodeLine(id))
	}
	for _, e := range m.edges {
		_, _ = m.w.WriteString(e)
	}
	return m.w.Flush()
}
