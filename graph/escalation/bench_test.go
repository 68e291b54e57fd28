package escalation_test

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/gen"
)

// BenchmarkPaths compares escalation.Paths with plain who-can for the same
// organization-wide key (its policy opens kms:Decrypt to the organization)
// of a generated organization of 200 accounts, as generated ("gen": no
// escalation permissions but the management account's admin) and with one
// role in 20 and two users per account given some ("sprinkled").
// Run: go test -run '^$' -bench Paths -benchtime 5x ./graph/escalation/
func BenchmarkPaths(b *testing.B) {
	for _, variant := range []string{"gen", "sprinkled"} {
		s := gen.Organization(gen.Options{Accounts: 200, Regions: 1, RolesPerAccount: 100, KeysPerRegion: 4, Seed: 1})
		if variant == "sprinkled" {
			sprinkle(s, 1, 20)
		}
		g := build(b, s)
		var key string
		for _, k := range g.Keys() {
			if k.Account == "100000000001" && strings.Contains(k.PolicyText, "aws:PrincipalOrgID") {
				key = k.ARN
			}
		}
		if key == "" {
			b.Fatal("no organization-wide key")
		}
		b.Run(variant+"/who-can", func(b *testing.B) {
			for b.Loop() {
				who, err := g.WhoCan("kms:Decrypt", key, "", escalation.DefaultDepth)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(who)), "principals")
			}
		})
		b.Run(variant+"/escalation", func(b *testing.B) {
			for b.Loop() {
				paths, err := escalation.Paths(g, key, escalation.Options{})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(len(paths)), "paths")
			}
		})
	}
	_ = graph.DefaultChainDepth
}
