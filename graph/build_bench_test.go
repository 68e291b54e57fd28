package graph_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// BenchmarkBuild builds the access graph of a loaded snapshot (the load
// is not timed): the file KEYHOUND_BENCH_SNAPSHOT names, or else a
// generated organization of 200 accounts × 2 Regions × 100 roles. Run:
//
//	go test -run '^$' -bench 'Build$' -benchmem ./graph/
func BenchmarkBuild(b *testing.B) {
	s, errs := benchSnapshot(b)
	b.ReportAllocs()
	for b.Loop() {
		graph.Build(s, errs)
	}
}

// BenchmarkBuildKnownIssues builds as from a cache hit: the issues known,
// key and resource policies left to parse when asked
// (graph.BuildOptions.KnownIssues). Same snapshot as BenchmarkBuild.
func BenchmarkBuildKnownIssues(b *testing.B) {
	s, errs := benchSnapshot(b)
	o := graph.BuildOptions{KnownIssues: true, Issues: graph.Build(s, errs).Issues}
	b.ReportAllocs()
	for b.Loop() {
		graph.BuildWith(s, errs, o)
	}
}

// benchSnapshot is the snapshot the build benchmarks build.
func benchSnapshot(b *testing.B) (*snapshot.Snapshot, []snapshot.LoadError) {
	b.Helper()
	var s *snapshot.Snapshot
	var errs []snapshot.LoadError
	if path := os.Getenv("KEYHOUND_BENCH_SNAPSHOT"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		if s, errs, err = snapshot.Load(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	} else {
		var buf bytes.Buffer
		opts := gen.Options{Accounts: 200, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02}
		if err := snapshot.Write(&buf, gen.Organization(opts), false); err != nil {
			b.Fatal(err)
		}
		var err error
		if s, errs, err = snapshot.Decode(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
	return s, errs
}
