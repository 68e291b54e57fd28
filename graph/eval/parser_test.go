package eval

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// parserCorpus returns request documents: the examples, the scenario
// fixtures, the soundness requests, and documents written to reach every
// branch of decodeInput, valid or not, ordinary or odd.
func parserCorpus(t testing.TB) [][]byte {
	t.Helper()
	var out [][]byte
	examples, _ := filepath.Glob(filepath.Join("..", "..", "examples", "*.json"))
	for _, p := range examples {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	for _, s := range loadScenarios(t) {
		out = append(out, s.Request)
	}
	for _, in := range soundnessRequests() {
		data, err := json.Marshal(in)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, data)
	}
	for _, s := range oddRequests {
		out = append(out, []byte(s))
	}
	return out
}

const oddBase = `"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"arn:aws:kms:us-east-1:111111111111:key/k"`

const oddPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"kms:*","Resource":"*"}]}`

// oddRequests reach the corners of the JSON grammar and of the request
// shape; decodeInput takes some and leaves others to encoding/json.
var oddRequests = []string{
	`{` + oddBase + `}`,
	` {` + oddBase + `} ` + "\n",
	`{` + oddBase + `,"resource_policy":` + oddPolicy + `}`,
	`{` + oddBase + `,"resource_policy":null,"permissions_boundary":null,"session_policy":null,"vpc_endpoint_policy":null}`,
	`{` + oddBase + `,"resource_policy":` + strings.ReplaceAll(strings.ReplaceAll(oddPolicy, `"`, `\"`), `\"{`, `{`) + `}`,
	`{` + oddBase + `,"resource_policy":"` + strings.ReplaceAll(oddPolicy, `"`, `\"`) + `"}`,
	`{` + oddBase + `,"resource_policy":"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}`,
	`{` + oddBase + `,"resource_policy":{"name":"kp","arn":"arn:aws:kms:us-east-1:111111111111:key/k","document":` + oddPolicy + `}}`,
	`{` + oddBase + `,"resource_policy":{"name":null,"arn":null,"document":` + oddPolicy + `}}`,
	`{` + oddBase + `,"resource_policy":{"name":"outer","document":{"name":"inner","document":` + oddPolicy + `}}}`,
	`{` + oddBase + `,"resource_policy":{"name":7,"document":` + oddPolicy + `}}`,
	`{` + oddBase + `,"resource_policy":{"nme":"x","document":` + oddPolicy + `}}`,
	`{` + oddBase + `,"resource_policy":{"Version":"2012-10-17","Statement":[{"Effect":"Alow","Action":"kms:*","Resource":"*","Principal":"*"}]}}`,
	`{` + oddBase + `,"resource_policy":{"Version":"2012-10-17","Statement":[}}`,
	`{` + oddBase + `,"resource_policy":{"Version":"2012-10-17","Statement":[]}}}`,
	`{` + oddBase + `,"resource_policy":{"Version":"2012-10-17","Statement":[]}`,
	`{` + oddBase + `,"resource_policy":` + oddPolicy + `x}`,
	`{` + oddBase + `,"resource_policy":nul}`,
	`{` + oddBase + `,"resource_policy":nullx}`,
	`{` + oddBase + `,"resource_policy":7}`,
	`{` + oddBase + `,"resource_policy":"\u0041"}`,
	`{` + oddBase + `,"resource_policy":{"Sid":"a\"b\\","Version":"2012-10-17","Statement":[]}}`,
	`{` + oddBase + `,"identity_policies":[]}`,
	`{` + oddBase + `,"identity_policies":null}`,
	`{` + oddBase + `,"identity_policies":[null,` + oddPolicy + `,null]}`,
	`{` + oddBase + `,"identity_policies":[` + oddPolicy + `,` + oddPolicy + `]}`,
	`{` + oddBase + `,"identity_policies":[` + oddPolicy + `,]}`,
	`{` + oddBase + `,"identity_policies":{}}`,
	`{` + oddBase + `,"scps":[]}`,
	`{` + oddBase + `,"scps":[[]]}`,
	`{` + oddBase + `,"scps":[[],[` + oddPolicy + `],[null]]}`,
	`{` + oddBase + `,"scps":[null,[` + oddPolicy + `]]}`,
	`{` + oddBase + `,"scps":null,"rcps":[[` + oddPolicy + `,` + oddPolicy + `]]}`,
	`{` + oddBase + `,"scps":[[` + oddPolicy + `]],"rcps":[[` + oddPolicy + `]],"management_account":"111111111111"}`,
	`{` + oddBase + `,"scps":[` + oddPolicy + `]}`,
	`{` + oddBase + `,"context":{}}`,
	`{` + oddBase + `,"context":null}`,
	`{` + oddBase + `,"context":{"aws:SourceIp":"10.0.0.1","aws:MultiFactorAuthPresent":true,"aws:EpochTime":1700000000,"kms:ViaService":null,"aws:TagKeys":["a","b"],"n":-0.5e+3,"m":[1,false,"x"],"e":[]}}`,
	`{` + oddBase + `,"context":{"a":"\u00e9t\u00e9","b":"tab\there","c":"caf` + "\u00e9" + `","d":"` + "\xff" + `"}}`,
	`{` + oddBase + `,"context":{"a":{"b":1}}}`,
	`{` + oddBase + `,"context":{"a":[[1]]}}`,
	`{` + oddBase + `,"context":{"a":[null]}}`,
	`{` + oddBase + `,"context":{"a":01}}`,
	`{` + oddBase + `,"context":{"a":1.}}`,
	`{` + oddBase + `,"context":{"a":-}}`,
	`{` + oddBase + `,"context":{"a":tru}}`,
	`{` + oddBase + `,"context":{"a":truex}}`,
	`{` + oddBase + `,"context":{" ":"x"}}`,
	`{` + oddBase + `,"context":{"a":"x","a":"y"}}`,
	`{` + oddBase + `,"context":{"a":"x","b":"y"},"context_complete":true}`,
	`{` + oddBase + `,"context":{"a":"x"},"context":{"b":"y"}}`,
	`{` + oddBase + `,"encryption_context":{"a":"x"},"encryption_context":{"b":"y"}}`,
	`{` + oddBase + `,"action":"kms:Encrypt"}`,
	`{` + oddBase + `,"context_complete":false}`,
	`{` + oddBase + `,"context_complete":"yes"}`,
	`{` + oddBase + `,"context_complete":null}`,
	`{` + oddBase + `,"encryption_context":{}}`,
	`{` + oddBase + `,"encryption_context":null}`,
	`{` + oddBase + `,"encryption_context":{"AppName":"App","k":"v","k":"w"}}`,
	`{` + oddBase + `,"encryption_context":{"AppName":1}}`,
	`{` + oddBase + `,"grants":[]}`,
	`{` + oddBase + `,"grants":null}`,
	`{` + oddBase + `,"grants":[{"GrantId":"g","GranteePrincipal":"arn:aws:iam::111111111111:user/alice","Operations":["Decrypt"],"Constraints":{"EncryptionContextSubset":{"a":"b"}},"CreationDate":"2026-01-01"}],"encryption_context":{"a":"b"}}`,
	`{` + oddBase + `,"grants":[{"GrantId":"g","Operations":["Decrypt"]}]}`,
	`{` + oddBase + `,"grants":[{"GrantId":"g","GranteePrincipal":"x","Operations":"Decrypt"}]}`,
	`{` + oddBase + `,"principal_enabled_regions":[]}`,
	`{` + oddBase + `,"principal_enabled_regions":null}`,
	`{` + oddBase + `,"principal_enabled_regions":["af-south-1","ap-east-1"]}`,
	`{` + oddBase + `,"key_state":"PendingDeletion","key_manager":"aws","grant_id":"g","resource_account":"111111111111"}`,
	`{` + oddBase + `,"key_manager":"OTHER"}`,
	`{` + oddBase + `,"resource_account":null}`,
	`{` + oddBase + `,"principal":"arn:aws:iam::222222222222:user/bob"}`,
	`{` + oddBase + `,"Principal":"x"}`,
	`{` + oddBase + `,"extra":1}`,
	`{"princip\u0061l":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*"}`,
	`{"principal":"arn:aws:iam::111111111111:user/\u0061lice","action":"kms:Decrypt","resource":"*"}`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*"}x`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*"}{}`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt","resource":"*",}`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:Decrypt"}`,
	`{"principal":"","action":"kms:Decrypt","resource":"*"}`,
	`{"principal":"not an arn","action":"kms:Decrypt","resource":"*"}`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"kms:*","resource":"*"}`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k"}`,
	`{"principal":"arn:aws:iam::111111111111:user/alice","action":"s3:GetObject","resource":"arn:aws:s3:::b/k","resource_account":"222222222222"}`,
	`{"principal":"arn:aws:sts::111111111111:assumed-role/R/s","action":"sts:AssumeRole","resource":"arn:aws:iam::111111111111:role/T","resource_policy":` + oddPolicy + `}`,
	`{"principal":"cloudtrail.amazonaws.com","action":"kms:GenerateDataKey","resource":"arn:aws:kms:us-east-1:111111111111:key/k"}`,
	`{}`,
	`[]`,
	`null`,
	``,
	`{"principal":"arn:aws:iam::111111111111:user/alice"`,
	`{"principal" "x"}`,
	"\xef\xbb\xbf{" + oddBase + `}`,
}

