package eval

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParseRequest feeds arbitrary request documents to the parser and the
// evaluator: bad input must give an *InputError, never a panic, and anything
// that parses must evaluate to a verdict whose JSON and text render.
func FuzzParseRequest(f *testing.F) {
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.json"))
	for _, p := range examples {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, in := range soundnessRequests()[:6] {
		data, _ := json.Marshal(in)
		f.Add(data)
	}
	f.Add([]byte(`{"principal":"111111111111","action":"kms:Decrypt","resource":"*"}`))
	f.Add([]byte(`{"principal":"s3.amazonaws.com","action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111111111111:key/k","resource_policy":"%7B%7D"}`))
	f.Add([]byte(`{"principal":"arn:aws:iam::111111111111:user/a","action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111111111111:key/k","grants":[{"GrantId":"g","GranteePrincipal":"arn:aws:iam::111111111111:user/a","Operations":["Decrypt"],"Constraints":{"EncryptionContextEquals":{}}}],"encryption_context":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseRequest(data)
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %T is not an *InputError: %v", err, err)
			}
			return
		}
		d, err := Evaluate(r)
		if err != nil {
			t.Fatal(err)
		}
		if d.Verdict == Allow && len(d.DeniedBy) > 0 {
			t.Fatalf("ALLOW with denied_by %v", d.DeniedBy)
		}
		if d.Verdict != Allow && len(d.DeniedBy) == 0 {
			t.Fatalf("%s without a denying layer", d.Verdict)
		}
		if _, err := json.Marshal(d); err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := WriteText(&b, r, d); err != nil {
			t.Fatal(err)
		}
	})
}
