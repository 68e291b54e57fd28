package export

import (
	"bufio"
	"bytes"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// cypherBatch is how many rows one UNWIND statement carries.
const cypherBatch = 500

type cypherWriter struct {
	w    *bufio.Writer
	n    int    // rows written in the open batch
	stmt string // the statement of the open batch
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

// appendCypherString appends s as a Cypher string literal: quotes and
// backslashes escaped, \n \r \t, other control characters as \uXXXX.
func appendCypherString(b []byte, s string) []byte {
	b = append(b, '"')
	for _, r := range s {
		switch r {
		case '"':
			b = append(b, `\"`...)
		case '\\':
			b = append(b, `\\`...)
		case '\n':
			b = append(b, `\n`...)
		case '\r':
			b = append(b, `\r`...)
		case '\t':
			b = append(b, `\t`...)
		default:
			if r < 0x20 {
				b = append(b, `\u`...)
				b = append(b, strconv.FormatInt(int64(r)+0x10000, 16)[1:]...)
				continue
			}
			b = utf8.AppendRune(b, r)
		}
	}
	return append(b, '"')
}

// cypherMap renders a map literal with the keys in the order given.
func cypherMap(kv ...string) string { return string(appendCypherMap(nil, kv...)) }

func appendCypherMap(b []byte, kv ...string) []byte {
	b = append(b, '{')
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, ", "...)
		}
		b = append(b, kv[i]...)
		b = append(b, ": "...)
		b = appendCypherString(b, kv[i+1])
	}
	return append(b, '}')
}

// add writes a row into the open batch, first closing it when it is full or
// for another statement: ":param rows => [ row, … ];" then the statement.
func (c *cypherWriter) add(stmt, row string) error {
	if err := c.next(stmt); err != nil {
		return err
	}
	_, err := c.w.WriteString(row)
	return err
}

// next readies the open batch for one more row of stmt.
func (c *cypherWriter) next(stmt string) error {
	if stmt != c.stmt || c.n >= cypherBatch {
		if err := c.flush(); err != nil {
			return err
		}
		c.stmt = stmt
	}
	if c.n == 0 {
		_, _ = c.w.WriteString(":param rows => [\n  ")
	} else {
		_, _ = c.w.WriteString(",\n  ")
	}
	c.n++
	return nil
}

func (c *cypherWriter) flush() error {
	if c.n == 0 {
		return nil
	}
	_, _ = c.w.WriteString("\n];\n")
	_, err := c.w.WriteString(c.stmt + ";\n")
	c.n = 0
	return err
}

func (c *cypherWriter) Node(n Node) error {
	stmt := "UNWIND $rows AS row MERGE (n:Node {id: row.id}) SET n:" + cypherLabel(n.Kind) +
		", n.kind = row.kind, n.label = row.label, n.account = row.account, n.attrs = row.attrs"
	return c.add(stmt, cypherMap("id", n.ID, "kind", n.Kind, "label", n.Label, "account", n.Account, "attrs", attrsText(n.Attrs)))
}

func (c *cypherWriter) Edge(e Edge) error {
	return c.add(cypherEdgeStmt(e.Kind), cypherEdgeRow(&e))
}

func cypherEdgeStmt(kind string) string {
	return "UNWIND $rows AS row MERGE (a:Node {id: row.from}) MERGE (b:Node {id: row.to}) MERGE (a)-[r:" + cypherType(kind) +
		" {key: row.key}]->(b) SET r.action = row.action, r.decision = row.decision, r.conditions = row.conditions, r.via = row.via, r.because = row.because, r.attrs = row.attrs, r.uses = toInteger(row.uses), r.last_used = row.last_used"
}

func cypherEdgeRow(e *Edge) string { return string(appendCypherEdgeRow(nil, e)) }

func appendCypherEdgeRow(b []byte, e *Edge) []byte {
	decision := ""
	if e.Action != "" {
		decision = e.Decision.String()
	}
	return appendCypherMap(b, "from", e.From, "to", e.To, "key", edgeKey(*e), "action", e.Action, "decision", decision,
		"conditions", conditionsText(*e), "via", strings.Join(e.Via, " -> "), "because", strings.Join(e.Because, "; "), "attrs", attrsText(e.Attrs),
		"uses", usesText(e), "last_used", e.LastUsed)
}

// EncodeEdges encodes each edge as its kind, \x01, its row, \x00 (a row
// never holds a control character: cypherString escapes them);
// WriteEncoded puts the rows in their batches.
func (c *cypherWriter) EncodeEdges(dst []byte, edges []Edge) ([]byte, error) {
	for i := range edges {
		dst = append(dst, edges[i].Kind...)
		dst = append(dst, 1)
		dst = appendCypherEdgeRow(dst, &edges[i])
		dst = append(dst, 0)
	}
	return dst, nil
}

func (c *cypherWriter) WriteEncoded(b []byte, _ int) error {
	stmts := map[string]string{}
	for len(b) > 0 {
		end := bytes.IndexByte(b, 0)
		kind, row, _ := bytes.Cut(b[:end], []byte{1})
		stmt, ok := stmts[string(kind)]
		if !ok {
			stmt = cypherEdgeStmt(string(kind))
			stmts[string(kind)] = stmt
		}
		if err := c.next(stmt); err != nil {
			return err
		}
		if _, err := c.w.Write(row); err != nil {
			return err
		}
		b = b[end+1:]
	}
	return nil
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
