package changeset

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// Read never panics, fails only with an *Error, and what it reads Apply
// takes on the demo without panicking.
func FuzzRead(f *testing.F) {
	for _, name := range []string{"plan-all.json", "changes.json", "changes.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(demo.Plan())
	f.Add([]byte(`{"changes":[{"kind":"grant","target":"k","op":"remove"}]}`))
	f.Add([]byte("changes:\n  - {kind: alias, target: alias/x, key: k, op: add}\n"))
	base, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		changes, err := Read(bytes.NewReader(data), "f")
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v is not an *Error", err)
			}
			return
		}
		_, _, _ = Apply(base, changes, WithAccount("111111111111"), WithRegion("us-east-1"))
	})
}
