package diff

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/changeset"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// BenchmarkChange times a diff of a snapshot with change files applied,
// as diff --snapshot --change computes it: the base graph's build
// (load-s), then the answer (answer-s: apply, the changed graph as
// graph.Rebuild gives it, build-s, and Compare). KEYHOUND_BENCH_SNAPSHOT names the snapshot and
// KEYHOUND_BENCH_CHANGE the change files (comma-separated); without them
// the benchmark is skipped. KEYHOUND_BENCH_FULL=1 times the diff as it was
// before graph.Rebuild: the changed graph built in full, every target and
// finding compared. Run:
//
//	KEYHOUND_BENCH_SNAPSHOT=org1000.json.gz KEYHOUND_BENCH_CHANGE=onekey.yaml \
//	  go test -run '^$' -bench Change -benchtime 1x ./graph/diff/
func BenchmarkChange(b *testing.B) {
	path, changes := os.Getenv("KEYHOUND_BENCH_SNAPSHOT"), os.Getenv("KEYHOUND_BENCH_CHANGE")
	full := os.Getenv("KEYHOUND_BENCH_FULL") != ""
	if path == "" || changes == "" {
		b.Skip("KEYHOUND_BENCH_SNAPSHOT and KEYHOUND_BENCH_CHANGE not set")
	}
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	s, loadErrs, err := snapshot.Load(f)
	_ = f.Close()
	if err != nil {
		b.Fatal(err)
	}
	var cs []changeset.Change
	for _, name := range strings.Split(changes, ",") {
		f, err := os.Open(name)
		if err != nil {
			b.Fatal(err)
		}
		c, err := changeset.Read(f, name)
		_ = f.Close()
		if err != nil {
			b.Fatal(err)
		}
		cs = append(cs, c...)
	}
	start := time.Now()
	old := graph.Build(s, loadErrs)
	load := time.Since(start)
	b.ResetTimer()
	for range b.N {
		b.ReportMetric(load.Seconds(), "load-s")
		start := time.Now()
		changed, _, err := changeset.Apply(s, cs)
		if err != nil {
			b.Fatal(err)
		}
		cur, o := graph.Rebuild(old, changed, loadErrs), Options{}
		if full {
			cur, o = graph.Build(changed, loadErrs), Options{Full: true}
		}
		built := time.Since(start)
		r, err := Compare(context.Background(), old, cur, o)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(built.Seconds(), "build-s")
		b.ReportMetric(time.Since(start).Seconds(), "answer-s")
		b.ReportMetric(float64(len(r.Changes)), "changes")
	}
}