// normalized returns in with the context as encoding/json gives it.
func normalized(in input) input {
	if in.contextPairs != nil {
		in.Context = map[string]json.RawMessage{}
		for _, kv := range in.contextPairs {
			in.Context[kv.key] = kv.raw
		}
		in.contextPairs = nil
	}
	return in
}

// TestDecodeInputAgreesWithUnmarshal checks decodeInput against the
// reflection-based decoding it replaces: where both take a document, the
// decoded fields are the same, nil and empty alike.
func TestDecodeInputAgreesWithUnmarshal(t *testing.T) {
	for i, data := range parserCorpus(t) {
		var fast, ref input
		if !decodeInput(data, &fast, parseGrants, nil) {
			continue
		}
		if err := json.Unmarshal(data, &ref); err != nil {
			continue // the parser that reads the raw values rejects it: TestParserAgreesWithParseRequest
		}
		if got := normalized(fast); !reflect.DeepEqual(got, ref) {
			t.Errorf("document %d %.120q:\ndecodeInput %+v\nUnmarshal   %+v", i, data, got, ref)
		}
	}
}

// TestParserAgreesWithParseRequest checks that Parser.Parse gives exactly
// what ParseRequest gives, request or error, for every document, first
// with an empty cache and then with everything cached.
func TestParserAgreesWithParseRequest(t *testing.T) {
	p := NewParser(1 << 20)
	corpus := parserCorpus(t)
	for pass := range 2 {
		for i, data := range corpus {
			want, wantErr := ParseRequest(data)
			got, gotErr := p.Parse(data)
			switch {
			case wantErr != nil || gotErr != nil:
				if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
					t.Errorf("pass %d, document %d %.120q: error %v, ParseRequest's %v", pass, i, data, gotErr, wantErr)
				}
				var ie *InputError
				if gotErr != nil && !errors.As(gotErr, &ie) {
					t.Errorf("document %d: error %T is not an *InputError", i, gotErr)
				}
			case !reflect.DeepEqual(got, want):
				t.Errorf("pass %d, document %d %.120q: Parse and ParseRequest differ:\n%+v\n%+v", pass, i, data, got, want)
			}
		}
	}
}

