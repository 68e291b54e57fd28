// Package cloudtrail reads CloudTrail events for keyhound usage (issue #16)
// in the forms users have them, detected from the content, not the name:
//
//   - the log files a trail delivers to S3, {"Records": [...]}, gzip-compressed
//     or not, one by one or as a directory tree synced with "aws s3 sync"
//     (AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/…; CloudTrail-Digest
//     files are skipped);
//   - the output of "aws cloudtrail lookup-events": {"Events": [{…,
//     "CloudTrailEvent": "<the record as a JSON string>"}]};
//   - CloudTrail Lake query results as "aws cloudtrail get-query-results"
//     prints them: {"QueryResultRows": [[{"column": "value"}, …], …]} (the
//     GetQueryResults API's response), with columns named as the record's
//     fields or their dotted paths (lake.go);
//   - JSON lines (or any sequence) of records, or a JSON array of records.
//
// It streams: a Records array is walked token by token and each record is
// decoded alone into a struct of the few fields keyhound reads, so memory
// does not grow with the file. Events become usage.Event values; this
// package does the I/O, graph/usage the joining.
package cloudtrail

import (
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/keyhound/keyhound/graph/usage"
)

// Options filter the events read.
type Options struct {
	// Since and Until, when set, keep events with Since <= eventTime < Until.
	Since, Until time.Time
}

func (o Options) keep(t time.Time) bool {
	return (o.Since.IsZero() || !t.Before(o.Since)) && (o.Until.IsZero() || t.Before(o.Until))
}

// Form names an input form.
type Form string

// Forms.
const (
	FormTrail   Form = "trail"         // {"Records": [...]}
	FormLookup  Form = "lookup-events" // {"Events": [{"CloudTrailEvent": "…"}]}
	FormLake    Form = "lake"          // {"QueryResultRows": [[{"col": "v"}]]}
	FormRecords Form = "records"       // JSON lines or an array of records
	FormDigest  Form = "digest"        // a CloudTrail-Digest file: no events
)

// Stats count what was read.
type Stats struct {
	Files   int
	Events  int // events passed on
	Skipped int // events outside the time window
	Forms   map[Form]int
}

func (s *Stats) add(o Stats) {
	s.Files += o.Files
	s.Events += o.Events
	s.Skipped += o.Skipped
	for f, n := range o.Forms {
		if s.Forms == nil {
			s.Forms = map[Form]int{}
		}
		s.Forms[f] += n
	}
}

// ParseError is an input that is not CloudTrail events: it names the file,
// the byte offset (in the decompressed stream, for a gzip file) and the
// JSON path of the value at fault.
type ParseError struct {
	File    string
	Offset  int64
	Path    string
	Gzipped bool
	Err     error
}

func (e *ParseError) Error() string {
	where := "byte " + strconv.FormatInt(e.Offset, 10)
	if e.Gzipped {
		where += " (decompressed)"
	}
	if e.Path != "" {
		where += ", " + e.Path
	}
	return fmt.Sprintf("%s: %s: %v", e.File, where, e.Err)
}

func (e *ParseError) Unwrap() error { return e.Err }

// errNotCloudTrail says what was expected.
var errNotCloudTrail = errors.New(`not CloudTrail events: expected a trail log file {"Records": [...]}, lookup-events output {"Events": [...]}, CloudTrail Lake results {"QueryResultRows": [...]}, or JSON lines of records`)

// reader reads one input.
type reader struct {
	ctx     context.Context
	name    string
	gzipped bool
	dec     *json.Decoder
	opts    Options
	fn      func(*usage.Event) error
	stats   Stats
	ev      usage.Event
}

// Read reads the events of one input, named name in errors, calling fn for
// each event within the window, in input order. fn's event is reused: copy
// what it keeps. A gzip stream is recognized by its magic bytes.
func Read(ctx context.Context, name string, r io.Reader, opts Options, fn func(*usage.Event) error) (Stats, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	rd := &reader{ctx: ctx, name: name, opts: opts, fn: fn}
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return Stats{}, &ParseError{File: name, Err: fmt.Errorf("gzip: %w", err)}
		}
		defer func() { _ = zr.Close() }()
		rd.gzipped = true
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	rd.dec = json.NewDecoder(br)
	rd.stats.Files = 1
	err := rd.top()
	return rd.stats, err
}

