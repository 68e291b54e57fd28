package graphcache

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/internal/smaps"
)

// A mapped cache file's pages that hold no strings (the header, the
// accounts' and the other sections' encodings) are given back once
// decoded: nothing reads them again. The strings' stay, and the snapshot
// reads the same as one decoded from a copy of the file.
func TestDecodeReleasesAllButTheStrings(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 200, Regions: 2, RolesPerAccount: 20, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 1})
	path := filepath.Join(t.TempDir(), "c.khc")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := encodeFile(f, s, nil, []byte("derived"), testID); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	want, _, _, err := decodeFile(context.Background(), mustRead(t, path), false, testID, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, mapped, err := readCacheFile(path, 1<<30)
	if err != nil || !mapped {
		t.Skipf("not mapped here (%v)", err)
	}
	page := os.Getpagesize()
	var sum byte
	for i := 0; i < len(b); i += page { // all in, as a decode would leave them
		sum += b[i]
	}
	sink = sum
	before := mappedRSS(t, b)
	got, _, _, err := decodeFile(context.Background(), b, true, testID, nil)
	if err != nil {
		t.Fatal(err)
	}
	after := mappedRSS(t, b)
	_, secs, data, err := parseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	str := secs[sectionStrings]
	at := len(b) - len(data) + int(str.Off)
	if at < 4*page {
		t.Fatalf("only %d bytes before the strings: too few to test", at)
	}
	// What stays: the strings' pages, give or take the two it shares.
	if after > int(str.Len)+2*page || before-after < at-2*page {
		t.Errorf("the mapping's RSS went from %d to %d bytes; %d of them strings, %d before them", before, after, str.Len, at)
	}
	if !reflect.DeepEqual(got, want) {
		t.Error("the snapshot decoded from the mapping differs from the copy's")
	}
	arn := got.Accounts["100000000001"].IAM.RoleDetailList[0].Arn
	if p := uintptr(unsafe.Pointer(unsafe.StringData(arn))); p < uintptr(unsafe.Pointer(&b[at])) || p >= uintptr(unsafe.Pointer(&b[0]))+uintptr(len(b)) {
		t.Errorf("a role's ARN is not the mapping's own bytes")
	}
}

// mappedRSS is the resident size of the mapping holding b, from
// /proc/self/smaps (mincore would count the page cache's pages, which
// releasing leaves).
func mappedRSS(t *testing.T, b []byte) int {
	t.Helper()
	ms, err := smaps.Read()
	if err != nil {
		t.Skip(err)
	}
	m := smaps.At(ms, uintptr(unsafe.Pointer(&b[0])))
	if m == nil {
		t.Fatal("the mapping is not in /proc/self/smaps")
	}
	return int(m.RSS)
}

var sink byte

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
