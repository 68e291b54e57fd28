package snapshot

import (
	"strings"
	"testing"
)

// The index knows where each object and array ends down to indexDepth,
// and the splitter skips the same values with it as without.
func TestIndexEnds(t *testing.T) {
	doc := []byte(`{"a": [1, {"b": "}]\"[{"}], "c": ` + strings.Repeat("[", 8) + strings.Repeat("]", 8) + `}`)
	ix := newIndex(doc)
	depth, checked := 0, 0
	for i := 0; i < len(doc); i++ {
		switch doc[i] {
		case '"':
			i = stringEnd(doc, i) - 1
		case '{', '[':
			got, ok := ix.end(doc, i)
			want := (*index)(nil).valueEnd(doc, i)
			switch {
			case depth < indexDepth && (!ok || got != want):
				t.Errorf("end at %d (depth %d) = %d %v, want %d", i, depth, got, ok, want)
			case depth >= indexDepth && ok:
				t.Errorf("end at %d (depth %d) indexed", i, depth)
			}
			checked++
			depth++
		case '}', ']':
			depth--
		}
	}
	if checked != 11 {
		t.Errorf("%d objects and arrays, want 11", checked)
	}
	sub := doc[6:]
	if got, ok := ix.end(sub, 4); !ok || got != (*index)(nil).valueEnd(sub, 4) {
		t.Errorf("end in a slice of the document = %d %v", got, ok)
	}
	if _, ok := ix.end([]byte(`{"x": {}}`), 0); ok {
		t.Error("end of a value outside the document")
	}
}
