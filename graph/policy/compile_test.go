package policy

import (
	"reflect"
	"testing"
	"unsafe"
)

var patternSeeds = []string{
	"", "*", "?", "a", "kms:Decrypt", "kms:GenerateDataKey*", "*Key", "a*b?c", "**", "$", "${", "${}", "${ }", "$x{y}",
	"home/${aws:username}/*", "${aws:PrincipalTag/team, 'none'}", "${a,b}", "${*}${?}${$}", "a${*}b", "${*}b*c${?}",
	"x${ * }y${aws:u}z", "${unterminated", "arn:aws:s3:::b/${aws:username}/*", "${a}${b}${c}${d}${e}",
}

// checkCompile compares CompilePattern and compileResource with the
// parser as it was.
func checkCompile(t *testing.T, s string) {
	t.Helper()
	for _, withVars := range []bool{false, true} {
		got, err := CompilePattern(s, withVars)
		want, werr := compilePatternRef(s, withVars)
		if !reflect.DeepEqual(err, werr) || !reflect.DeepEqual(got, want) {
			t.Errorf("CompilePattern(%q, %v) = %#v, %v; want %#v, %v", s, withVars, got, err, want, werr)
		}
		for _, r := range []string{s, "arn:" + s, "arn:aws:s3:::" + s, "arn:aws:" + s + ":" + s + ":1:" + s} {
			got, err := compileResource(r, withVars)
			want, werr := compileResourceRef(r, withVars)
			if !reflect.DeepEqual(err, werr) || !reflect.DeepEqual(got, want) {
				t.Errorf("compileResource(%q, %v) = %#v, %v; want %#v, %v", r, withVars, got, err, want, werr)
			}
		}
	}
}

func TestCompilePatternMatchesReference(t *testing.T) {
	for _, s := range patternSeeds {
		checkCompile(t, s)
	}
}

func FuzzCompilePattern(f *testing.F) {
	for _, s := range patternSeeds {
		f.Add(s)
	}
	f.Fuzz(checkCompile)
}

// Parsed policies hold many patterns and tokens (5,000 generated accounts:
// about 900,000 tokens): a variable's key is a token's only by pointer.
func TestPatternAndTokenSizes(t *testing.T) {
	if n := unsafe.Sizeof(token{}); n > 32 {
		t.Errorf("a token is %d bytes, was 32 once a variable's key went behind a pointer", n)
	}
	if n := unsafe.Sizeof(Pattern{}); n > 64 {
		t.Errorf("a Pattern is %d bytes, was 64", n)
	}
	p, err := CompilePattern("arn:aws:s3:::${aws:PrincipalTag/Team, 'none'}/*", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := p.Variables(); len(got) != 1 || got[0] != "aws:PrincipalTag/Team" {
		t.Errorf("variables %v", got)
	}
}