// TestParserDecodesTypicalRequests checks that the fast path is the one
// taken for ordinary documents (the examples and scenario fixtures), so
// that it cannot silently fall back to encoding/json for all of them.
func TestParserDecodesTypicalRequests(t *testing.T) {
	corpus := parserCorpus(t)
	typical := len(corpus) - len(oddRequests)
	for i, data := range corpus[:typical] {
		var in input
		if !decodeInput(data, &in, parseGrants, nil) {
			t.Errorf("document %d is left to encoding/json: %.200s", i, data)
			continue
		}
		if _, err := buildRequest(&in, parsePolicyValue); err != nil {
			t.Errorf("document %d: %v", i, err)
		}
	}
}

// TestFieldNamesCoverInput checks that decodeInput knows every field of the
// request document: a field added to input without a case there would
// send every request that uses it to the slow path.
func TestFieldNamesCoverInput(t *testing.T) {
	if len(knownFields) != numFields {
		t.Fatalf("input has %d fields, decodeInput numbers %d", len(knownFields), numFields)
	}
	seen := map[int]string{}
	for name := range knownFields {
		s := jsonScan{b: []byte(`"` + name + `"`)}
		f, ok := s.fieldName()
		if !ok {
			t.Errorf("decodeInput does not know field %q", name)
			continue
		}
		if other, dup := seen[f]; dup {
			t.Errorf("fields %q and %q share number %d", name, other, f)
		}
		seen[f] = name
		doc := []byte(`{"` + name + `":{}}`)
		var in input
		_ = decodeInput(doc, &in, parseGrants, nil) // must not panic for any type of value
	}
}

