package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"sync"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// benchData is the gzip-compressed snapshot the load benchmarks read: the
// file KEYHOUND_BENCH_SNAPSHOT names (keyhound gen's output, say the
// 1,000-account organization of issue #18), or else a generated
// organization of 200 accounts × 2 Regions × 100 roles.
var benchData = sync.OnceValues(func() ([]byte, error) {
	if path := os.Getenv("KEYHOUND_BENCH_SNAPSHOT"); path != "" {
		return os.ReadFile(path)
	}
	var buf bytes.Buffer
	opts := gen.Options{Accounts: 200, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02}
	if err := snapshot.Write(&buf, gen.Organization(opts), true); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
})

func benchSnapshot(b *testing.B) (gz, raw []byte) {
	b.Helper()
	gz, err := benchData()
	if err != nil {
		b.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		b.Fatal(err)
	}
	raw, err = io.ReadAll(zr)
	if err != nil {
		b.Fatal(err)
	}
	return gz, raw
}

// BenchmarkLoad loads a gzip-compressed snapshot as keyhound's commands
// do: gunzip and decode. Run:
//
//	go test -run '^$' -bench Load -benchmem ./graph/snapshot/
//	KEYHOUND_BENCH_SNAPSHOT=/tmp/org1000.json.gz go test -run '^$' -bench Load -benchtime 3x -benchmem ./graph/snapshot/
func BenchmarkLoad(b *testing.B) {
	gz, raw := benchSnapshot(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs, err := snapshot.Load(bytes.NewReader(gz)); err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
	}
}

// BenchmarkDecode decodes the same snapshot uncompressed: the JSON alone.
func BenchmarkDecode(b *testing.B) {
	_, raw := benchSnapshot(b)
	b.SetBytes(int64(len(raw)))
	b.ReportAllocs()
	for b.Loop() {
		if _, errs, err := snapshot.Decode(raw); err != nil || len(errs) > 0 {
			b.Fatal(err, errs)
		}
	}
}
