package export

import (
	"context"
	"io"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// countingWriter counts what an export writes.
type countingWriter struct {
	Writer
	nodes, edges atomic.Int64
}

func (c *countingWriter) Node(n Node) error { c.nodes.Add(1); return c.Writer.Node(n) }
func (c *countingWriter) Edge(e Edge) error { c.edges.Add(1); return c.Writer.Edge(e) }

// countingEncoder is a countingWriter of a writer that encodes edges on
// Walk's workers.
type countingEncoder struct {
	*countingWriter
	EdgeEncoder
}

func (c countingEncoder) WriteEncoded(b []byte, n int) error {
	c.edges.Add(int64(n))
	return c.EdgeEncoder.WriteEncoded(b, n)
}

func counting(w Writer) (Writer, *countingWriter) {
	c := &countingWriter{Writer: w}
	if e, ok := w.(EdgeEncoder); ok {
		return countingEncoder{c, e}, c
	}
	return c, c
}

// BenchmarkExportJSON exports a generated organization as JSON (to
// io.Discard) and reports nodes, edges, edges per second, the peak heap
// above the graph's (garbage not yet collected included: with GOGC=100 the
// heap may grow to about twice what is live) and what stays once collected.
// Run: go test -run '^$' -bench ExportJSON -benchtime 1x ./graph/export/
// (-accounts via the sub-benchmark name: 100 and 1000 accounts).
func BenchmarkExportJSON(b *testing.B) {
	for _, accounts := range benchAccounts {
		b.Run(itoa(accounts)+"-accounts", func(b *testing.B) {
			snap := gen.Organization(gen.Options{Accounts: accounts, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1})
			runtime.GC()
			var base runtime.MemStats
			runtime.ReadMemStats(&base)
			g := graph.Build(snap, nil)
			runtime.GC()
			var before runtime.MemStats
			runtime.ReadMemStats(&before)
			graphMB := float64(before.HeapAlloc-min(before.HeapAlloc, base.HeapAlloc)) / 1e6
			peak := atomic.Uint64{}
			done := make(chan struct{})
			go func() {
				// ReadMemStats stops the world: sample, do not spin.
				tick := time.NewTicker(100 * time.Millisecond)
				defer tick.Stop()
				var m runtime.MemStats
				for {
					select {
					case <-done:
						return
					case <-tick.C:
					}
					runtime.ReadMemStats(&m)
					if m.HeapAlloc > peak.Load() {
						peak.Store(m.HeapAlloc)
					}
				}
			}()
			b.ResetTimer()
			var edges int64
			for b.Loop() {
				out, w := counting(NewJSON(io.Discard))
				if err := Walk(context.Background(), g, Options{Workers: runtime.GOMAXPROCS(0)}, out); err != nil {
					b.Fatal(err)
				}
				_ = out.Close()
				edges = w.edges.Load()
				b.ReportMetric(float64(w.nodes.Load()), "nodes")
			}
			close(done)
			// What the export leaves behind once collected: memos only.
			runtime.GC()
			var after runtime.MemStats
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(after.HeapAlloc-min(after.HeapAlloc, before.HeapAlloc))/1e6, "retained-MB")
			b.ReportMetric(graphMB, "graph-MB")
			b.ReportMetric(float64(edges), "edges")
			b.ReportMetric(float64(edges)*float64(b.N)/b.Elapsed().Seconds(), "edges/s")
			b.ReportMetric(float64(peak.Load()-min(peak.Load(), before.HeapAlloc))/1e6, "peak-extra-heap-MB")
		})
	}
}

func itoa(i int) string {
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

// benchAccounts are the organization sizes BenchmarkExportJSON exports.
var benchAccounts = []int{20, 100, 300, 1000}

// BenchmarkExportEscalation exports a generated organization with keyhound
// gen's share of escalation permissions (2% of the roles) as JSON, without
// and with escalation edges: the issue wants the second within 1.5× of the
// first.
// Run: go test -run '^$' -bench ExportEscalation/100 -benchtime 3x ./graph/export/
func BenchmarkExportEscalation(b *testing.B) {
	for _, accounts := range []int{20, 100, 300} {
		b.Run(itoa(accounts)+"-accounts", func(b *testing.B) {
			g := graph.Build(gen.Organization(gen.Options{Accounts: accounts, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02}), nil)
			for _, esc := range []bool{false, true} {
				name := "plain"
				if esc {
					name = "escalation"
				}
				b.Run(name, func(b *testing.B) {
					var edges int64
					for b.Loop() {
						out, w := counting(NewJSON(io.Discard))
						if err := Walk(context.Background(), g, Options{Workers: runtime.GOMAXPROCS(0), Escalation: esc}, out); err != nil {
							b.Fatal(err)
						}
						_ = out.Close()
						edges = w.edges.Load()
					}
					b.ReportMetric(float64(edges), "edges")
				})
			}
		})
	}
}

// BenchmarkExportEscalationRatio exports the same organization as
// BenchmarkExportEscalation, without and with escalation edges, in turn
// within each iteration (so that a busy machine slows both alike), and
// reports the medians of each's wall and CPU time (the process's, GC
// included) and of their ratios.
// Run: go test -run '^$' -bench ExportEscalationRatio/100 -benchtime 5x ./graph/export/
func BenchmarkExportEscalationRatio(b *testing.B) {
	for _, accounts := range []int{20, 100, 300} {
		b.Run(itoa(accounts)+"-accounts", func(b *testing.B) {
			g := graph.Build(gen.Organization(gen.Options{Accounts: accounts, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02}), nil)
			var cycles [2]float64
			export := func(esc bool) (wall, cpu, gc time.Duration) {
				c0 := gcCycles()
				defer func() {
					if esc {
						cycles[1] += gcCycles() - c0
					} else {
						cycles[0] += gcCycles() - c0
					}
				}()
				start, cpu0, gc0 := time.Now(), processCPU(), gcCPU()
				out, _ := counting(NewJSON(io.Discard))
				if err := Walk(context.Background(), g, Options{Workers: runtime.GOMAXPROCS(0), Escalation: esc}, out); err != nil {
					b.Fatal(err)
				}
				_ = out.Close()
				return time.Since(start), processCPU() - cpu0, gcCPU() - gc0
			}
			var r ratios
			for b.Loop() {
				pw, pc, pg := export(false)
				ew, ec, eg := export(true)
				r.add(pw, ew, pc, ec)
				r.plainGC, r.escGC = append(r.plainGC, pg.Seconds()), append(r.escGC, eg.Seconds())
			}
			r.report(b)
			b.ReportMetric(cycles[0]/float64(len(r.wall)), "plain-gc-cycles")
			b.ReportMetric(cycles[1]/float64(len(r.wall)), "escalation-gc-cycles")
		})
	}
}
