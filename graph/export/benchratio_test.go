package export

import (
	"runtime/metrics"
	"slices"
	"testing"
	"time"
)

// ratios collects the wall and CPU times of a plain and an escalation
// run, round by round.
type ratios struct {
	plainWall, escWall, plainCPU, escCPU, wall, cpu []float64
	// plainGC and escGC are the GC's share of the CPU time (runtime
	// metrics: an estimate), when measured.
	plainGC, escGC []float64
}

// gcCycles is how many GC cycles have completed.
func gcCycles() float64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return float64(s[0].Value.Uint64())
}

// gcCPU is the runtime's estimate of the CPU time its GC has used.
func gcCPU() time.Duration {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindFloat64 {
		return 0
	}
	return time.Duration(s[0].Value.Float64() * float64(time.Second))
}

func (r *ratios) add(pw, ew, pc, ec time.Duration) {
	r.plainWall = append(r.plainWall, pw.Seconds())
	r.escWall = append(r.escWall, ew.Seconds())
	r.plainCPU = append(r.plainCPU, pc.Seconds())
	r.escCPU = append(r.escCPU, ec.Seconds())
	r.wall = append(r.wall, ew.Seconds()/pw.Seconds())
	if pc > 0 {
		r.cpu = append(r.cpu, ec.Seconds()/pc.Seconds())
	}
}

// report reports each series' median.
func (r *ratios) report(b *testing.B) {
	b.ReportMetric(median(r.plainWall), "plain-s")
	b.ReportMetric(median(r.escWall), "escalation-s")
	b.ReportMetric(median(r.wall), "wall-ratio")
	b.ReportMetric(median(r.plainCPU), "plain-cpu-s")
	b.ReportMetric(median(r.escCPU), "escalation-cpu-s")
	b.ReportMetric(median(r.cpu), "cpu-ratio")
	if len(r.plainGC) > 0 {
		b.ReportMetric(median(r.plainGC), "plain-gc-s")
		b.ReportMetric(median(r.escGC), "escalation-gc-s")
	}
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
