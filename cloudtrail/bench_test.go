package cloudtrail

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/usage"
)

// genGraph is a generated organization: 50 accounts, 2 Regions, 20 roles
// per account, 5 keys per Region.
func genGraph(tb testing.TB) *graph.Graph {
	tb.Helper()
	return graph.Build(gen.Organization(gen.Options{Accounts: 50, Regions: 2, RolesPerAccount: 20, KeysPerRegion: 5, ResourcesPerKey: 1, Seed: 1}), nil)
}

// genChunks writes n trail files of size records each.
func genChunks(tb testing.TB, g *graph.Graph, n, size, total int) [][]byte {
	tb.Helper()
	gn, err := NewGenerator(g, GenOptions{Seed: 7, Total: total})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		var buf bytes.Buffer
		if err := gn.WriteTrail(&buf, size); err != nil {
			tb.Fatal(err)
		}
		out[i] = buf.Bytes()
	}
	return out
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkParseJoin measures reading a generated trail file of 20,000
// records and joining its events to the graph, on one goroutine: events
// per second and CPU time per event.
func BenchmarkParseJoin(b *testing.B) {
	g := genGraph(b)
	chunk := genChunks(b, g, 1, 20000, 20000)[0]
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	j := usage.New(g)
	cpu := cpuTime()
	events := 0
	for b.Loop() {
		st, err := Read(context.Background(), "bench.json", bytes.NewReader(chunk), Options{}, func(e *usage.Event) error {
			j.Add(e)
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
		events += st.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(events), "cpu-ns/event")
	}
}

// BenchmarkParse measures reading alone.
func BenchmarkParse(b *testing.B) {
	g := genGraph(b)
	chunk := genChunks(b, g, 1, 20000, 20000)[0]
	b.SetBytes(int64(len(chunk)))
	b.ReportAllocs()
	events := 0
	for b.Loop() {
		st, err := Read(context.Background(), "bench.json", bytes.NewReader(chunk), Options{}, func(*usage.Event) error { return nil })
		if err != nil {
			b.Fatal(err)
		}
		events += st.Events
	}
	b.ReportMetric(float64(events)/b.Elapsed().Seconds(), "events/s")
}

// TestScale streams KH_USAGE_EVENTS generated events (8 distinct trail
// files of 25,000 records, read in turn) through parse and join on one
// goroutine, and reports the rate, the CPU time per event and the heap
// after each million (it must not grow with the events). Skipped unless
// KH_USAGE_EVENTS is set: KH_USAGE_EVENTS=10000000 go test ./cloudtrail/ -run TestScale -v
func TestScale(t *testing.T) {
	total, _ := strconv.Atoi(os.Getenv("KH_USAGE_EVENTS"))
	if total == 0 {
		t.Skip("set KH_USAGE_EVENTS")
	}
	g := genGraph(t)
	chunks := genChunks(t, g, 8, 25000, total)
	heap := func() uint64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := heap()
	j := usage.New(g)
	reuse := new(state) // as one worker of ReadConcurrent
	start, cpu := time.Now(), cpuTime()
	events, next := 0, 1_000_000
	for i := 0; events < total; i++ {
		st, err := reuse.read(context.Background(), "gen.json", bytes.NewReader(chunks[i%len(chunks)]), Options{}, func(e *usage.Event) error {
			j.Add(e)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		events += st.Events
		if events >= next {
			el := time.Since(start)
			t.Logf("%11d events  %7.0f events/s  %5.0f cpu-ns/event  heap above the input %6.1f MB  distinct uses %d",
				events, float64(events)/el.Seconds(), float64((cpuTime()-cpu).Nanoseconds())/float64(events),
				float64(int64(heap())-int64(base))/1e6, j.Stats().DistinctUses)
			next += 1_000_000
		}
	}
	r, err := j.Report(usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	unexplained := 0
	for _, u := range r.Unexplained {
		unexplained += u.Uses
	}
	t.Logf("report: %d uses, %d unused edges, %d unexplained uses in %d groups, %d denial groups, in %s",
		len(r.Uses), len(r.Unused), unexplained, len(r.Unexplained), len(r.Denials), time.Since(start))
}

// TestWriteMonth writes KH_USAGE_WRITE_EVENTS generated events (default
// 1,000,000) under the directory KH_USAGE_WRITE as gzip trail files of
// 5,000 records in an AWSLogs tree, for the organization `keyhound gen
// --accounts 50 --regions 2 --roles-per-account 20 --keys-per-region 5
// --resources-per-key 1` writes: input for timing `keyhound usage` end to
// end. Skipped unless KH_USAGE_WRITE is set.
func TestWriteMonth(t *testing.T) {
	dir := os.Getenv("KH_USAGE_WRITE")
	if dir == "" {
		t.Skip("set KH_USAGE_WRITE")
	}
	total, _ := strconv.Atoi(os.Getenv("KH_USAGE_WRITE_EVENTS"))
	if total == 0 {
		total = 1_000_000
	}
	gn, err := NewGenerator(genGraph(t), GenOptions{Seed: 7, Total: total})
	if err != nil {
		t.Fatal(err)
	}
	const per = 5000
	for i := 0; i*per < total; i++ {
		day := i * per * 30 / total
		sub := filepath.Join(dir, "AWSLogs", "100000000000", "CloudTrail", "us-east-1", "2026", "11", fmt.Sprintf("%02d", day+1))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		f, err := os.Create(filepath.Join(sub, fmt.Sprintf("100000000000_CloudTrail_us-east-1_%05d.json.gz", i)))
		if err != nil {
			t.Fatal(err)
		}
		zw := gzip.NewWriter(f)
		if err := gn.WriteTrail(zw, min(per, total-i*per)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}
