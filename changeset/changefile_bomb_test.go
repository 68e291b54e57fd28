package changeset_test

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/changeset"
)

// A change file whose anchors hold aliases of anchors ("billion laughs")
// is refused with an error, not expanded until memory runs out.
func TestChangeFileAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i <= 9; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("changes:\n  - kind: key-policy\n    target: alias/reports\n    op: replace\n    document: *a9\n")
	_, err := changeset.Read(strings.NewReader(b.String()), "bomb.yaml")
	if err == nil || !strings.Contains(err.Error(), "aliases are expanded") {
		t.Fatalf("err = %v, want the alias expansion refused", err)
	}
}
