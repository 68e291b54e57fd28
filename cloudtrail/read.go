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
// It streams: a Records array is walked value by value (lexer.go) and each
// record is decoded alone into a struct of the few fields keyhound reads
// (fastrecord.go, with encoding/json behind it for anything unusual), so
// memory does not grow with the file. Events become usage.Event values; this
// package does the I/O, graph/usage the joining.
package cloudtrail

import (
	"bufio"
	"bytes"
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
	lx      *lexer
	in      *interner
	opts    Options
	fn      func(*usage.Event) error
	stats   Stats
	rec     record
	ev      usage.Event
}

// Read reads the events of one input, named name in errors, calling fn for
// each event within the window, in input order. fn's event is reused: copy
// what it keeps. A gzip stream is recognized by its magic bytes.
func Read(ctx context.Context, name string, r io.Reader, opts Options, fn func(*usage.Event) error) (Stats, error) {
	return new(state).read(ctx, name, r, opts, fn)
}

// state is what one goroutine reuses from file to file: a month of an
// organization's trail is hundreds of thousands of small files.
type state struct {
	in  *interner
	buf []byte
	br  *bufio.Reader
	zr  *gzip.Reader
}

// maxKeptBuffer bounds the lexer buffer kept for the next file.
const maxKeptBuffer = 4 << 20

func (st *state) read(ctx context.Context, name string, r io.Reader, opts Options, fn func(*usage.Event) error) (Stats, error) {
	if st.in == nil {
		st.in = newInterner()
	}
	if st.br == nil {
		st.br = bufio.NewReaderSize(r, 64<<10)
	} else {
		st.br.Reset(r)
	}
	rd := &reader{ctx: ctx, name: name, opts: opts, fn: fn, in: st.in}
	var src io.Reader = st.br
	if magic, _ := st.br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		var err error
		if st.zr == nil {
			st.zr, err = gzip.NewReader(st.br)
		} else {
			err = st.zr.Reset(st.br)
		}
		if err != nil {
			return Stats{}, &ParseError{File: name, Err: fmt.Errorf("gzip: %w", err)}
		}
		rd.gzipped = true
		src = st.zr
	}
	if st.buf == nil {
		st.buf = make([]byte, 0, 256<<10)
	}
	rd.lx = &lexer{r: src, buf: st.buf[:0]}
	rd.stats.Files = 1
	err := rd.top()
	if cap(rd.lx.buf) <= maxKeptBuffer {
		st.buf = rd.lx.buf[:0]
	} else {
		st.buf = nil
	}
	return rd.stats, err
}

