package snapshot

// stagedDecode is the decoder as it was before the splitter (scan.go): each
// level through json.Unmarshal into map[string]json.RawMessage. The tests
// hold decode to it: the same snapshot, the same load errors, the same
// progress, the same failure, on any input.

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"

	"github.com/keyhound/keyhound/graph/arn"
)

func stagedDecode(data []byte, progress func(done, total int)) (*Snapshot, []LoadError, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(data, &top); err != nil {
		return nil, nil, fmt.Errorf("%w: %w", ErrNotSnapshot, jsonErr(err))
	}
	var format string
	if err := json.Unmarshal(top["format"], &format); err != nil || format == "" {
		return nil, nil, fmt.Errorf("%w: no \"format\" field (want %q)", ErrNotSnapshot, Format)
	}
	if format != Format {
		return nil, nil, fmt.Errorf("%w: format %q is not supported (this keyhound reads %q)", ErrNotSnapshot, format, Format)
	}
	d := &stagedDecoder{}
	s := &Snapshot{Format: format, Accounts: map[string]*Account{}}
	d.field(top, "collected_at", "collected_at", &s.CollectedAt)
	d.field(top, "partition", "partition", &s.Partition)
	d.field(top, "tool", "tool", &s.Tool)
	d.field(top, "scope", "scope", &s.Scope)
	if raw := top["organization"]; !isNull(raw) {
		s.Organization = &Organization{}
		d.structFields(raw, "organization", s.Organization)
	}
	var accounts map[string]json.RawMessage
	if raw := top["accounts"]; !isNull(raw) {
		if err := json.Unmarshal(raw, &accounts); err != nil {
			d.fail(LoadError{Path: "accounts", Err: jsonErr(err)})
		}
	}
	for i, id := range sortedKeys(accounts) {
		d.account = id
		s.Accounts[id] = d.decodeAccount(accounts[id], "accounts["+strconv.Quote(id)+"]")
		if progress != nil {
			progress(i+1, len(accounts))
		}
	}
	return s, d.errs, nil
}

type stagedDecoder struct {
	errs    []LoadError
	account string
	region  string
}

func (d *stagedDecoder) fail(e LoadError) {
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
func (d *stagedDecoder) field(obj map[string]json.RawMessage, name, path string, dst any) {
	raw, ok := obj[name]
	if !ok || isNull(raw) {
		return
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		d.fail(LoadError{Path: withField(path, err), Err: jsonErr(err)})
	}
}

func (d *stagedDecoder) decodeAccount(raw json.RawMessage, path string) *Account {
	a := &Account{}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		d.fail(LoadError{Path: path, Err: jsonErr(err)})
		return a
	}
	if !arn.IsAccountID(d.account) {
		d.fail(LoadError{Path: path, Err: fmt.Errorf("account ID %q is not 12 digits", d.account)})
	}
	a.Errors = stagedDecodeList[CollectionError](d, obj["errors"], path+".errors")
	a.EnabledRegions = stagedDecodeList[string](d, obj["enabled_regions"], path+".enabled_regions")
	a.RegionsSkipped = stagedDecodeList[RegionSkip](d, obj["regions_skipped"], path+".regions_skipped")
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
		if err := json.Unmarshal(raw, &regions); err != nil {
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
		var svcs map[string]json.RawMessage
		if err := json.Unmarshal(regions[name], &svcs); err != nil {
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
func (d *stagedDecoder) structFields(raw json.RawMessage, path string, dst any) bool {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
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
func (d *stagedDecoder) decodeSlice(raw json.RawMessage, path string, st reflect.Type) reflect.Value {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		d.fail(LoadError{Path: path, Err: jsonErr(err)})
		return reflect.Zero(st)
	}
	out := reflect.MakeSlice(st, 0, len(items))
	for i, it := range items {
		ip := path + "[" + strconv.Itoa(i) + "]"
		ev := reflect.New(st.Elem())
		if err := json.Unmarshal(it, ev.Interface()); err != nil {
			d.fail(LoadError{Path: withField(ip, err), Item: itemName(it), Err: jsonErr(err)})
			continue
		}
		out = reflect.Append(out, ev.Elem())
	}
	return out
}

func stagedDecodeList[T any](d *stagedDecoder, raw json.RawMessage, path string) []T {
	if isNull(raw) {
		return nil
	}
	var zero []T
	return d.decodeSlice(raw, path, reflect.TypeOf(zero)).Interface().([]T)
}
