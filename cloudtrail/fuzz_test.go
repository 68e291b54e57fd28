package cloudtrail

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/usage"
)

// FuzzParse: Read never panics, and every error on bad input is a
// *ParseError naming the file and a position inside the input.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"testdata/demo-trail.json", "testdata/demo-lookup-events.json", "testdata/demo-lake.json", "testdata/demo-records.jsonl"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{``, `{}`, `[]`, `{"Records": null}`, `{"Records": [{}]}`, `{"Events": [{}]}`, `{"QueryResultRows": [[{"userIdentity": "{a={b=[c, {d=e}]}}"}]]}`, "\x1f\x8b\x08"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		timer := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("slow input %q", data)) })
		defer timer.Stop()
		st, err := Read(context.Background(), "fuzz.json", strings.NewReader(string(data)), Options{}, func(e *usage.Event) error {
			if e.Time.IsZero() {
				t.Errorf("an event without a time: %+v", e)
			}
			n++
			return nil
		})
		if st.Events != n {
			t.Errorf("stats say %d events, %d passed on", st.Events, n)
		}
		if err == nil {
			return
		}
		pe, ok := errors.AsType[*ParseError](err)
		if !ok {
			t.Fatalf("%T %v is not a *ParseError", err, err)
		}
		if pe.File != "fuzz.json" || !strings.HasPrefix(err.Error(), "fuzz.json: ") {
			t.Errorf("the error does not name the file: %v", err)
		}
		if !pe.Gzipped && (pe.Offset < 0 || pe.Offset > int64(len(data))) {
			t.Errorf("offset %d outside the input (%d bytes): %v", pe.Offset, len(data), err)
		}
	})
}

// FuzzFastRecord: where the fast record parser takes valid JSON, it reads
// what encoding/json reads.
func FuzzFastRecord(f *testing.F) {
	data, err := os.ReadFile("testdata/demo-records.jsonl")
	if err != nil {
		f.Fatal(err)
	}
	for line := range strings.Lines(string(data)) {
		f.Add([]byte(line))
		// And with whitespace between every token.
		var indented bytes.Buffer
		if json.Indent(&indented, []byte(line), " ", "\t") == nil {
			f.Add(indented.Bytes())
		}
	}
	f.Add([]byte(`{"eventTime":"2026-11-01T00:00:00Z","userIdentity":null,"resources":null,"requestParameters":{"keyId":"k","encryptionContext":{"a":"b"},"operations":["Decrypt"]},"eventSource":"kms.amazonaws.com"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if !json.Valid(b) {
			return
		}
		var fast, slow record
		in := newInterner()
		if parseRecord(b, &fast, in) != nil {
			return
		}
		if err := json.Unmarshal(b, &slow); err != nil {
			t.Fatalf("the fast parser takes what encoding/json refuses (%v): %s", err, b)
		}
		var ef, es usage.Event
		errF, errS := fast.event(&ef, in), slow.event(&es, in)
		if (errF == nil) != (errS == nil) || errF == nil && !reflect.DeepEqual(ef, es) {
			t.Fatalf("fast and encoding/json differ on %s:\nfast %+v %v\njson %+v %v", b, ef, errF, es, errS)
		}
	})
}