// TestTextCacheParsesOnceAndStaysBounded checks the parse cache: a text is
// parsed once while cached, errors are cached like values, and the cost of
// the texts held (their length, at least minEntryCost) never exceeds the
// bound, the least recently used going first.
func TestTextCacheParsesOnceAndStaysBounded(t *testing.T) {
	parses := map[string]int{}
	const bound = 3*minEntryCost - 1 // two short texts fit, not three
	c := newTextCache(bound, func(b []byte) (int, error) {
		parses[string(b)]++
		if string(b) == "bad" {
			return 0, errors.New("bad text")
		}
		return len(b), nil
	})
	for range 3 {
		if v, err := c.get([]byte("four")); v != 4 || err != nil {
			t.Fatalf("get four: %d, %v", v, err)
		}
		if _, err := c.get([]byte("bad")); err == nil {
			t.Fatal("get bad: no error")
		}
	}
	if parses["four"] != 1 || parses["bad"] != 1 {
		t.Fatalf("parses %v, want each text once", parses)
	}
	_, _ = c.get([]byte("four"))   // most recently used: "four", then "bad"
	_, _ = c.get([]byte("sixsix")) // a third short text: "bad" goes
	if c.size > bound || len(c.entries) != 2 {
		t.Fatalf("size %d with %d entries, want ≤ %d with 2", c.size, len(c.entries), bound)
	}
	if _, ok := c.entries["bad"]; ok {
		t.Fatal("the least recently used text was kept")
	}
	_, _ = c.get([]byte("bad"))
	if parses["bad"] != 2 {
		t.Fatalf("an evicted text was not parsed again: %v", parses)
	}
	long := strings.Repeat("x", 2*minEntryCost)
	_, _ = c.get([]byte(long)) // counts its length: only it fits
	if c.size != len(long) || len(c.entries) != 1 {
		t.Fatalf("size %d with %d entries, want %d with 1", c.size, len(c.entries), len(long))
	}
	_, _ = c.get([]byte(strings.Repeat("y", bound+1))) // longer than the bound: not kept
	if c.size > bound || len(c.entries) != 1 {
		t.Fatalf("size %d with %d entries after a text over the bound", c.size, len(c.entries))
	}
}

// TestRawDelimitsValues checks the scanner that finds where a raw value
// (a policy, say) ends without reading it: escaped quotes and backslashes
// inside strings, brackets inside strings, nesting, scalars.
func TestRawDelimitsValues(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":"b"},`, `{"a":"b"}`},
		{` [1,[2,{"x":[]}]] ]`, `[1,[2,{"x":[]}]]`},
		{`{"Sid":"a\"}]"}}`, `{"Sid":"a\"}]"}`},
		{`{"Sid":"a\\"}]"}}`, `{"Sid":"a\\"}`},
		{`{"Sid":"ends with a backslash and a quote \\\""}x`, `{"Sid":"ends with a backslash and a quote \\\""}`},
		{`{"long":"0123456789abcdef0123456789\"}{]["},`, `{"long":"0123456789abcdef0123456789\"}{]["}`},
		{`"a string \" with a quote",`, `"a string \" with a quote"`},
		{`null,`, `null`},
		{`-1.5e3}`, `-1.5e3`},
		{`true]`, `true`},
	} {
		s := jsonScan{b: []byte(tc.in)}
		got, ok := s.raw()
		if !ok || string(got) != tc.want {
			t.Errorf("raw(%q) = %q, %v; want %q", tc.in, got, ok, tc.want)
		}
	}
	for _, in := range []string{`{"a":"b"`, `"open`, `}`, ``, `   `, `{"a":"b\"}`} {
		s := jsonScan{b: []byte(in)}
		if got, ok := s.raw(); ok {
			t.Errorf("raw(%q) = %q, want no value", in, got)
		}
	}
}

// FuzzParserAgreesWithParseRequest compares Parser.Parse with ParseRequest
// on arbitrary documents: the same request or the same error, always.
func FuzzParserAgreesWithParseRequest(f *testing.F) {
	for _, data := range parserCorpus(f) {
		f.Add(data)
	}
	p := NewParser(1 << 20)
	f.Fuzz(func(t *testing.T, data []byte) {
		if ambiguousContext(data) {
			return
		}
		want, wantErr := ParseRequest(data)
		got, gotErr := p.Parse(data)
		switch {
		case wantErr != nil || gotErr != nil:
			if wantErr == nil || gotErr == nil || wantErr.Error() != gotErr.Error() {
				t.Fatalf("error %v, ParseRequest's %v", gotErr, wantErr)
			}
		case !reflect.DeepEqual(got, want):
			t.Fatalf("Parse and ParseRequest differ:\n%+v\n%+v", got, want)
		}
	})
}

