package graphcache

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// benchSnapshot is $KEYHOUND_BENCH_SNAPSHOT, else a small generated
// organization written to a temporary file (gzip-compressed).
func benchSnapshot(b *testing.B) string {
	b.Helper()
	if p := os.Getenv("KEYHOUND_BENCH_SNAPSHOT"); p != "" {
		return p
	}
	path := filepath.Join(b.TempDir(), "org.json.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	org := gen.Organization(gen.Options{Accounts: 50, Regions: 2, RolesPerAccount: 10, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 1})
	if err := snapshot.Write(f, org, true); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return path
}

// BenchmarkLoadJSON: the snapshot read, gunzipped and decoded, no cache.
func BenchmarkLoadJSON(b *testing.B) {
	path := benchSnapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, _, err := Load(context.Background(), path, Options{Disabled: true}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadCached: the snapshot read and hashed, its cache read,
// checked and decoded.
func BenchmarkLoadCached(b *testing.B) {
	path := benchSnapshot(b)
	o := Options{Dir: b.TempDir()}
	if _, _, res, err := Load(context.Background(), path, o); err != nil || res.Warning != nil {
		b.Fatal(err, res.Warning)
	}
	b.ReportAllocs()
	for b.Loop() {
		_, _, res, err := Load(context.Background(), path, o)
		if err != nil {
			b.Fatal(err)
		}
		if res.Status != Hit {
			b.Fatalf("status %s: %s", res.Status, res.Reason)
		}
	}
}

// BenchmarkWriteCache: a miss: the JSON decoded and the cache written.
func BenchmarkWriteCache(b *testing.B) {
	path := benchSnapshot(b)
	dir := b.TempDir()
	b.ReportAllocs()
	for b.Loop() {
		_ = os.RemoveAll(dir)
		if _, _, res, err := Load(context.Background(), path, Options{Dir: dir}); err != nil || res.Warning != nil || res.Status != Miss {
			b.Fatal(err, res.Warning, res.Status)
		}
	}
}
