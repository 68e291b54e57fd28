package policy

import (
	"strings"
	"testing"
	"unsafe"
)

// Two policies naming one action share its compiled form, which holds
// nothing of either policy's text; the same action written in another case
// is its own, and both match alike.
func TestActionsShared(t *testing.T) {
	const (
		a = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Decrypt","kms:GenerateDataKey*"],"Resource":"*"}]}`
		b = `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"kms:GenerateDataKey*","Resource":"*"},{"Effect":"Allow","Action":"KMS:generatedatakey*","Resource":"*"}]}`
	)
	pa, err := ParseString(a)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := ParseString(b)
	if err != nil {
		t.Fatal(err)
	}
	x, y, z := pa.Statements[0].Actions[1], pb.Statements[0].Actions[0], pb.Statements[1].Actions[0]
	if x.String() != "kms:GenerateDataKey*" || &x.pattern.toks[0] != &y.pattern.toks[0] {
		t.Errorf("kms:GenerateDataKey* compiled twice: %v %v", x, y)
	}
	if z.String() != "KMS:generatedatakey*" || &z.pattern.toks[0] == &x.pattern.toks[0] {
		t.Errorf("KMS:generatedatakey* is not its own: %v", z)
	}
	for _, act := range []string{"kms:generatedatakeywithoutplaintext", "kms:generatedatakey"} {
		if !x.Matches(act) || !z.Matches(act) {
			t.Errorf("%s not matched by both spellings", act)
		}
	}
	within := func(s, text string) bool {
		p, lo := uintptr(unsafe.Pointer(unsafe.StringData(s))), uintptr(unsafe.Pointer(unsafe.StringData(text)))
		return p >= lo && p < lo+uintptr(len(text))
	}
	for _, act := range []Action{x, y, z, pa.Statements[0].Actions[0]} {
		for _, s := range append([]string{act.raw, act.pattern.raw, act.pattern.fixed}, tokenTexts(act.pattern)...) {
			if s != "" && (within(s, a) || within(s, b)) {
				t.Errorf("action %s holds %q of a policy's text", act, s)
			}
		}
	}
	if !strings.EqualFold(x.pattern.raw, x.raw) {
		t.Errorf("pattern %q of %q", x.pattern.raw, x.raw)
	}
}

func tokenTexts(p Pattern) []string {
	var out []string
	for _, t := range p.toks {
		out = append(out, t.lit)
	}
	return out
}
