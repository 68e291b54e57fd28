package evalbatch

import (
	"bytes"
	"context"
	"io"
	"testing"

	"github.com/keyhound/keyhound/graph/eval"
)

// benchRequests is the size of the benchmarks' batch.
const benchRequests = 4000

// BenchmarkRunMixed measures the whole pipeline (read lines, parse,
// evaluate, encode, write in order) over 4,000 mixed realistic requests
// (mixedRequests: about 4 KB each, 68 distinct policy texts) and reports
// requests per second end to end, and the CPU time per request (user and
// system, every thread of the process), which depends less than the wall
// clock on what else the machine runs. Each iteration is a new run, with
// an empty parse cache.
func BenchmarkRunMixed(b *testing.B) {
	in := mixedRequests(benchRequests, 1)
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		sum, err := Run(context.Background(), bytes.NewReader(in), io.Discard, Options{})
		if err != nil || sum.Answered != benchRequests {
			b.Fatalf("%+v, %v", sum, err)
		}
	}
	b.ReportMetric(float64(benchRequests*b.N)/b.Elapsed().Seconds(), "requests/s")
	if used := cpuTime() - cpu; used > 0 {
		b.ReportMetric(float64(used.Nanoseconds())/float64(benchRequests*b.N), "cpu-ns/request")
	}
}

// BenchmarkStages measures each stage alone, on one goroutine, over the same
// requests: parsing (with the cache warm), evaluating, encoding.
func BenchmarkStages(b *testing.B) {
	lines := bytes.Split(bytes.TrimSpace(mixedRequests(benchRequests, 1)), []byte("\n"))
	p := eval.NewParser(DefaultCacheBytes)
	stage := func(name string, f func(i int)) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			cpu, i := cpuTime(), 0
			for b.Loop() {
				f(i % len(lines))
				i++
			}
			if used := cpuTime() - cpu; used > 0 {
				b.ReportMetric(float64(used.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
	stage("parse", func(i int) {
		if _, err := p.Parse(lines[i]); err != nil {
			b.Fatal(err)
		}
	})
	// Requests and decisions are kept only now: a heap holding thousands
	// of requests would make the parse stage's garbage collection dearer.
	reqs := make([]*eval.Request, len(lines))
	decisions := make([]*eval.Decision, len(lines))
	for i, l := range lines {
		r, err := p.Parse(l)
		if err != nil {
			b.Fatal(err)
		}
		d, err := eval.Evaluate(r)
		if err != nil {
			b.Fatal(err)
		}
		reqs[i], decisions[i] = r, d
	}
	var e eval.Evaluator
	var d eval.Decision
	stage("evaluate", func(i int) { e.Evaluate(reqs[i], &d) })
	var out []byte
	stage("encode", func(i int) { out = appendDecision(out[:0], decisions[i]) })
}