func (rd *reader) fail(path string, err error) error {
	if pe, ok := errors.AsType[*ParseError](err); ok {
		return pe
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &ParseError{File: rd.name, Offset: rd.dec.InputOffset(), Path: path, Gzipped: rd.gzipped, Err: err}
}

func (rd *reader) form(f Form) {
	if rd.stats.Forms == nil {
		rd.stats.Forms = map[Form]int{}
	}
	rd.stats.Forms[f]++
}

// top reads the input's top-level values.
func (rd *reader) top() error {
	records := false // the input is a sequence of records (JSON lines)
	for n := 0; ; n++ {
		path := "$"
		if n > 0 {
			path = "value " + strconv.Itoa(n+1)
		}
		if records {
			if !rd.dec.More() {
				if _, err := rd.dec.Token(); err != io.EOF {
					return rd.fail(path, fmt.Errorf("expected a record: %w", err))
				}
				return nil
			}
			var rec record
			if err := rd.dec.Decode(&rec); err != nil {
				return rd.fail(path, err)
			}
			if err := rd.emit(&rec, path); err != nil {
				return err
			}
			continue
		}
		tok, err := rd.dec.Token()
		if err == io.EOF {
			if n == 0 {
				return rd.fail(path, errors.New("empty input: "+errNotCloudTrail.Error()))
			}
			return nil
		}
		if err != nil {
			return rd.fail(path, err)
		}
		switch tok {
		case json.Delim('['):
			rd.form(FormRecords)
			if err := rd.array(path, rd.record); err != nil {
				return err
			}
		case json.Delim('{'):
			isRecord, err := rd.object(path)
			if err != nil {
				return err
			}
			if isRecord {
				records = true
				rd.form(FormRecords)
			}
		default:
			return rd.fail(path, errNotCloudTrail)
		}
	}
}

// object reads a top-level object whose '{' was read: a container (trail
// file, lookup-events, Lake results, digest) or a record.
func (rd *reader) object(path string) (bool, error) {
	found := false
	digest := false
	for i := 0; rd.dec.More(); i++ {
		tok, err := rd.dec.Token()
		if err != nil {
			return false, rd.fail(path, err)
		}
		key, _ := tok.(string)
		if i == 0 && recordKeys[key] {
			var rec record
			if err := rd.recordFields(&rec, key, path); err != nil {
				return false, err
			}
			return true, rd.emit(&rec, path)
		}
		kp := path + "." + key
		switch key {
		case "Records":
			found = true
			rd.form(FormTrail)
			err = rd.expectArray(kp, rd.record)
		case "Events":
			found = true
			rd.form(FormLookup)
			err = rd.expectArray(kp, rd.lookup)
		case "QueryResultRows":
			found = true
			rd.form(FormLake)
			err = rd.expectArray(kp, rd.lakeRow)
		default:
			digest = digest || key == "digestStartTime" || key == "digestPublicKeyFingerprint"
			err = rd.skip(kp)
		}
		if err != nil {
			return false, err
		}
	}
	if _, err := rd.dec.Token(); err != nil {
		return false, rd.fail(path, err)
	}
	if !found && digest {
		rd.form(FormDigest)
		return false, nil
	}
	if !found {
		return false, rd.fail(path, errNotCloudTrail)
	}
	return false, nil
}

// recordKeys are fields every record has: a top-level object that starts
// with one is a record.
var recordKeys = map[string]bool{
	"eventVersion": true, "userIdentity": true, "eventTime": true, "eventSource": true,
	"eventName": true, "awsRegion": true, "eventID": true, "eventType": true,
}

func (rd *reader) skip(path string) error {
	var v json.RawMessage
	if err := rd.dec.Decode(&v); err != nil {
		return rd.fail(path, err)
	}
	return nil
}

func (rd *reader) expectArray(path string, each func(string) error) error {
	tok, err := rd.dec.Token()
	if err != nil {
		return rd.fail(path, err)
	}
	if tok == nil { // "Records": null
		return nil
	}
	if tok != json.Delim('[') {
		return rd.fail(path, fmt.Errorf("expected an array, found %v", tok))
	}
	return rd.array(path, each)
}

// array reads the elements of an array whose '[' was read, one at a time.
func (rd *reader) array(path string, each func(string) error) error {
	for i := 0; rd.dec.More(); i++ {
		if err := each(path + "[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	if _, err := rd.dec.Token(); err != nil {
		return rd.fail(path, err)
	}
	return nil
}

func (rd *reader) record(path string) error {
	var rec record
	if err := rd.dec.Decode(&rec); err != nil {
		return rd.fail(path, err)
	}
	return rd.emit(&rec, path)
}

// lookup reads one of lookup-events' Events: the record is the string
// CloudTrailEvent.
func (rd *reader) lookup(path string) error {
	var le struct {
		CloudTrailEvent *string `json:"CloudTrailEvent"`
	}
	if err := rd.dec.Decode(&le); err != nil {
		return rd.fail(path, err)
	}
	path += ".CloudTrailEvent"
	if le.CloudTrailEvent == nil {
		return rd.fail(path, errors.New("missing: lookup-events prints each event's record there"))
	}
	var rec record
	if err := json.Unmarshal([]byte(*le.CloudTrailEvent), &rec); err != nil {
		return rd.fail(path, fmt.Errorf("the record: %w", err))
	}
	return rd.emit(&rec, path)
}

// emit converts a record and passes it on when within the window.
func (rd *reader) emit(rec *record, path string) error {
	ev, err := rec.event()
	if err != nil {
		return rd.fail(path, err)
	}
	if !rd.opts.keep(ev.Time) {
		rd.stats.Skipped++
		return nil
	}
	rd.stats.Events++
	if rd.stats.Events&4095 == 0 {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
	}
	rd.ev = ev
	if err := rd.fn(&rd.ev); err != nil {
		return fmt.Errorf("%s: %s: %w", rd.name, path, err)
	}
	return nil
}
