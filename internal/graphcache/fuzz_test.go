package graphcache

import (
	"bytes"
	"context"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"runtime"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// fuzzSeed is a small cache file, with a "derived" section when derived is
// not nil.
func fuzzSeed(t testing.TB, derived []byte) []byte {
	org := gen.Organization(gen.Options{Accounts: 2, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 1})
	var buf bytes.Buffer
	if err := encodeFile(&buf, org, []snapshot.LoadError{{Path: "p", Message: "m"}}, derived, testID); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// FuzzDecodeFile: no bytes make the cache reader panic or hang; bytes it
// accepts decode to a snapshot that encodes back to them.
func FuzzDecodeFile(f *testing.F) {
	seed := fuzzSeed(f, nil)
	f.Add(seed)
	f.Add(seed[:len(seed)/2])
	f.Add(fuzzSeed(f, []byte("derived bytes")))
	f.Add(fuzzSeed(f, []byte{}))
	f.Add([]byte(magic))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, errs, derived, err := decodeFile(context.Background(), b, false, testID, nil)
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := encodeFile(&again, s, errs, derived, testID); err != nil {
			t.Fatal(err)
		}
		s2, _, derived2, err := decodeFile(context.Background(), again.Bytes(), true, testID, nil) // kept: again is not written to again
		if err != nil || !reflect.DeepEqual(s, s2) {
			t.Fatalf("accepted bytes do not round-trip: %v", err)
		}
		if !bytes.Equal(derived, derived2) || (derived == nil) != (derived2 == nil) {
			t.Fatalf("derived %q (nil %t) comes back %q (nil %t)", derived, derived == nil, derived2, derived2 == nil)
		}
	})
}

// FuzzDecodeAccount feeds the codec raw bytes, past the checksums that
// keep them from it in a file: it must fail cleanly, never panic, and
// allocate no more than a small multiple of its input.
func FuzzDecodeAccount(f *testing.F) {
	rc, err := rootCodecs()
	if err != nil {
		f.Fatal(err)
	}
	org := gen.Organization(gen.Options{Accounts: 1, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 1})
	for _, a := range org.Accounts {
		e := &encoder{strs: newStringTable()}
		rc.account.enc(e, reflect.ValueOf(a))
		f.Add(e.strs.encode(), e.buf)
	}
	f.Add([]byte{0}, []byte{1, 0xff, 0xff, 0xff, 0x0f})
	// A string length near 2⁶⁴ (TestHugeStringLengthRefused).
	f.Add(append(binary.AppendUvarint([]byte{0x02, 0x12}, 1<<64-10), make([]byte, 8)...), []byte{1})
	f.Fuzz(func(_ *testing.T, table, b []byte) {
		strs, err := decodeStrings(table, false)
		if err != nil {
			strs = nil
		}
		var a *snapshot.Account
		d := &decoder{b: b, strs: strs}
		rc.account.dec(d, reflect.ValueOf(&a).Elem())
	})
}

// TestDecodeAllocationBound holds the decoder to what FuzzDecodeAccount's
// comment says, which the fuzzer does not measure: on mutated and cut
// encodings of an account, it allocates no more than a small multiple of
// its input (a count read from the input is bounded by the bytes left).
func TestDecodeAllocationBound(t *testing.T) {
	rc, err := rootCodecs()
	if err != nil {
		t.Fatal(err)
	}
	org := gen.Organization(gen.Options{Accounts: 1, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 1})
	var seed, table []byte
	for _, a := range org.Accounts {
		e := &encoder{strs: newStringTable()}
		rc.account.enc(e, reflect.ValueOf(a))
		seed, table = e.buf, e.strs.encode()
	}
	strs, err := decodeStrings(table, false)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 3000 {
		b := append([]byte(nil), seed...)
		for range 1 + r.IntN(4) {
			i := r.IntN(len(b))
			switch r.IntN(3) {
			case 0:
				b[i] = byte(r.IntN(256))
			case 1:
				b = b[:i]
			default:
				b[i] = 0xff // a large count
			}
			if len(b) == 0 {
				b = []byte{1}
			}
		}
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		var a *snapshot.Account
		rc.account.dec(&decoder{b: b, strs: strs}, reflect.ValueOf(&a).Elem())
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > uint64(64*len(b)+16<<10) {
			t.Fatalf("%d input bytes allocated %d", len(b), got)
		}
	}
}
