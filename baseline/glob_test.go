package baseline

import "testing"

func TestGlob(t *testing.T) {
	for _, tc := range []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "x", false},
		{"*", "", true},
		{"*", "arn:aws:iam::1:role/a/b", true},
		{"arn:aws:iam::*:role/Auditor", "arn:aws:iam::999999999999:role/Auditor", true},
		{"arn:aws:iam::*:role/Auditor", "arn:aws:iam::999999999999:role/AuditorX", false},
		{"arn:aws:kms:*:111111111111:key/*", "arn:aws:kms:us-east-1:111111111111:key/abc", true},
		{"arn:aws:kms:*:111111111111:key/*", "arn:aws:kms:us-east-1:222222222222:key/abc", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*b*b*", "abxxbz", true},
		{"*b*b*", "abxxz", false},
		{"Role", "role", false}, // case-sensitive
		{`\*`, "*", true},
		{`\*`, "x", false},
		{`a\?`, "a?", true},
		{`a\?`, "ab", false},
		{`*\*`, "x*", true},
		{`*\*`, "x", false},
	} {
		if got := Glob(tc.pattern, tc.s); got != tc.want {
			t.Errorf("Glob(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	for _, s := range []string{"*", "a*b?c\\", "arn:aws:iam::1:role/x"} {
		if !Glob(Quote(s), s) {
			t.Errorf("Quote(%q) = %q does not match it", s, Quote(s))
		}
	}
	if Glob(Quote("*"), "arn:aws:iam::1:root") {
		t.Error(`Quote("*") matches any principal`)
	}
}