// ambiguousContext reports whether a document's context names a key twice
// in different cases: ParseRequest then keeps whichever its map iteration
// meets last, so two parses may differ.
func ambiguousContext(data []byte) bool {
	var doc struct {
		Context map[string]json.RawMessage `json:"context"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return false
	}
	seen := map[string]bool{}
	for k := range doc.Context {
		if seen[strings.ToLower(k)] {
			return true
		}
		seen[strings.ToLower(k)] = true
	}
	return false
}

// TestScratchPolicyTableIsBounded checks the table of policy values each
// scratch keeps in front of the parser's cache: it answers as the cache
// does, and holds at most localPolicies values of localPolicyBytes in all.
func TestScratchPolicyTableIsBounded(t *testing.T) {
	p := NewParser(1 << 30)
	var sc decodeScratch
	sc.reset(p)
	big := strings.Repeat(" ", localPolicyBytes/3)
	for i := range 2 * localPolicies {
		raw := []byte(`{"Id":"` + strconv.Itoa(i) + `","Statement":[]}`)
		if i%100 == 0 {
			raw = []byte(`{"Id":"` + strconv.Itoa(i) + `",` + big + `"Statement":[]}`)
		}
		for range 2 {
			v, err := sc.policy(raw)
			want, wantErr := p.policies.get(raw)
			if err != nil || wantErr != nil || v != want {
				t.Fatalf("text %d: %+v, %v; the cache has %+v, %v", i, v, err, want, wantErr)
			}
		}
		if len(sc.policies) > localPolicies || sc.policyBytes > localPolicyBytes {
			t.Fatalf("after %d texts the table holds %d values of %d bytes", i+1, len(sc.policies), sc.policyBytes)
		}
	}
	if _, err := sc.policy([]byte(`{"Statement":{}}`)); err == nil {
		t.Fatal("a bad policy parsed")
	}
}

// TestKnownPolicyTextsAreNotScanned checks that a policy text a scratch has
// met is found whole at the start of a value (its end not scanned for), and
// that the request is still ParseRequest's, whatever follows the text.
func TestKnownPolicyTextsAreNotScanned(t *testing.T) {
	p := NewParser(1 << 20)
	var sc decodeScratch
	sc.reset(p)
	pol := `{"name":"kp","document":` + oddPolicy + `}`
	if _, err := sc.policy([]byte(pol)); err != nil {
		t.Fatal(err)
	}
	// Same first prefixLen bytes, another policy.
	other := strings.Replace(pol, `"kms:*"`, `"kms:Decrypt"`, 1)
	if pol[:prefixLen] != other[:prefixLen] {
		t.Fatal("the test needs two policies alike in their first prefixLen bytes")
	}
	for _, tc := range []struct {
		doc   string
		known bool
	}{
		{`{` + oddBase + `,"resource_policy":` + pol + `}`, true},
		{`{` + oddBase + `,"identity_policies":[` + pol + `,` + pol + `],"scps":[[` + pol + `]]}`, true},
		{`{` + oddBase + `,"resource_policy":` + pol + `}}`, true},
		{`{` + oddBase + `,"resource_policy":` + pol + `,}`, true},
		{`{` + oddBase + `,"resource_policy":` + other + `}`, false},
	} {
		doc := tc.doc
		var in input
		ok := decodeInput([]byte(doc), &in, parseGrants, &sc)
		var got *Request
		var err error
		if ok {
			if known := len(sc.resolved) > 0; known != tc.known {
				t.Errorf("%.80s…: found known %v, want %v", doc, known, tc.known)
			}
			got, err = buildRequest(&in, sc.policy)
		}
		sc.resolved = sc.resolved[:0]
		want, wantErr := ParseRequest([]byte(doc))
		switch {
		case wantErr != nil:
			if ok && err == nil {
				t.Errorf("%s: decoded, but ParseRequest says %v", doc, wantErr)
			}
		case !ok || err != nil:
			t.Errorf("%s: not decoded (%v)", doc, err)
		case !reflect.DeepEqual(got, want):
			t.Errorf("%s: requests differ", doc)
		}
	}
}
