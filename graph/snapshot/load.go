package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/keyhound/keyhound/graph/arn"
)

// LoadError is one part of a snapshot that could not be read. The part is
// left out; the rest of the snapshot loads.
type LoadError struct {
	Account string `json:"account,omitempty"`
	Region  string `json:"region,omitempty"`
	// Item names the item when it can be told (a key ARN, a role name).
	Item string `json:"item,omitempty"`
	// Path is the JSON path of the bad value in the snapshot.
	Path string `json:"path"`
	Err  error  `json:"-"`
	// Message is Err's text, for JSON output.
	Message string `json:"message"`
}

func (e *LoadError) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Item != "" {
		b.WriteString(" (" + e.Item + ")")
	}
	b.WriteString(": " + e.Message)
	return b.String()
}

func (e *LoadError) Unwrap() error { return e.Err }

// ErrNotSnapshot is returned for input that is not a keyhound snapshot at all.
var ErrNotSnapshot = errors.New("not a keyhound snapshot")

// gzipMagic starts every gzip stream (RFC 1952).
var gzipMagic = []byte{0x1f, 0x8b}

// Load reads a snapshot, gzip-compressed or not (told by its first bytes,
// whatever the file is called). It fails only when the input is not a
// snapshot of a format it knows; every other problem is a LoadError and the
// rest loads.
func Load(r io.Reader) (*Snapshot, []LoadError, error) {
	return LoadReporting(r, nil)
}

// LoadReporting is Load telling progress, when not nil, how many of the
// snapshot's accounts are decoded after each one: a large organization
// takes seconds, and a UI can say so.
func LoadReporting(r io.Reader, progress func(done, total int)) (*Snapshot, []LoadError, error) {
	br := bufio.NewReader(r)
	var data []byte
	if head, err := br.Peek(2); err == nil && bytes.Equal(head, gzipMagic) {
		// The compressed stream is read whole first (a tenth of the
		// size or less): its trailer tells the uncompressed size, so the
		// snapshot is read into one buffer of that size, not copied
		// between growing ones.
		comp, err := readAll(br)
		if err != nil {
			return nil, nil, fmt.Errorf("read snapshot: %w", err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(comp))
		if err != nil {
			return nil, nil, fmt.Errorf("%w: bad gzip stream: %w", ErrNotSnapshot, err)
		}
		defer func() { _ = zr.Close() }()
		if data, err = readSized(zr, gzipSize(comp)); err != nil {
			return nil, nil, fmt.Errorf("read snapshot: %w", err)
		}
	} else {
		var err error
		if data, err = readAll(br); err != nil {
			return nil, nil, fmt.Errorf("read snapshot: %w", err)
		}
	}
	return decode(data, progress)
}

// gzipSize is the uncompressed size a gzip stream's trailer tells (RFC
// 1952: ISIZE, the size modulo 2³², of its last member), as a hint: at
// most 64 times the compressed size (and 2 GiB), since a truncated or odd
// stream's trailer may tell anything.
func gzipSize(comp []byte) int {
	if len(comp) < 18 {
		return 0
	}
	size := int64(binary.LittleEndian.Uint32(comp[len(comp)-4:]))
	return int(min(size, 64*int64(len(comp)), math.MaxInt32))
}

// readSized reads r to its end into a buffer of size bytes, grown if r
// holds more.
func readSized(r io.Reader, size int) ([]byte, error) {
	buf := make([]byte, 0, size+1) // +1: EOF is then read without growing
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

// readAll is io.ReadAll without its growing copies (a large snapshot is
// hundreds of megabytes once uncompressed): it reads into chunks, then
// joins them once.
func readAll(r io.Reader) ([]byte, error) {
	var chunks [][]byte
	size := 64 << 10
	for {
		chunk := make([]byte, 0, size)
		for len(chunk) < cap(chunk) {
			n, err := r.Read(chunk[len(chunk):cap(chunk)])
			chunk = chunk[:len(chunk)+n]
			if err == io.EOF {
				if len(chunks) == 0 {
					return chunk, nil
				}
				return bytes.Join(append(chunks, chunk), nil), nil
			}
			if err != nil {
				return nil, err
			}
		}
		chunks = append(chunks, chunk)
		size = min(2*size, 16<<20)
	}
}

// Decode is Load for uncompressed bytes.
func Decode(data []byte) (*Snapshot, []LoadError, error) { return decode(data, nil) }

func decode(data []byte, progress func(done, total int)) (*Snapshot, []LoadError, error) {
	top, accounts, split := splitSnapshot(data)
	if !split {
		// Not JSON, not an object, or (a splitter bug) valid after all:
		// encoding/json decides.
		if err := json.Unmarshal(data, &top); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrNotSnapshot, jsonErr(err))
		}
		accounts = nil
	}
	var format string
	if err := json.Unmarshal(top["format"], &format); err != nil || format == "" {
		return nil, nil, fmt.Errorf("%w: no \"format\" field (want %q)", ErrNotSnapshot, Format)
	}
	if format != Format {
		return nil, nil, fmt.Errorf("%w: format %q is not supported (this keyhound reads %q)", ErrNotSnapshot, format, Format)
	}
	d := &decoder{}
	s := &Snapshot{Format: format, Accounts: map[string]*Account{}}
	d.field(top, "collected_at", "collected_at", &s.CollectedAt)
	d.field(top, "partition", "partition", &s.Partition)
	d.field(top, "tool", "tool", &s.Tool)
	d.field(top, "scope", "scope", &s.Scope)
	if raw := top["organization"]; !isNull(raw) {
		s.Organization = &Organization{}
		d.structFields(raw, "organization", s.Organization)
	}
	if raw := top["accounts"]; !isNull(raw) && accounts == nil {
		var err error
		if accounts, err = d.ix.splitObject(raw, nil); err != nil {
			d.fail(LoadError{Path: "accounts", Err: jsonErr(err)})
		}
	}
	ids := sortedKeys(accounts)
	decodeAccounts(ids, accounts, &interner{}, func(i int, a *Account, errs []LoadError) {
		s.Accounts[ids[i]] = a
		d.errs = append(d.errs, errs...)
		if progress != nil {
			progress(i+1, len(ids))
		}
	})
	return s, d.errs, nil
}

