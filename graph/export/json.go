package export

import (
	"bufio"
	"encoding/json"
	"io"
)

// Writer is a Visitor that writes a format; Close ends the document.
type Writer interface {
	Visitor
	Close() error
}

// jsonWriter streams {"format", "nodes": [...], "edges": [...]}.
type jsonWriter struct {
	w            *bufio.Writer
	enc          *json.Encoder
	nodes, edges int
	inEdges      bool
}

// NewJSON returns a writer of the keyhound.graph/v1 JSON format
// (docs/graph.schema.json). Nodes and edges are one JSON object per line.
func NewJSON(w io.Writer) Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	_, _ = bw.WriteString(`{"format":"` + Version + `","nodes":[`)
	return &jsonWriter{w: bw, enc: enc}
}

func (j *jsonWriter) sep(n int) {
	if n > 0 {
		_ = j.w.WriteByte(',')
	}
	_ = j.w.WriteByte('\n')
}

func (j *jsonWriter) Node(n Node) error {
	j.sep(j.nodes)
	j.nodes++
	return j.enc.Encode(n)
}

func (j *jsonWriter) Edge(e Edge) error {
	if !j.inEdges {
		_, _ = j.w.WriteString("],\"edges\":[")
		j.inEdges = true
	}
	j.sep(j.edges)
	j.edges++
	return j.enc.Encode(e)
}

func (j *jsonWriter) Close() error {
	if !j.inEdges {
		_, _ = j.w.WriteString("],\"edges\":[")
	}
	_, _ = j.w.WriteString("]}\n")
	return j.w.Flush()
}
