package graphcache

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// counted is a Derive that returns b and err, counts its calls, and checks
// it is given the snapshot's JSON decoded.
func counted(t *testing.T, want *snapshot.Snapshot, wantErrs []snapshot.LoadError, b []byte, err error) (func(*snapshot.Snapshot, []snapshot.LoadError) ([]byte, error), *int) {
	t.Helper()
	calls := new(int)
	return func(s *snapshot.Snapshot, errs []snapshot.LoadError) ([]byte, error) {
		*calls++
		if !reflect.DeepEqual(s, want) {
			t.Error("Derive was given another snapshot than the JSON's")
		}
		sameLoadErrors(t, errs, wantErrs)
		return b, err
	}, calls
}

// hasDerived reports whether the cache file at path has a "derived"
// section.
func hasDerived(t *testing.T, path string) bool {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, secs, _, err := parseHeader(raw)
	if err != nil {
		t.Fatal(err)
	}
	_, ok := secs[sectionDerived]
	return ok
}

// TestDerive: what Derive returns on a miss is what a hit gives back, and
// Derive is not called on the hit.
func TestDerive(t *testing.T) {
	path := writeOrg(t, 1)
	want, wantErrs := fromJSON(t, path)
	cases := []struct {
		name    string
		nilFunc bool   // no Derive at all
		bytes   []byte // what Derive returns
		err     error  // and its error
		derived []byte // Result.Derived on the hit
	}{
		{name: "bytes", bytes: []byte("issues\x00\xff"), derived: []byte("issues\x00\xff")},
		{name: "an error", bytes: []byte("not kept"), err: errors.New("build failed")},
		{name: "nil", bytes: nil},
		{name: "empty", bytes: []byte{}, derived: []byte{}},
		{name: "no Derive", nilFunc: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			derive, calls := counted(t, want, wantErrs, c.bytes, c.err)
			o := Options{Dir: t.TempDir(), Derive: derive}
			if c.nilFunc {
				o.Derive = nil
			}
			_, _, res := load(t, path, o)
			if res.Status != Miss || res.Derived != nil {
				t.Fatalf("first load: %+v", res)
			}
			if wantCalls := map[bool]int{false: 1, true: 0}[c.nilFunc]; *calls != wantCalls {
				t.Fatalf("Derive called %d times on the miss, want %d", *calls, wantCalls)
			}
			if got := hasDerived(t, res.Path); got != (c.derived != nil) {
				t.Errorf("file has a derived section: %t", got)
			}
			// A later Load with a Derive hits all the same, without it.
			o.Derive = derive
			*calls = 0
			s, _, res := load(t, path, o)
			if res.Status != Hit || !reflect.DeepEqual(s, want) {
				t.Fatalf("second load: %+v", res)
			}
			if *calls != 0 {
				t.Errorf("Derive called %d times on a hit", *calls)
			}
			if !bytes.Equal(res.Derived, c.derived) || (res.Derived == nil) != (c.derived == nil) {
				t.Errorf("Derived %q (nil %t), want %q (nil %t)", res.Derived, res.Derived == nil, c.derived, c.derived == nil)
			}
		})
	}
}

// TestDerivedCorruptRebuilds: a byte flipped in the derived section makes
// the file untrusted; Derive runs again and the rewritten file hits.
func TestDerivedCorruptRebuilds(t *testing.T) {
	path := writeOrg(t, 2)
	want, wantErrs := fromJSON(t, path)
	payload := []byte("derived from the graph")
	derive, calls := counted(t, want, wantErrs, payload, nil)
	o := Options{Dir: t.TempDir(), Derive: derive}
	_, _, res := load(t, path, o)
	good, secs, data := cacheSections(t, res.Path)
	sec, ok := secs[sectionDerived]
	if !ok || sec.Len != uint64(len(payload)) {
		t.Fatalf("derived section %+v (present %t)", sec, ok)
	}
	bad := bytes.Clone(good)
	bad[len(good)-len(data)+int(sec.Off+sec.Len/2)] ^= 0x5a
	if err := os.WriteFile(res.Path, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, res := load(t, path, o)
	if res.Status != Rebuilt || !strings.Contains(res.Reason, "corrupt "+sectionDerived) || res.Derived != nil {
		t.Fatalf("corrupt derived section: %+v", res)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("snapshot differs")
	}
	if *calls != 2 {
		t.Errorf("Derive called %d times, want 2", *calls)
	}
	if now, err := os.ReadFile(res.Path); err != nil || !bytes.Equal(now, good) {
		t.Error("the cache was not written again")
	}
	if _, _, res = load(t, path, o); res.Status != Hit || !bytes.Equal(res.Derived, payload) {
		t.Errorf("after the rebuild: %+v", res)
	}
	if *calls != 2 {
		t.Errorf("Derive called on the hit")
	}
}

// TestDerivedIsACopy: the derived bytes decodeFile returns are not a
// slice of the file's buffer, which must not be kept alive by them.
func TestDerivedIsACopy(t *testing.T) {
	s, errs := fromJSON(t, writeOrg(t, 1))
	payload := []byte("kept apart")
	var buf bytes.Buffer
	if err := encodeFile(&buf, s, errs, payload, testID); err != nil {
		t.Fatal(err)
	}
	file := buf.Bytes()
	_, _, derived, err := decodeFile(context.Background(), file, false, testID, nil)
	if err != nil {
		t.Fatal(err)
	}
	clear(file)
	if !bytes.Equal(derived, payload) {
		t.Errorf("derived %q after the file buffer was cleared, want %q", derived, payload)
	}
	if cap(derived) >= len(file)/2 {
		t.Errorf("derived has capacity %d, of a file of %d bytes", cap(derived), len(file))
	}
}

// TestDeriveNotCalledWithoutCache: a disabled cache, or one whose
// directory cannot be used, writes nothing for Derive to go in.
func TestDeriveNotCalledWithoutCache(t *testing.T) {
	path := writeOrg(t, 1)
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{Disabled: true}, {Dir: filepath.Join(notDir, "cache")}} {
		o.Derive = func(*snapshot.Snapshot, []snapshot.LoadError) ([]byte, error) {
			t.Errorf("Derive called with %+v", o)
			return nil, nil
		}
		if _, _, res, err := Load(context.Background(), path, o); err != nil || res.Derived != nil {
			t.Errorf("%+v: %v, %+v", o, err, res)
		}
	}
}

// cacheSections reads the cache file at path: its bytes, its sections and
// their data.
func cacheSections(t *testing.T, path string) (file []byte, secs map[string]section, data []byte) {
	t.Helper()
	file, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, secs, data, err = parseHeader(file)
	if err != nil {
		t.Fatal(err)
	}
	return file, secs, data
}