type decoder struct {
	ix      *index // the account's, while one is decoded
	errs    []LoadError
	account string
	region  string
}

func (d *decoder) fail(e LoadError) {
	if e.Account == "" {
		e.Account = d.account
	}
	if e.Region == "" {
		e.Region = d.region
	}
	e.Message = e.Err.Error()
	d.errs = append(d.errs, e)
}

// field decodes top[name] into dst when present.
func (d *decoder) field(obj map[string]json.RawMessage, name, path string, dst any) {
	raw, ok := obj[name]
	if !ok || isNull(raw) {
		return
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		d.fail(LoadError{Path: withField(path, err), Err: jsonErr(err)})
	}
}

func (d *decoder) decodeAccount(raw json.RawMessage, path string) *Account {
	a := &Account{}
	obj, err := d.ix.splitObject(raw, nil)
	if err != nil {
		d.fail(LoadError{Path: path, Err: jsonErr(err)})
		return a
	}
	if !arn.IsAccountID(d.account) {
		d.fail(LoadError{Path: path, Err: fmt.Errorf("account ID %q is not 12 digits", d.account)})
	}
	a.Errors = decodeList[CollectionError](d, obj["errors"], path+".errors")
	a.EnabledRegions = decodeList[string](d, obj["enabled_regions"], path+".enabled_regions")
	a.RegionsSkipped = decodeList[RegionSkip](d, obj["regions_skipped"], path+".regions_skipped")
	d.field(obj, "scanned_as", path+".scanned_as", &a.ScannedAs)
	if raw := obj["iam"]; !isNull(raw) {
		a.IAM = &IAM{}
		d.structFields(raw, path+".iam", a.IAM)
	}
	if raw := obj["s3control"]; !isNull(raw) {
		// A bad value in it would read as "none": the section is then not
		// collected.
		before := len(d.errs)
		a.S3Control = &S3Control{}
		if d.structFields(raw, path+".s3control", a.S3Control); len(d.errs) > before {
			a.S3Control = nil
		}
	}
	var regions map[string]json.RawMessage
	if raw := obj["regions"]; !isNull(raw) {
		if regions, err = d.ix.splitObject(raw, nil); err != nil {
			d.fail(LoadError{Path: path + ".regions", Err: jsonErr(err)})
		}
	}
	if regions != nil {
		a.Regions = map[string]*Region{}
	}
	for _, name := range sortedKeys(regions) {
		d.region = name
		rp := path + ".regions[" + strconv.Quote(name) + "]"
		reg := &Region{}
		svcs, err := d.ix.splitObject(regions[name], nil)
		if err != nil {
			d.fail(LoadError{Path: rp, Err: jsonErr(err)})
		}
		// Each service section decodes on its own: a bad one is left out
		// (not collected) and the others load.
		rv := reflect.ValueOf(reg).Elem()
		for i := range rv.NumField() {
			tag := jsonName(rv.Type().Field(i))
			raw, ok := svcs[tag]
			if !ok || isNull(raw) {
				continue
			}
			ptr := reflect.New(rv.Field(i).Type().Elem())
			if d.structFields(raw, rp+"."+tag, ptr.Interface()) {
				rv.Field(i).Set(ptr)
			}
		}
		a.Regions[name] = reg
		d.region = ""
	}
	return a
}

