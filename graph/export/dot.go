package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/eval"
)

type dotWriter struct{ w *bufio.Writer }

// NewDOT returns a writer of Graphviz DOT: node kinds as shapes, decisions
// as edge colours and styles, and every value as an attribute too.
func NewDOT(w io.Writer) Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString("digraph keyhound {\n  graph [rankdir=LR, fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n")
	return &dotWriter{w: bw}
}

var dotShapes = map[string]string{
	KindOrganization: "house", KindRoot: "house", KindOU: "folder", KindAccount: "tab",
	KindUser: "ellipse", KindRole: "box", KindExternal: "doubleoctagon", KindPublic: "octagon",
	KindKey: "component", KindResource: "cylinder",
}

// dotQuote quotes a DOT ID: double quotes, with quotes and backslashes escaped.
func dotQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

func (d *dotWriter) Node(n Node) error {
	attrs := []string{"label=" + dotQuote(n.Label), "kind=" + dotQuote(n.Kind), "shape=" + dotShapes[n.Kind]}
	if n.Account != "" {
		attrs = append(attrs, "account="+dotQuote(n.Account))
	}
	if n.Kind == KindPublic || n.Kind == KindExternal {
		attrs = append(attrs, "color=purple")
	}
	_, err := d.w.WriteString("  " + dotQuote(n.ID) + " [" + strings.Join(attrs, ", ") + "];\n")
	return err
}

func (d *dotWriter) Edge(e Edge) error {
	attrs := []string{"kind=" + dotQuote(e.Kind)}
	if e.Action != "" {
		attrs = append(attrs, "action="+dotQuote(e.Action), "decision="+dotQuote(e.Decision.String()), "label="+dotQuote(edgeLabel(e)))
		switch e.Decision {
		case eval.Allow:
			attrs = append(attrs, "color=darkgreen")
		case eval.Conditional:
			attrs = append(attrs, "color=darkorange", "style=dashed")
		}
	} else {
		attrs = append(attrs, "color=gray60")
	}
	if c := conditionsText(e); c != "" {
		attrs = append(attrs, "conditions="+dotQuote(c))
	}
	if len(e.Via) > 0 {
		attrs = append(attrs, "via="+dotQuote(strings.Join(e.Via, " -> ")))
	}
	if u := usesText(&e); u != "" {
		attrs = append(attrs, "uses="+u)
	}
	if e.LastUsed != "" {
		attrs = append(attrs, "last_used="+dotQuote(e.LastUsed))
	}
	_, err := d.w.WriteString("  " + dotQuote(e.From) + " -> " + dotQuote(e.To) + " [" + strings.Join(attrs, ", ") + "];\n")
	return err
}

// edgeLabel is an access edge's label: the action without its service, and
// a mark for conditional or chained access.
func edgeLabel(e Edge) string {
	l := e.Action
	if i := strings.IndexByte(l, ':'); i >= 0 {
		l = l[i+1:]
	}
	if e.Kind == EdgeCanEscalate {
		l = "can gain " + l + ": " + e.Attrs["steps"]
	}
	if e.Decision == eval.Conditional {
		l += " ?"
	}
	if len(e.Via) > 1 {
		l += " via " + strconv.Itoa(len(e.Via)-1) + " hop"
		if len(e.Via) > 2 {
			l += "s"
		}
	}
	return l
}

func (d *dotWriter) Close() error {
	_, _ = d.w.WriteString("}\n")
	return d.w.Flush()
}
