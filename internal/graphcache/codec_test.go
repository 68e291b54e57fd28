package graphcache

import (
	"bytes"
	"context"
	"crypto/sha256"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

var testID = identity{Version: "test", Fingerprint: Fingerprint(), Snapshot: sha256.Sum256([]byte("snap"))}

// roundTrip encodes s and its load errors to a cache file and decodes it.
func roundTrip(t testing.TB, s *snapshot.Snapshot, errs []snapshot.LoadError) (*snapshot.Snapshot, []snapshot.LoadError) {
	t.Helper()
	var buf bytes.Buffer
	if err := encodeFile(&buf, s, errs, nil, testID); err != nil {
		t.Fatal(err)
	}
	got, gotErrs, _, err := decodeFile(context.Background(), buf.Bytes(), false, testID, nil)
	if err != nil {
		t.Fatal(err)
	}
	return got, gotErrs
}

// sameLoadErrors compares load errors field by field, their error values
// by text (the cache keeps the text).
func sameLoadErrors(t testing.TB, got, want []snapshot.LoadError) {
	t.Helper()
	if (got == nil) != (want == nil) || len(got) != len(want) {
		t.Fatalf("load errors: got %d (nil %v), want %d (nil %v)", len(got), got == nil, len(want), want == nil)
	}
	for i := range want {
		g, w := got[i], want[i]
		if (g.Err == nil) != (w.Err == nil) || (g.Err != nil && g.Err.Error() != w.Err.Error()) {
			t.Errorf("load error %d: Err %v, want %v", i, g.Err, w.Err)
		}
		g.Err, w.Err = nil, nil
		if g != w {
			t.Errorf("load error %d: %+v, want %+v", i, g, w)
		}
	}
}

func TestRoundTripDemo(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	got, gotErrs := roundTrip(t, s, errs)
	if !reflect.DeepEqual(got, s) {
		t.Error("the demo snapshot decoded from the cache differs from its JSON's")
	}
	sameLoadErrors(t, gotErrs, errs)
}

func TestRoundTripGenerated(t *testing.T) {
	for _, o := range []gen.Options{
		{Accounts: 3, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 1},
		{Accounts: 12, Regions: 2, RolesPerAccount: 5, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 7},
		{Accounts: 30, Regions: 3, RolesPerAccount: 4, KeysPerRegion: 2, ResourcesPerKey: 3, Seed: 42, EscalationShare: 0.2},
	} {
		t.Run(strconv.Itoa(o.Accounts), func(t *testing.T) {
			org := gen.Organization(o)
			// As generated, and as read back from its JSON (interned
			// strings, the decoder's nil and empty lists).
			got, _ := roundTrip(t, org, nil)
			if !reflect.DeepEqual(got, org) {
				t.Error("generated organization differs after the cache")
			}
			var js bytes.Buffer
			if err := snapshot.Write(&js, org, false); err != nil {
				t.Fatal(err)
			}
			s, errs, err := snapshot.Decode(js.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			got, gotErrs := roundTrip(t, s, errs)
			if !reflect.DeepEqual(got, s) {
				t.Error("decoded organization differs after the cache")
			}
			sameLoadErrors(t, gotErrs, errs)
		})
	}
}

// filler sets every field of a value: lists and maps nil, empty, or with
// one item each; pointers nil or set; strings and numbers distinct.
type filler struct {
	mode string // "nil", "empty", "full"
	n    int
}

func (f *filler) fill(v reflect.Value, depth int) {
	f.n++
	switch v.Kind() {
	case reflect.String:
		v.SetString("s" + strconv.Itoa(f.n))
	case reflect.Bool:
		v.SetBool(f.n%2 == 0)
	case reflect.Int, reflect.Int64:
		v.SetInt(int64(f.n) - 40)
	case reflect.Pointer:
		if f.mode == "nil" && depth > 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		f.fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		switch f.mode {
		case "empty":
			v.Set(reflect.MakeSlice(v.Type(), 0, 0))
		case "full":
			s := reflect.MakeSlice(v.Type(), 2, 2)
			f.fill(s.Index(0), depth+1)
			f.fill(s.Index(1), depth+1)
			v.Set(s)
		}
	case reflect.Map:
		switch f.mode {
		case "empty":
			v.Set(reflect.MakeMap(v.Type()))
		case "full":
			m := reflect.MakeMap(v.Type())
			for range 2 {
				e := reflect.New(v.Type().Elem()).Elem()
				f.fill(e, depth+1)
				f.n++
				m.SetMapIndex(reflect.ValueOf("k"+strconv.Itoa(f.n)).Convert(v.Type().Key()), e)
			}
			// A nil value beside set ones, where values are pointers.
			if v.Type().Elem().Kind() == reflect.Pointer {
				m.SetMapIndex(reflect.ValueOf("nil").Convert(v.Type().Key()), reflect.Zero(v.Type().Elem()))
			}
			v.Set(m)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				f.fill(v.Field(i), depth)
			}
		}
	}
}

// TestRoundTripEveryField fills every field of a snapshot three ways —
// every list, map and pointer nil; every one empty (pointers set to
// empty values); every one with items — and finds each the same after
// the cache: nil and empty stay apart.
func TestRoundTripEveryField(t *testing.T) {
	for _, mode := range []string{"nil", "empty", "full"} {
		t.Run(mode, func(t *testing.T) {
			f := &filler{mode: mode}
			s := &snapshot.Snapshot{}
			f.fill(reflect.ValueOf(s).Elem(), 0)
			if mode != "nil" && s.Accounts == nil {
				t.Fatal("filler left the accounts nil")
			}
			var errs []snapshot.LoadError
			if mode == "empty" {
				errs = []snapshot.LoadError{}
			}
			if mode == "full" {
				errs = []snapshot.LoadError{{Account: "a", Region: "r", Item: "i", Path: "p", Message: "m", Err: errString("m")}, {Path: "q"}}
			}
			got, gotErrs := roundTrip(t, s, errs)
			if !reflect.DeepEqual(got, s) {
				t.Errorf("%s: snapshot differs after the cache", mode)
			}
			sameLoadErrors(t, gotErrs, errs)
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

// TestEncodingIsDeterministic: maps are written in key order, so the same
// snapshot gives the same bytes.
func TestEncodingIsDeterministic(t *testing.T) {
	org := gen.Organization(gen.Options{Accounts: 10, Regions: 2, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: 3})
	var a, b bytes.Buffer
	if err := encodeFile(&a, org, nil, nil, testID); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b.Reset()
		if err := encodeFile(&b, org, nil, nil, testID); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatal("two encodings of the same snapshot differ")
		}
	}
}

func TestCompileRefusesWhatItCannotKeep(t *testing.T) {
	type inner struct {
		Public string
		ok     string //nolint:unused // the field the codec must refuse
	}
	type withInner struct {
		A []inner
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{struct{ A, b string }{}, ".b: unexported"},
		{withInner{}, ".ok: unexported"},
		{struct{ E error }{}, "kind interface"},
		{struct{ F func() }{}, "kind func"},
		{struct{ C chan int }{}, "kind chan"},
		{struct{ X float64 }{}, "kind float64"},
		{struct{ M map[int]string }{}, "map keys must be strings"},
		{struct{ A [2]string }{}, "kind array"},
		{struct{ P *struct{} }{}, "without fields"},
		{snapshot.LoadError{}, "kind interface"},
	} {
		_, err := codecFor(reflect.TypeOf(tc.v))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%T: err %v, want %q", tc.v, err, tc.want)
		}
	}
	// A type refused is not left half-compiled for the next caller.
	if _, err := codecFor(reflect.TypeOf(withInner{})); err == nil {
		t.Error("the second compile of a refused type succeeded")
	}
}

// TestRecursiveType: a type that holds itself compiles and round-trips.
func TestRecursiveType(t *testing.T) {
	type node struct {
		Name     string
		Children []*node
		Next     *node
	}
	c, err := codecFor(reflect.TypeOf(&node{}))
	if err != nil {
		t.Fatal(err)
	}
	in := &node{Name: "a", Children: []*node{{Name: "b"}, nil}, Next: &node{Name: "c", Children: []*node{}}}
	e := &encoder{strs: newStringTable()}
	c.enc(e, reflect.ValueOf(in))
	strs, err := decodeStrings(e.strs.encode(), false)
	if err != nil {
		t.Fatal(err)
	}
	var out *node
	d := &decoder{b: e.buf, strs: strs}
	c.dec(d, reflect.ValueOf(&out).Elem())
	if d.err != nil || !reflect.DeepEqual(in, out) {
		t.Errorf("recursive round trip: %v, %+v", d.err, out)
	}
}

// TestLayoutSeesFieldChanges: the fingerprint's description changes with
// a field's type or name, whatever the version says.
func TestLayoutSeesFieldChanges(t *testing.T) {
	describe := func(v any) string {
		var parts []string
		layout(reflect.TypeOf(v), map[reflect.Type]bool{}, &parts)
		return strings.Join(parts, "\n")
	}
	a := describe(struct{ X string }{})
	for _, v := range []any{struct{ X int }{}, struct{ Y string }{}, struct{ X, Y string }{}, struct{ X []string }{}} {
		if describe(v) == a {
			t.Errorf("%T describes as %T", v, struct{ X string }{})
		}
	}
	if fp := Fingerprint(); len(fp) != 16 || fp != fingerprint() {
		t.Errorf("Fingerprint() = %q", Fingerprint())
	}
}

// Every field of snapshot.LoadError has its place in the file's mirror
// type (Err as its text): a field added to LoadError must be added there
// too, or this fails, rather than be dropped from every cached load.
func TestLoadErrorFieldsMirrored(t *testing.T) {
	mirror := reflect.TypeFor[loadError]()
	for f := range reflect.TypeFor[snapshot.LoadError]().Fields() {
		name := f.Name
		if name == "Err" {
			name = "ErrText"
		}
		if _, ok := mirror.FieldByName(name); !ok {
			t.Errorf("snapshot.LoadError.%s is not kept in a cache file (loadError has no %s)", f.Name, name)
		}
	}
}

// TestIntegerKinds: every integer width round-trips at its bounds, and a
// value one past them is refused, not wrapped.
func TestIntegerKinds(t *testing.T) {
	type ints struct {
		I8  int8
		I16 int16
		I32 int32
		I64 int64
		I   int
		U8  uint8
		U16 uint16
		U32 uint32
		U64 uint64
		U   uint
		B   bool
		S   string
	}
	c, err := codecFor(reflect.TypeOf(ints{}))
	if err != nil {
		t.Fatal(err)
	}
	roundTrip := func(in ints) (ints, error) {
		e := &encoder{strs: newStringTable()}
		c.enc(e, reflect.ValueOf(in))
		strs, err := decodeStrings(e.strs.encode(), false)
		if err != nil {
			t.Fatal(err)
		}
		var out ints
		d := &decoder{b: e.buf, strs: strs}
		c.dec(d, reflect.ValueOf(&out).Elem())
		return out, d.err
	}
	for _, in := range []ints{
		{},
		{I8: -128, I16: -32768, I32: -1 << 31, I64: -1 << 63, I: -1 << 63, B: true, S: "s"},
		{I8: 127, I16: 32767, I32: 1<<31 - 1, I64: 1<<63 - 1, I: 1<<63 - 1, U8: 255, U16: 65535, U32: 1<<32 - 1, U64: 1<<64 - 1, U: 1<<64 - 1},
	} {
		if out, err := roundTrip(in); err != nil || out != in {
			t.Errorf("%+v: got %+v, %v", in, out, err)
		}
	}
	// One past the bounds: an int16 and a uint16 encoded where an int8 and
	// a uint8 are read.
	type wide struct{ A, B int16 }
	type narrow struct{ A, B int8 }
	type wideU struct{ A, B uint16 }
	type narrowU struct{ A, B uint8 }
	for _, tc := range []struct {
		in, out any
		want    string
	}{
		{wide{A: 128}, &narrow{}, "int overflows int8"},
		{wide{A: 1, B: -129}, &narrow{}, "int overflows int8"},
		{wideU{A: 256}, &narrowU{}, "uint overflows uint8"},
	} {
		wc, err := codecFor(reflect.TypeOf(tc.in))
		if err != nil {
			t.Fatal(err)
		}
		nc, err := codecFor(reflect.TypeOf(tc.out).Elem())
		if err != nil {
			t.Fatal(err)
		}
		e := &encoder{strs: newStringTable()}
		wc.enc(e, reflect.ValueOf(tc.in))
		d := &decoder{b: e.buf}
		nc.dec(d, reflect.ValueOf(tc.out).Elem())
		if d.err == nil || !strings.Contains(d.err.Error(), tc.want) {
			t.Errorf("%+v into %T: %v, want %q", tc.in, tc.out, d.err, tc.want)
		}
	}
}

// decodeStrings with keep gives the table's own bytes, copies none, and
// the same strings as a copy: 140 MB not copied at 5,000 accounts.
func TestDecodeStringsKeep(t *testing.T) {
	tab := newStringTable()
	for _, s := range []string{"", "arn:aws:iam::111111111111:role/a", "x", "", "kms:Decrypt"} {
		tab.ref(s)
	}
	b := tab.encode()
	copied, err := decodeStrings(b, false)
	if err != nil {
		t.Fatal(err)
	}
	kept, err := decodeStrings(b, true)
	if err != nil || !slices.Equal(kept, copied) {
		t.Fatalf("kept %q, copied %q: %v", kept, copied, err)
	}
	within := func(s string) bool {
		p := uintptr(unsafe.Pointer(unsafe.StringData(s)))
		return p >= uintptr(unsafe.Pointer(&b[0])) && p < uintptr(unsafe.Pointer(&b[0]))+uintptr(len(b))
	}
	for i, s := range kept {
		if s != "" && !within(s) {
			t.Errorf("kept string %d %q is a copy", i, s)
		}
		if copied[i] != "" && within(copied[i]) {
			t.Errorf("copied string %d %q is the table's bytes", i, copied[i])
		}
	}
}
