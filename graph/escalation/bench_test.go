package escalation_test

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/gen"
)

// BenchmarkPaths compares escalation.Paths with plain who-can for the same
// organization-wide key (its policy opens kms:Decrypt to the organization)
// of generated organizations: as generated without escalation permissions
// ("gen"), with keyhound gen's default share of them ("escalation": 2% of
// the roles), and at 200 accounts with one role in 20 and two users per
// account given some at random ("sprinkled").
// Run: go test -run '^$' -bench 'Paths/200' -benchtime 5x ./graph/escalation/
// (and 'Paths/1000' for the 1,000-account organization of the issue);
// "ratio" runs the two in turn and reports the medians.
func BenchmarkPaths(b *testing.B) {
	for _, tc := range []struct {
		name string
		opts gen.Options
	}{
		{"200/gen", gen.Options{Accounts: 200, Regions: 1, RolesPerAccount: 100, KeysPerRegion: 4, Seed: 1}},
		{"200/escalation", gen.Options{Accounts: 200, Regions: 1, RolesPerAccount: 100, KeysPerRegion: 4, Seed: 1, EscalationShare: 0.02}},
		{"200/sprinkled", gen.Options{Accounts: 200, Regions: 1, RolesPerAccount: 100, KeysPerRegion: 4, Seed: 1}},
		{"1000/escalation", gen.Options{Accounts: 1000, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			s := gen.Organization(tc.opts)
			if strings.HasSuffix(tc.name, "sprinkled") {
				sprinkle(s, 1, 20)
			}
			g := build(b, s)
			var key string
			for _, k := range g.Keys() {
				if k.Account == "100000000001" && strings.Contains(k.PolicyText, "aws:PrincipalOrgID") {
					key = k.ARN
					break
				}
			}
			if key == "" {
				b.Fatal("no organization-wide key")
			}
			b.Run("ratio", func(b *testing.B) {
				// Who-can, then escalation.Paths, in turn in each
				// iteration (a busy machine slows both alike): the
				// medians of their times and of the ratio.
				var whoT, pathsT, ratio []float64
				for b.Loop() {
					start := time.Now()
					if _, err := g.WhoCan("kms:Decrypt", key, "", escalation.DefaultDepth); err != nil {
						b.Fatal(err)
					}
					mid := time.Now()
					if _, err := escalation.Paths(g, key, escalation.Options{}); err != nil {
						b.Fatal(err)
					}
					w, p := mid.Sub(start).Seconds(), time.Since(mid).Seconds()
					whoT, pathsT, ratio = append(whoT, w*1e3), append(pathsT, p*1e3), append(ratio, p/w)
				}
				b.ReportMetric(median(whoT), "who-can-ms")
				b.ReportMetric(median(pathsT), "escalation-ms")
				b.ReportMetric(median(ratio), "ratio")
			})
			b.Run("who-can", func(b *testing.B) {
				for b.Loop() {
					who, err := g.WhoCan("kms:Decrypt", key, "", escalation.DefaultDepth)
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(len(who)), "principals")
				}
			})
			b.Run("escalation", func(b *testing.B) {
				for b.Loop() {
					paths, err := escalation.Paths(g, key, escalation.Options{})
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(len(paths)), "paths")
				}
			})
		})
	}
	_ = graph.DefaultChainDepth
}

// BenchmarkFindings compares escalation.Findings with the export of the
// same organization's escalation edges' cost per key: graph.Findings
// ("plain") and escalation.Findings ("escalation") on a generated
// organization with keyhound gen's default share of escalation
// permissions.
// Run: go test -run '^$' -bench 'Findings/100' -benchtime 1x ./graph/escalation/
func BenchmarkFindings(b *testing.B) {
	for _, accounts := range []int{20, 100, 300} {
		b.Run(strconv.Itoa(accounts), func(b *testing.B) {
			g := build(b, gen.Organization(gen.Options{Accounts: accounts, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1, EscalationShare: 0.02}))
			b.Run("plain", func(b *testing.B) {
				for b.Loop() {
					b.ReportMetric(float64(len(g.Findings())), "findings")
				}
			})
			b.Run("escalation", func(b *testing.B) {
				for b.Loop() {
					fs, err := escalation.Findings(g, escalation.Options{})
					if err != nil {
						b.Fatal(err)
					}
					b.ReportMetric(float64(len(fs)), "findings")
				}
			})
		})
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
