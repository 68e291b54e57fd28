package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
)

// trickyJSON is JSON at the edges of the grammar, valid and not.
var trickyJSON = []string{
	``, ` `, "\t\r\n", `{}`, `[]`, `""`, `0`, `-0`, `null`, `true`, `false`, `nul`, `tru`, `fals`, `truex`, `nullnull`,
	// Numbers in all forms.
	`[0, -0, 1, -1, 12, 1.5, -1.5, 0.0, 1e5, 1E5, 1e+5, 1e-5, 1.5e10, -0.0e-0, 123456789012345678901234567890, 1.7976931348623157e309]`,
	`01`, `-`, `-a`, `1.`, `.5`, `1e`, `1e+`, `+1`, `1.e5`, `0x10`, `[1,]`, `[-01]`, `NaN`, `Infinity`, `[1 2]`, `1 2`,
	// Strings: escapes, surrogates, control characters, invalid UTF-8.
	`"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u4e2d\u0000"`, `"\uD83D\uDE00"`, `"\ud83d\ude00"`, `"\uD83D"`, `"\uDE00"`,
	`"\uD83Dx"`, `"\uD83D\u0041"`, `"\uD83D\uD83D\uDE00"`, `"\uDE00\uD83D"`, `"\uD83D\uZZZZ"`, `"\uD83D\u12"`, `"\u12"`, `"\u"`,
	`"\uGGGG"`, `"\x"`, `"\'"`, `"\a"`, "\"tab\there\"", "\"nl\nhere\"", "\"del\x7f\"", `"abc`, `"abc\"`, `"\`,
	"\"\xff\"", "\"a\xffb\xfe\"", "\"\xed\xa0\x80\"", "\"\xc3\"", "\"\xc3\xa9\"", "\"\xe4\xb8\"", "\"\xf0\x9f\x98\x80\"",
	"\"\xef\xbf\xbd\"", "\"\\n\xff\"", "\"\xff\\n\"", `"\u00"`, "{\"k\xff\": \"v\xfe\"}", `{"\u0041": 1, "A": 2}`,
	// Objects: duplicate keys, odd placement of separators.
	`{"a":1,"a":2}`, `{"a":{"b":1},"a":[2]}`, `{"a":1,}`, `{,"a":1}`, `{"a" 1}`, `{"a":}`, `{a:1}`, `{"a":1 "b":2}`, `{1:2}`,
	`{"a":[1,{"b":[null,true,false,"x"]}]}`, `{"":""}`, `{"a":1}}`, `{"a":1}]`, `{"a":1} {"b":2}`, `{"a":1}x`, `{"a":1} x`,
	`[`, `{`, `]`, `}`, `[[]`, `[]]`, `[,]`, `{"a"`, `{"a":`, `{"a":1`,
	// White space, BOM, stray bytes.
	" \t\r\n{ \"a\" \t:\r\n[ 1 , 2 ]\n}\n ", "\ufeff{}", "{}\x00", "\x00{}", "{}\v", "\f{}", "{}\u00a0",
	`{"Statement":[]}` + "\n\n", "{\"Statement\":[]}\r\n",
}

// deep returns n nested arrays or objects.
func deep(n int, obj bool) string {
	if obj {
		return strings.Repeat(`{"a":`, n) + "1" + strings.Repeat("}", n)
	}
	return strings.Repeat("[", n) + strings.Repeat("]", n)
}

// decodeStd decodes as Parse did before readJSON: encoding/json, numbers
// as json.Number, nothing after the document.
func decodeStd(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the document")
	}
	return v, nil
}

func depthOf(v any) int {
	d := 0
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			d = max(d, depthOf(e))
		}
		return d + 1
	case map[string]any:
		for _, e := range t {
			d = max(d, depthOf(e))
		}
		return d + 1
	}
	return 0
}

// checkRead compares readJSON with encoding/json on one document.
func checkRead(t *testing.T, name, doc string) {
	t.Helper()
	want, werr := decodeStd([]byte(doc))
	got, ok := readJSON(doc)
	switch {
	case werr != nil && ok:
		t.Errorf("%s: readJSON accepted %.80q, which encoding/json rejects (%v)", name, doc, werr)
	case werr == nil && !ok && depthOf(want) <= maxReadDepth:
		t.Errorf("%s: readJSON rejected %.80q, which encoding/json accepts", name, doc)
	case ok && !reflect.DeepEqual(got, want):
		t.Errorf("%s: readJSON(%.80q) = %#v, encoding/json gives %#v", name, doc, got, want)
	}
}

// parseRef is ParseString as it was: encoding/json and the reference FromJSON.
func parseRef(doc string) (*Policy, error) {
	trimmed := strings.TrimSpace(doc)
	if trimmed != "" && trimmed[0] != '{' {
		dec, err := url.QueryUnescape(trimmed)
		if err != nil {
			return nil, &ParseError{Msg: "policy is neither JSON nor URL-encoded JSON", Err: err}
		}
		trimmed = strings.TrimSpace(dec)
	}
	dec := json.NewDecoder(strings.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, &ParseError{Msg: "invalid JSON: " + err.Error(), Err: err}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, &ParseError{Msg: "invalid JSON: data after the policy document"}
	}
	p, err := fromJSONRef(v)
	if err == nil {
		p.Text = trimmed
	}
	return p, err
}

// checkParse compares ParseString with the parser as it was, and returns
// the policy.
func checkParse(t *testing.T, name, doc string) *Policy {
	t.Helper()
	got, err := ParseString(doc)
	checkParsed(t, name, doc, got, err)
	return got
}

func checkParsed(t *testing.T, name, doc string, got *Policy, err error) {
	t.Helper()
	want, werr := parseRef(doc)
	if !reflect.DeepEqual(err, werr) {
		t.Errorf("%s: ParseString(%.80q) error = %v, want %v", name, doc, err, werr)
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: ParseString(%.80q) = %+v, want %+v", name, doc, got, want)
	}
}

func TestReadJSONTricky(t *testing.T) {
	docs := append([]string{}, trickyJSON...)
	for _, n := range []int{1, 2, maxReadDepth - 1, maxReadDepth, maxReadDepth + 1, 10000, 10001} {
		docs = append(docs, deep(n, false), deep(n, true), deep(n, true)[1:])
	}
	for _, d := range docs {
		checkRead(t, "tricky", d)
		checkParse(t, "tricky", d)
		// The same inside a policy, as a value and as a key.
		checkRead(t, "in array", "["+d+"]")
		checkRead(t, "in object", `{"k":`+d+"}")
		if strings.HasPrefix(d, `"`) {
			checkRead(t, "as key", "{"+d+":1}")
			p := `{"Version":"2012-10-17","Statement":{"Sid":` + d + `,"Effect":"Allow","Action":"*","Condition":{"StringEquals":{` + d + ":" + d + `}}}}`
			checkRead(t, "as key", p)
			checkParse(t, "in policy", p)
		}
	}
}

// Every policy of the repository's fixtures and of a generated organization
// reads as encoding/json reads it, and parses as the parser did before.
func TestReadJSONFixtures(t *testing.T) {
	type parsed struct {
		name, doc string
		p         *Policy
	}
	var all []parsed
	for name, data := range fixtureFiles(t) {
		checkRead(t, name, string(data))
		for _, doc := range policyTexts(data) {
			checkRead(t, name, doc)
			all = append(all, parsed{name, doc, checkParse(t, name, doc)})
		}
	}
	for _, doc := range append(policySeeds, generatedTexts(t, gen.Options{Accounts: 4, Regions: 2, RolesPerAccount: 20, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 1, EscalationShare: 0.2})...) {
		checkRead(t, "generated", doc)
		all = append(all, parsed{"generated", doc, checkParse(t, "generated", doc)})
	}
	if len(all) < 100 {
		t.Fatalf("only %d policy texts", len(all))
	}
	// The policies are still what they were after the readers' maps served
	// the documents that followed.
	for _, e := range all {
		if e.p != nil {
			checkParsed(t, e.name+" (later)", e.doc, e.p, nil)
		}
	}
	t.Logf("%d policy texts", len(all))
}

// FuzzJSONRead: readJSON gives encoding/json's tree or declines, and
// ParseString gives what the parser gave before.
func FuzzJSONRead(f *testing.F) {
	for _, s := range trickyJSON {
		f.Add(s)
	}
	for _, s := range policySeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		checkRead(t, "fuzz", doc)
		checkParse(t, "fuzz", doc)
	})
}
