package export

// Encoding on the walk's workers gives the bytes encoding in order does.

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

// Edges encoded on Walk's workers come out exactly as edges written one by
// one, in the same order, whatever the number of workers.
func TestJSONEncodedOnWorkersIsTheSame(t *testing.T) {
	for name, g := range graphs(t) {
		t.Run(name, func(t *testing.T) {
			one := export(t, g, Options{Workers: 1}, func(w io.Writer) Writer { return plainWriter{NewJSON(w)} })
			if !bytes.Contains(one, []byte(`"kind":"can-use-key"`)) {
				t.Fatal("no access edge exported")
			}
			for _, workers := range []int{1, 2, 4} {
				par := export(t, g, Options{Workers: workers}, NewJSON)
				if !bytes.Equal(one, par) {
					t.Fatalf("%d workers, encoded on the workers: %d bytes, one by one: %d bytes", workers, len(par), len(one))
				}
			}
			var doc struct{ Edges []json.RawMessage }
			if err := json.Unmarshal(one, &doc); err != nil || len(doc.Edges) == 0 {
				t.Fatalf("%v, %d edges", err, len(doc.Edges))
			}
		})
	}
}

// Every writer that encodes edges on Walk's workers writes exactly what it
// writes given edges one by one.
func TestFormatsEncodedOnWorkersAreTheSame(t *testing.T) {
	formats := map[string]func(io.Writer) Writer{
		"graphml": NewGraphML, "cypher": NewCypher, "who-csv": NewWhoCSV,
		// The relationships file of the neo4j-admin pair, after the nodes'.
		"neo4j-csv": func(w io.Writer) Writer { return NewNeo4jCSV(io.Discard, w) },
	}
	for name, g := range graphs(t) {
		for format, newW := range formats {
			t.Run(name+"/"+format, func(t *testing.T) {
				if _, ok := newW(io.Discard).(EdgeEncoder); !ok {
					t.Fatalf("%s does not encode edges on the workers", format)
				}
				one := export(t, g, Options{Workers: 1}, func(w io.Writer) Writer { return plainWriter{newW(w)} })
				if !bytes.Contains(one, []byte("arn:aws:kms:")) {
					t.Fatal("no key in the export")
				}
				for _, workers := range []int{1, 2, 4} {
					if par := export(t, g, Options{Workers: workers}, newW); !bytes.Equal(one, par) {
						t.Fatalf("%d workers: %d bytes encoded on the workers, %d one by one", workers, len(par), len(one))
					}
				}
			})
		}
	}
}
