package export

import (
	"bufio"
	"context"
	"encoding/json"
	"io"

	"github.com/keyhound/keyhound/graph"
)

// Writer is a Visitor that writes a format; Close ends the document.
type Writer interface {
	Visitor
	Close() error
}

// Write walks g into w (Walk) and ends the document.
func Write(ctx context.Context, g *graph.Graph, o Options, w Writer) error {
	if err := Walk(ctx, g, o, w); err != nil {
		return err
	}
	return w.Close()
}

// EdgeEncoder is a Writer whose edges Walk may encode on its workers, in
// parallel: EncodeEdges appends edges' encoding to dst and must be safe for
// concurrent use; WriteEncoded writes, in order, what it returned for n
// edges, exactly as n calls of Edge would have.
type EdgeEncoder interface {
	EncodeEdges(dst []byte, edges []Edge) ([]byte, error)
	WriteEncoded(b []byte, n int) error
}

// jsonWriter streams {"format", "nodes": [...], "edges": [...]}.
type jsonWriter struct {
	w            *bufio.Writer
	enc          *json.Encoder
	nodes, edges int
	inEdges      bool
	scratch      []byte
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
	j.scratch = appendEdge(j.scratch[:0], &e)
	_, err := j.w.Write(j.scratch)
	return err
}

// EncodeEdges encodes each edge as Edge does, each after ",\n" (the first
// edge of the document drops its comma in WriteEncoded).
func (j *jsonWriter) EncodeEdges(dst []byte, edges []Edge) ([]byte, error) {
	for i := range edges {
		dst = append(dst, ",\n"...)
		dst = appendEdge(dst, &edges[i])
	}
	return dst, nil
}

func (j *jsonWriter) WriteEncoded(b []byte, n int) error {
	if n == 0 {
		return nil
	}
	if !j.inEdges {
		_, _ = j.w.WriteString("],\"edges\":[")
		j.inEdges = true
	}
	if j.edges == 0 {
		b = b[1:] // the first edge: no comma
	}
	j.edges += n
	_, err := j.w.Write(b)
	return err
}

func (j *jsonWriter) Close() error {
	if !j.inEdges {
		_, _ = j.w.WriteString("],\"edges\":[")
	}
	_, _ = j.w.WriteString("]}\n")
	return j.w.Flush()
}
