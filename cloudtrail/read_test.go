package cloudtrail

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph/usage"
)

// readAll reads path's events, sorted by event ID.
func readAll(t *testing.T, path string, o Options) ([]usage.Event, Stats) {
	t.Helper()
	var out []usage.Event
	st, err := ReadPath(context.Background(), path, o, func(e *usage.Event) error {
		out = append(out, *e)
		return nil
	})
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	slices.SortFunc(out, func(a, b usage.Event) int { return strings.Compare(a.EventID, b.EventID) })
	return out, st
}

// TestFormsAgree reads the demo fixture in every form: each gives the same
// events.
func TestFormsAgree(t *testing.T) {
	want, st := readAll(t, "testdata/demo-trail.json", Options{})
	if len(want) != 19 || st.Forms[FormTrail] != 1 {
		t.Fatalf("trail: %d events, forms %v", len(want), st.Forms)
	}
	forms := map[string]Form{
		Demo:                               FormTrail,
		"testdata/AWSLogs":                 FormTrail,
		"testdata/demo-lookup-events.json": FormLookup,
		"testdata/demo-lake.json":          FormLake,
		"testdata/demo-records.jsonl":      FormRecords,
	}
	for path, form := range forms {
		got, st := readAll(t, path, Options{})
		if st.Forms[form] == 0 {
			t.Errorf("%s: read as %v, want %s", path, st.Forms, form)
		}
		if len(got) != len(want) {
			t.Errorf("%s: %d events, want %d", path, len(got), len(want))
			continue
		}
		for i := range want {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Errorf("%s: event %s\n got %+v\nwant %+v", path, want[i].EventID, got[i], want[i])
			}
		}
	}
	_, st = readAll(t, "testdata/AWSLogs", Options{})
	if st.Forms[FormDigest] != 0 || st.Files != 18 {
		t.Errorf("the tree: %d files, forms %v (the digest tree is skipped)", st.Files, st.Forms)
	}
}

func TestFields(t *testing.T) {
	evs, _ := readAll(t, "testdata/demo-trail.json", Options{})
	byID := map[string]usage.Event{}
	for _, e := range evs {
		byID[e.EventID] = e
	}
	e := byID["evt-0003"]
	if e.Identity.IssuerARN != "arn:aws:iam::222222222222:role/DataEngineer" || e.SharedEventID != "shared-0001" || e.Time != time.Date(2026, 11, 5, 8, 0, 0, 0, time.UTC) {
		t.Errorf("evt-0003: %+v", e)
	}
	if e := byID["evt-0001"]; e.Identity.InvokedBy != "s3.amazonaws.com" || e.EncryptionContext["aws:s3:arn"] == "" || len(e.Resources) != 1 || e.Resources[0].Type != "AWS::KMS::Key" {
		t.Errorf("evt-0001: %+v", e)
	}
	if e := byID["evt-0006"]; e.GrantID == "" || e.GranteePrincipal != "ec2.amazonaws.com" || len(e.GrantOperations) != 6 {
		t.Errorf("evt-0006 (CreateGrant): %+v", e)
	}
	if e := byID["evt-0017"]; e.ErrorCode != "KMSInvalidStateException" || !strings.Contains(e.ErrorMessage, "pending deletion") {
		t.Errorf("evt-0017: %+v", e)
	}
}

func TestWindow(t *testing.T) {
	o := Options{Since: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Until: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)}
	evs, st := readAll(t, "testdata/AWSLogs", o)
	if len(evs) != 16 || st.Skipped != 3 {
		t.Errorf("window: %d events, %d skipped; want 16 and 3", len(evs), st.Skipped)
	}
	for _, e := range evs {
		if e.Time.Before(o.Since) || !e.Time.Before(o.Until) {
			t.Errorf("%s at %s is outside the window", e.EventID, e.Time)
		}
	}
}

func TestBadInput(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, "empty input"},
		{`{"foo": 1}`, "x.json: byte 0, $: not CloudTrail events"},
		{`{"Records": [{"eventTime": "2026-11-01T00:00:00Z"}, {"eventTime": 5}]}`, `x.json: byte 52, $.Records[1]: json: cannot unmarshal number`},
		{`{"Records": [{"eventTime": "yesterday"}]}`, `$.Records[0]: eventTime "yesterday" is not a time`},
		{`{"Records": [{"eventName": "Decrypt"}]}`, `$.Records[0]: eventTime: missing`},
		{`{"Events": [{"CloudTrailEvent": "{not json"}]}`, `$.Events[0].CloudTrailEvent: the record: invalid character`},
		{`{"QueryResultRows": [[{"eventTime": "2026-11-01 00:00:00.000"}, {"userIdentity": "{type=IAMUser, arn"}]]}`, `$.QueryResultRows[0].userIdentity: expected key=value`},
		{"{\"eventTime\": \"2026-11-01T00:00:00Z\"}\n{\"eventTime\": \"2026-11-01T00:00:00Z\"}\n[", "value 3: invalid character '[': expected a record"},
		{`{"Records": [`, "unexpected EOF"},
		{`42`, "not CloudTrail events"},
		{`{"eventTime": "2026-11-01T00:00:00Z", "requestParameters": {"keyId": 5}, "eventSource": "kms.amazonaws.com"}`, "$: requestParameters: json: cannot unmarshal number"},
	}
	for _, c := range cases {
		_, err := Read(context.Background(), "x.json", strings.NewReader(c.in), Options{}, func(*usage.Event) error { return nil })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to contain %q", c.in, err, c.want)
			continue
		}
		if _, ok := errors.AsType[*ParseError](err); !ok {
			t.Errorf("%q: %T is not a *ParseError", c.in, err)
		}
	}
}

func TestLakeJSON(t *testing.T) {
	cases := map[string]string{
		`{type=IAMUser, arn=arn:aws:iam::1:user/a, sessionContext={sessionIssuer={arn=x}}}`: `{"arn":"arn:aws:iam::1:user/a","sessionContext":{"sessionIssuer":{"arn":"x"}},"type":"IAMUser"}`,
		`[{ARN=a, accountId=1}, {ARN=b}]`:         `[{"ARN":"a","accountId":"1"},{"ARN":"b"}]`,
		`{"keyId":"k"}`:                           `{"keyId":"k"}`,
		`{operations=[Decrypt, Encrypt], x=null}`: `{"operations":["Decrypt","Encrypt"],"x":null}`,
		`{}`: `{}`,
	}
	for in, want := range cases {
		got, err := lakeJSON(in)
		if err != nil || string(got) != want {
			t.Errorf("%s: %s, %v; want %s", in, got, err, want)
		}
	}
}
