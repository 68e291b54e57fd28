package export

import (
	"context"
	"io"
	"runtime"
	"slices"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// BenchmarkExportFiltered exports, as JSON, one account (--account), one
// key (--key) and the two together of a generated organization of 200
// accounts, and reports the edges written and the CPU time (the process's,
// GC included) per export.
// Run: go test -run '^$' -bench ExportFiltered -benchtime 1x ./graph/export/
func BenchmarkExportFiltered(b *testing.B) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 200, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1}), nil)
	account := "100000000100"
	var key, orgKey string // an account's key, one open to the organization
	for _, k := range g.Keys() {
		if k.Account == account && k.Manager() == "CUSTOMER" && key == "" {
			key = k.ARN
		}
		if k.Account == account && slices.Contains(k.Aliases, "alias/app-3") && orgKey == "" {
			orgKey = k.ARN
		}
	}
	for _, c := range []struct {
		name string
		o    Options
	}{
		{"account", Options{Accounts: []string{account}}},
		{"key", Options{Keys: []string{key}}},
		{"org-key", Options{Keys: []string{orgKey}}},
		{"account+key", Options{Accounts: []string{account}, Keys: []string{key}}},
		{"account+org-key", Options{Accounts: []string{"100000000042"}, Keys: []string{orgKey}}},
	} {
		b.Run(c.name, func(b *testing.B) {
			var edges int64
			cpu0 := processCPU()
			for b.Loop() {
				o := c.o
				o.Keys = append([]string(nil), c.o.Keys...)
				o.Workers = runtime.GOMAXPROCS(0)
				out, w := counting(NewJSON(io.Discard))
				if err := Walk(context.Background(), g, o, out); err != nil {
					b.Fatal(err)
				}
				_ = out.Close()
				edges = w.edges.Load()
			}
			b.ReportMetric(float64(edges), "edges")
			// CPU time says more than wall time on a busy machine.
			b.ReportMetric((processCPU()-cpu0).Seconds()/float64(b.N), "cpu-s/op")
		})
	}
}