// structFields decodes a JSON object into the struct dst field by field: a
// list field is decoded item by item, so one bad item is left out with a
// LoadError and its neighbours load. It reports whether raw was an object.
func (d *decoder) structFields(raw json.RawMessage, path string, dst any) bool {
	obj, err := d.ix.splitObject(raw, nil)
	if err != nil {
		d.fail(LoadError{Path: path, Err: jsonErr(err)})
		return false
	}
	v := reflect.ValueOf(dst).Elem()
	t := v.Type()
	for i := range t.NumField() {
		name := jsonName(t.Field(i))
		fraw, ok := obj[name]
		if !ok || isNull(fraw) {
			continue
		}
		fp := path + "." + name
		fv := v.Field(i)
		if fv.Kind() == reflect.Slice && fv.Type().Elem().Kind() == reflect.Struct {
			list := d.decodeSlice(fraw, fp, fv.Type())
			fv.Set(list)
			continue
		}
		if err := json.Unmarshal(fraw, fv.Addr().Interface()); err != nil {
			d.fail(LoadError{Path: withField(fp, err), Err: jsonErr(err)})
		}
	}
	return true
}

// decodeSlice decodes a JSON array item by item into a slice of type st.
func (d *decoder) decodeSlice(raw json.RawMessage, path string, st reflect.Type) reflect.Value {
	items, err := d.ix.splitArray(raw)
	if err != nil {
		d.fail(LoadError{Path: path, Err: jsonErr(err)})
		return reflect.Zero(st)
	}
	out := reflect.MakeSlice(st, len(items), len(items))
	n := 0 // items decoded
	for i, it := range items {
		ev := out.Index(n)
		if !fastItem(it, ev) {
			ev.SetZero()
			if err := json.Unmarshal(it, ev.Addr().Interface()); err != nil {
				ev.SetZero()
				ip := path + "[" + strconv.Itoa(i) + "]"
				d.fail(LoadError{Path: withField(ip, err), Item: itemName(it), Err: jsonErr(err)})
				continue
			}
		}
		n++
	}
	out = out.Slice3(0, n, n)
	return out
}

func decodeList[T any](d *decoder, raw json.RawMessage, path string) []T {
	if isNull(raw) {
		return nil
	}
	var zero []T
	return d.decodeSlice(raw, path, reflect.TypeOf(zero)).Interface().([]T)
}

// itemName finds a name for an item that failed to decode.
func itemName(raw json.RawMessage) string {
	var obj map[string]any
	if json.Unmarshal(raw, &obj) != nil {
		return ""
	}
	if km, ok := obj["KeyMetadata"].(map[string]any); ok {
		obj = km
	}
	for _, k := range []string{"Arn", "ARN", "TopicArn", "TableArn", "FunctionArn", "DBSnapshotArn", "QueueUrl", "Name", "RoleName", "UserName", "GroupName", "TableName", "FunctionName", "logGroupName", "VolumeId", "SnapshotId", "VpcEndpointId", "InstanceProfileName", "DBSnapshotIdentifier", "GrantId", "KeyId", "Id"} {
		if s, ok := obj[k].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// withField appends the field an UnmarshalTypeError names to path.
func withField(path string, err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		return path + "." + te.Field
	}
	return path
}

// jsonErr rewords encoding/json errors without Go type names.
func jsonErr(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("want %s, not a JSON %s", kindName(te.Type), te.Value)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("invalid JSON at byte %d: %w", se.Offset, err)
	}
	return err
}

func kindName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int64, reflect.Float64:
		return "a number"
	case reflect.Slice:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	case reflect.Pointer:
		return kindName(t.Elem())
	}
	return t.String()
}

func jsonName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	return name
}

func isNull(raw json.RawMessage) bool {
	return len(raw) == 0 || string(bytes.TrimSpace(raw)) == "null"
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
