package jsonappend

import (
	"bytes"
	"encoding/json"
	"testing"
)

func encode(t *testing.T, v any, html bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(html)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

var odd = []string{"", "arn:aws:kms:us-east-1:111111111111:key/k", `"quoted" \ back`, "<script>&amp;", "tab\there\nnewline", "\x00\x1f\x7f", "é ü 日本", "\u2028\u2029", "\xff\xfeinvalid"}

func TestStringMatchesEncodingJSON(t *testing.T) {
	for _, html := range []bool{true, false} {
		for _, s := range odd {
			if got, want := String(nil, s, html), encode(t, s, html); !bytes.Equal(got, want) {
				t.Errorf("html %v, %q:\n got %s\nwant %s", html, s, got, want)
			}
		}
		for _, ss := range [][]string{nil, {}, odd} {
			if got, want := Strings(nil, ss, html), encode(t, ss, html); !bytes.Equal(got, want) {
				t.Errorf("html %v, %q:\n got %s\nwant %s", html, ss, got, want)
			}
		}
	}
}

func FuzzString(f *testing.F) {
	for _, s := range odd {
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, html bool) {
		if got, want := String(nil, s, html), encode(t, s, html); !bytes.Equal(got, want) {
			t.Fatalf("html %v, %q:\n got %s\nwant %s", html, s, got, want)
		}
	})
}
