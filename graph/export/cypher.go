package export

import (
	"bufio"
	"io"
	"strconv"
	"strings"
)

// cypherBatch is how many rows one UNWIND statement carries.
const cypherBatch = 500

type cypherWriter struct {
	w    *bufio.Writer
	rows []string
	stmt string // the statement the buffered rows are for
}

// NewCypher returns a writer of a Cypher script for cypher-shell that loads
// the graph into Neo4j: a uniqueness constraint, then batches of rows passed
// as a parameter (:param rows => [...]) to UNWIND … MERGE statements, so that
// loading it twice changes nothing. Every node has the label Node and one for
// its kind (Key, Role, …); relationship types are the edge kinds
// (CAN_USE_KEY, …) with the action in the relationship's key.
func NewCypher(w io.Writer) Writer {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString("// keyhound access graph (" + Version + "): cypher-shell -f this-file\n")
	_, _ = bw.WriteString("CREATE CONSTRAINT keyhound_node_id IF NOT EXISTS FOR (n:Node) REQUIRE n.id IS UNIQUE;\n")
	return &cypherWriter{w: bw}
}

// cypherLabel is a node kind as a Neo4j label: Key, Role, Ou, External.
func cypherLabel(kind string) string {
	if kind == KindOU {
		return "OU"
	}
	return strings.ToUpper(kind[:1]) + kind[1:]
}

// cypherType is an edge kind as a relationship type: CAN_USE_KEY.
func cypherType(kind string) string {
	return strings.ToUpper(strings.ReplaceAll(kind, "-", "_"))
}

// cypherString is a Cypher string literal.
func cypherString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				b.WriteString(`\u` + strconv.FormatInt(int64(r)+0x10000, 16)[1:])
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// cypherMap renders a map literal with the keys in the order given.
func cypherMap(kv ...string) string {
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+": "+cypherString(kv[i+1]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

func (c *cypherWriter) add(stmt, row string) error {
	if stmt != c.stmt || len(c.rows) >= cypherBatch {
		if err := c.flush(); err != nil {
			return err
		}
		c.stmt = stmt
	}
	c.rows = append(c.rows, row)
	return nil
}

func (c *cypherWriter) flush() error {
	if len(c.rows) == 0 {
		return nil
	}
	_, _ = c.w.WriteString(":param rows => [\n  " + strings.Join(c.rows, ",\n  ") + "\n];\n")
	_, err := c.w.WriteString(c.stmt + ";\n")
	c.rows = c.rows[:0]
	return err
}

func (c *cypherWriter) Node(n Node) error {
	stmt := "UNWIND $rows AS row MERGE (n:Node {id: row.id}) SET n:" + cypherLabel(n.Kind) +
		", n.kind = row.kind, n.label = row.label, n.account = row.account, n.attrs = row.attrs"
	return c.add(stmt, cypherMap("id", n.ID, "kind", n.Kind, "label", n.Label, "account", n.Account, "attrs", attrsText(n.Attrs)))
}

func (c *cypherWriter) Edge(e Edge) error {
	decision := ""
	if e.Action != "" {
		decision = e.Decision.String()
	}
	stmt := "UNWIND $rows AS row MERGE (a:Node {id: row.from}) MERGE (b:Node {id: row.to}) MERGE (a)-[r:" + cypherType(e.Kind) +
		" {key: row.key}]->(b) SET r.action = row.action, r.decision = row.decision, r.conditions = row.conditions, r.via = row.via, r.because = row.because, r.attrs = row.attrs"
	return c.add(stmt, cypherMap("from", e.From, "to", e.To, "key", edgeKey(e), "action", e.Action, "decision", decision,
		"conditions", conditionsText(e), "via", strings.Join(e.Via, " -> "), "because", strings.Join(e.Because, "; "), "attrs", attrsText(e.Attrs)))
}

func (c *cypherWriter) Close() error {
	if err := c.flush(); err != nil {
		return err
	}
	return c.w.Flush()
}

// edgeKey tells apart edges of one kind between the same nodes: the action,
// or the grant's ID.
func edgeKey(e Edge) string {
	if id := e.Attrs["grant_id"]; id != "" {
		return id
	}
	return e.Action
}