// failAt is the error for the value at offset.
func (rd *reader) failAt(off int64, path string, err error) error {
	if pe, ok := errors.AsType[*ParseError](err); ok {
		return pe
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &ParseError{File: rd.name, Offset: off, Path: path, Gzipped: rd.gzipped, Err: err}
}

func (rd *reader) fail(path string, err error) error { return rd.failAt(rd.lx.offset(), path, err) }

func (rd *reader) form(f Form) {
	if rd.stats.Forms == nil {
		rd.stats.Forms = map[Form]int{}
	}
	rd.stats.Forms[f]++
}

// top reads the input's top-level values: containers, arrays of records,
// records (JSON lines).
func (rd *reader) top() error {
	records := false
	for n := 0; ; n++ {
		path := "$"
		if n > 0 {
			path = "value " + strconv.Itoa(n+1)
		}
		c, ok := rd.lx.peek()
		if !ok {
			if err := rd.lx.err; err != nil && !errors.Is(err, io.EOF) {
				return rd.fail(path, err)
			}
			if n == 0 {
				return rd.fail(path, errors.New("empty input: "+errNotCloudTrail.Error()))
			}
			return nil
		}
		var err error
		switch {
		case c == '[' && !records:
			rd.lx.pos++
			rd.form(FormRecords)
			err = rd.elements(path, rd.record)
		case c == '{' && (records || recordKeys[rd.lx.firstKey()]):
			if !records {
				records = true
				rd.form(FormRecords)
			}
			err = rd.record(elemPath{path, -1})
		case c == '{':
			err = rd.container(path)
		case records:
			return rd.fail(path, fmt.Errorf("invalid character %q: expected a record", c))
		default:
			return rd.fail(path, errNotCloudTrail)
		}
		if err != nil {
			return err
		}
	}
}

// recordKeys are fields every record has: a top-level object that starts
// with one is a record.
var recordKeys = map[string]bool{
	"eventVersion": true, "userIdentity": true, "eventTime": true, "eventSource": true,
	"eventName": true, "awsRegion": true, "eventID": true, "eventType": true,
}

// container reads a top-level object that holds events: a trail file,
// lookup-events output, Lake results; or a digest file, which holds none.
func (rd *reader) container(path string) error {
	lx := rd.lx
	start := lx.offset()
	if err := lx.expect('{'); err != nil {
		return rd.fail(path, err)
	}
	found, digest := false, false
	if c, _ := lx.peek(); c == '}' {
		lx.pos++
	} else {
		for {
			key, err := lx.key()
			if err != nil {
				return rd.fail(path, err)
			}
			kp := path + "." + key
			switch key {
			case "Records":
				found = true
				rd.form(FormTrail)
				err = rd.array(kp, rd.record)
			case "Events":
				found = true
				rd.form(FormLookup)
				err = rd.array(kp, rd.lookup)
			case "QueryResultRows":
				found = true
				rd.form(FormLake)
				err = rd.array(kp, rd.lakeRow)
			default:
				digest = digest || key == "digestStartTime" || key == "digestPublicKeyFingerprint"
				if _, err = lx.value(); err != nil {
					err = rd.fail(kp, err)
				}
			}
			if err != nil {
				return err
			}
			more, err := lx.next('}')
			if err != nil {
				return rd.fail(path, err)
			}
			if !more {
				break
			}
		}
	}
	switch {
	case found:
		return nil
	case digest:
		rd.form(FormDigest)
		return nil
	}
	return rd.failAt(start, path, errNotCloudTrail)
}

// array reads an array (or null) of elements.
func (rd *reader) array(path string, each func(elemPath) error) error {
	c, ok := rd.lx.peek()
	switch {
	case ok && c == 'n':
		v, err := rd.lx.value()
		if err == nil && string(v) != "null" {
			err = fmt.Errorf("expected an array, found %s", v)
		}
		if err != nil {
			return rd.fail(path, err)
		}
		return nil
	case ok && c == '[':
		rd.lx.pos++
		return rd.elements(path, each)
	case ok:
		return rd.fail(path, fmt.Errorf("expected an array, found %q", c))
	}
	return rd.fail(path, rd.lx.readErr())
}

// elemPath is a value's JSON path, formatted only for an error (a path
// string per record was an allocation per record).
type elemPath struct {
	parent string
	i      int // -1: the parent is the path
}

func (p elemPath) String() string {
	if p.i < 0 {
		return p.parent
	}
	return p.parent + "[" + strconv.Itoa(p.i) + "]"
}

// elements reads an array's elements, its '[' read.
func (rd *reader) elements(path string, each func(elemPath) error) error {
	if c, ok := rd.lx.peek(); ok && c == ']' {
		rd.lx.pos++
		return nil
	}
	for i := 0; ; i++ {
		if err := each(elemPath{path, i}); err != nil {
			return err
		}
		more, err := rd.lx.next(']')
		if err != nil {
			return rd.fail(path, err)
		}
		if !more {
			return nil
		}
	}
}

// record reads one record: parsed in place when the buffer holds it whole,
// else read whole first.
func (rd *reader) record(at elemPath) error {
	lx := rd.lx
	if c, ok := lx.peek(); ok && c == '{' {
		if len(lx.buf)-lx.pos < 64<<10 {
			lx.fill()
		}
		rec := &rd.rec
		rec.reset()
		if n, err := parseRecordPrefix(lx.buf[lx.pos:], rec, rd.in); err == nil {
			start := lx.offset()
			lx.pos += n
			return rd.emit(start, rec, at)
		}
	}
	start := rd.lx.offset()
	v, err := rd.lx.value()
	if err != nil {
		return rd.failAt(start, at.String(), err)
	}
	return rd.decode(start, at, v)
}

// decode decodes a record's bytes and passes the event on.
func (rd *reader) decode(start int64, at elemPath, v []byte) error {
	if v[0] != '{' {
		return rd.failAt(start, at.String(), fmt.Errorf("expected a record object, found %.20s", v))
	}
	rec := &rd.rec
	rec.reset()
	if parseRecord(v, rec, rd.in) != nil {
		*rec = record{}
		if err := json.Unmarshal(v, rec); err != nil {
			return rd.failAt(start, at.String(), err)
		}
	}
	return rd.emit(start, rec, at)
}

// lookup reads one of lookup-events' Events: the record is the string
// CloudTrailEvent.
func (rd *reader) lookup(at elemPath) error {
	path := at.String()
	start := rd.lx.offset()
	v, err := rd.lx.value()
	if err != nil {
		return rd.failAt(start, path, err)
	}
	var le struct {
		CloudTrailEvent *string `json:"CloudTrailEvent"`
	}
	if err := json.Unmarshal(v, &le); err != nil {
		return rd.failAt(start, path, err)
	}
	path += ".CloudTrailEvent"
	if le.CloudTrailEvent == nil {
		return rd.failAt(start, path, errors.New("missing: lookup-events prints each event's record there"))
	}
	inner := []byte(*le.CloudTrailEvent)
	if !json.Valid(inner) {
		var rec record
		return rd.failAt(start, path, fmt.Errorf("the record: %w", json.Unmarshal(inner, &rec)))
	}
	return rd.decode(start, elemPath{path, -1}, bytes.TrimSpace(inner))
}

// emit converts a record and passes it on when within the window.
func (rd *reader) emit(start int64, rec *record, at elemPath) error {
	if err := rec.event(&rd.ev, rd.in); err != nil {
		return rd.failAt(start, at.String(), err)
	}
	if !rd.opts.keep(rd.ev.Time) {
		rd.stats.Skipped++
		return nil
	}
	rd.stats.Events++
	if rd.stats.Events&4095 == 0 {
		if err := rd.ctx.Err(); err != nil {
			return err
		}
	}
	if err := rd.fn(&rd.ev); err != nil {
		return fmt.Errorf("%s: %s: %w", rd.name, at, err)
	}
	return nil
}
