package cloudtrail

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
	"unsafe"
)

// refString is scanString the simple way.
func refString(b []byte, k int) (int, bool) {
	end := stringEnd(b, k)
	if end < 0 {
		return -1, false
	}
	v := b[k+1 : end]
	return end, bytes.IndexByte(v, '\\') < 0 && utf8.Valid(v)
}

// TestScanString: the word-at-a-time scanner agrees with the simple one on
// strings whose quote, escape or UTF-8 falls at every offset of a word,
// and at the end of the input.
func TestScanString(t *testing.T) {
	var cases []string
	for n := range 20 {
		pad := strings.Repeat("a", n)
		cases = append(cases,
			`"`+pad+`"`, `"`+pad+`",`, `"`+pad+`\"x",`, `"`+pad+`\\",`, `"`+pad+`é",`, `"`+pad+"\xff\",",
			`"`+pad, `"`+pad+`\"`, `"`+pad+`"`+strings.Repeat(`b"`, 9))
	}
	for _, c := range cases {
		gotEnd, gotPlain := scanString([]byte(c), 0)
		wantEnd, wantPlain := refString([]byte(c), 0)
		if gotEnd != wantEnd || gotPlain != wantPlain {
			t.Errorf("%q: %d %v, want %d %v", c, gotEnd, gotPlain, wantEnd, wantPlain)
		}
	}
}

// TestFoldSet: a key is one of the names in another case when its letters
// alone differ in case (encoding/json then decides); '@' and '`' differ
// by the case bit without being letters.
func TestFoldSet(t *testing.T) {
	s := newFoldSet("eventTime", "awsRegion", "ARN")
	for k, want := range map[string]bool{
		"eventTime": true, "EVENTTIME": true, "eventtime": true, "arn": true, "aRn": true,
		"eventTimes": false, "eventTim": false, "eventT1me": false, "ar@": false, "awsRegio`": false, "awsRegio@": false,
		strings.Repeat("a", 40): false,
	} {
		if got := s.has([]byte(k)); got != want {
			t.Errorf("has(%q) = %v, want %v", k, got, want)
		}
	}
}

// TestInterner: equal bytes give one string, whether the recent cache or
// the map answers, including strings that collide in the cache.
func TestInterner(t *testing.T) {
	in := newInterner()
	keys := []string{"", "a", "kms.amazonaws.com", "us-east-1"}
	for i := range 5000 {
		keys = append(keys, "arn:aws:iam::100000000001:role/role-"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+"/r")
	}
	first := map[string]string{}
	for range 2 {
		for _, k := range keys {
			s := in.get([]byte(k))
			if s != k {
				t.Fatalf("get(%q) = %q", k, s)
			}
			if f, ok := first[k]; ok && k != "" && unsafe.StringData(f) != unsafe.StringData(s) {
				t.Fatalf("get(%q) gave a second copy", k)
			}
			first[k] = s
		}
	}
}
