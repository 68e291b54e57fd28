package policy

import (
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
)

// BenchmarkParse parses the distinct policy documents of a generated
// organization of 50 accounts (or of the snapshot KEYHOUND_BENCH_SNAPSHOT
// names), as the graph build does. Run:
//
//	go test -run '^$' -bench Parse -benchmem ./graph/policy/
func BenchmarkParse(b *testing.B) {
	docs := generatedTexts(b, gen.Options{Accounts: 50, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02})
	var size int64
	for _, d := range docs {
		size += int64(len(d))
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := ParseString(d); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(docs)), "ns/doc")
}
