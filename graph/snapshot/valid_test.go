package snapshot

import (
	"encoding/json"
	"strings"
	"testing"
)

// valid agrees with encoding/json's Valid.
func TestValidIsJSONValid(t *testing.T) {
	deep := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	for _, in := range []string{
		``, ` `, `0`, `-0`, `-`, `01`, `1.`, `1.5`, `.5`, `1e`, `1e+`, `1E-7`, `-1.5e10`, `1x`, `+1`,
		`true`, `tru`, `truex`, `false`, `null`, `nul`, `nullnull`, `"`, `""`, `"a"b`, `"\"`, `"\\"`, `"\/\b\f\n\r\t"`, `"\x"`,
		`"\u00e9"`, `"\u00g9"`, `"\u00e"`, "\"\x1f\"", "\"\x7f\xff\"", `{}`, `{ }`, `[]`, `[ ]`, `[1,]`, `[,1]`, `[1 2]`, `[1,2]`,
		`{"a":1}`, `{"a" : 1 , "b":[{}]}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{1:1}`, `{"a":1]`, `[1}`, `[[]`, `[]]`, `{} {}`,
		" \t\r\n{}\n", "\v{}", "\ufeff{}", deep, "[" + deep + "]", strings.Repeat("[", maxDepth-1) + `{"a":[]}` + strings.Repeat("]", maxDepth-1),
	} {
		if got, want := valid([]byte(in), 0), json.Valid([]byte(in)); got != want {
			t.Errorf("valid(%.40q) = %v, json.Valid %v", in, got, want)
		}
	}
	// Nested in a document: the depth counts from its top.
	if valid([]byte(deep), 1) || !valid([]byte(deep[1:len(deep)-1]), 1) {
		t.Error("depth not counted from the document's top")
	}
}

func FuzzValid(f *testing.F) {
	f.Add([]byte(good))
	f.Add([]byte(`[1,{"a":"\u00e9"}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := valid(data, 0), json.Valid(data); got != want {
			t.Fatalf("valid(%q) = %v, json.Valid %v", data, got, want)
		}
	})
}
