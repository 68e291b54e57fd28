package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// arnItem stands for a key or a resource in sortByARN's tests.
type arnItem struct {
	arn string
	seq int
}

// sortCases are ARN sets sortByARN must order as comparing the strings
// does: long shared prefixes, one a prefix of another, NUL bytes,
// non-ASCII bytes, repeats, the empty string. (A sort that compared
// fixed windows of the ARNs first was tried against them and measured no
// faster: BenchmarkSortByARN.)
func sortCases() map[string][]string {
	return map[string][]string{
		"empty":    {},
		"one":      {"arn:aws:kms:eu-west-1:111111111111:key/a"},
		"prefixes": {"arn:aws:s3:::b", "arn:aws:s3:::", "arn:aws:s3:::b\x00", "arn:aws:s3:::b\x00\x00", "arn:aws:s3:::b\x01", "arn:aws:s3:::a", ""},
		"long shared prefix": {
			"arn:aws:kms:eu-west-1:100000000001:key/00000001-03eb-4000-8000-805c1c71e1e3",
			"arn:aws:kms:eu-west-1:100000000001:key/00000001-03eb-4000-8000-805c1c71e1e2",
			"arn:aws:kms:eu-west-10:100000000001:key/00000001",
			"arn:aws:kms:eu-west-1:100000000001:key/00000001-03eb-4000-8000-805c1c71e1e3",
			"arn:aws:kms:eu-west-1:100000000001:key/00000001-03eb-4000-8000-805c1c71e1e",
		},
		"mixed": {"https://sqs.eu-west-1.amazonaws.com/1/q", "arn:aws:sqs:eu-west-1:1:q", "arn:aws-cn:s3:::x", "arn:aws:ec2:eu-west-1::snapshot/snap-1", "Ünïcode", "\xff\xfe", "arn"},
	}
}

func TestSortByARNSortsAsASort(t *testing.T) {
	cases := sortCases()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 { // random ARNs over a small alphabet: many ties and shared prefixes
		n := r.IntN(60)
		arns := make([]string, n)
		for j := range arns {
			var sb strings.Builder
			sb.WriteString([]string{"", "arn:aws:kms:", "arn:aws:kms:eu-west-1:1000000000"}[r.IntN(3)])
			for range r.IntN(40) {
				sb.WriteByte("\x00a:/b\xff"[r.IntN(6)])
			}
			arns[j] = sb.String()
		}
		cases[fmt.Sprint("random ", i)] = arns
	}
	for name, arns := range cases {
		items := make([]*arnItem, len(arns))
		for i, a := range arns {
			items[i] = &arnItem{arn: a, seq: i}
		}
		want := slices.Clone(items)
		slices.SortStableFunc(want, func(a, b *arnItem) int { return strings.Compare(a.arn, b.arn) })
		got := slices.Clone(items)
		sortByARN(got, func(it *arnItem) string { return it.arn })
		for i := range want {
			if got[i].arn != want[i].arn {
				t.Fatalf("%s: position %d is %q, want %q", name, i, got[i].arn, want[i].arn)
			}
		}
	}
}

// BenchmarkSortByARN sorts ARNs shaped as a 5,000-account organization's
// keys (120,000, in a map's order, as sortKeys sorts them when it cannot
// go by runs: Rebuild) and resources (500,000, in the order a build meets
// them), each string allocated on its own.
func BenchmarkSortByARN(b *testing.B) {
	for _, tc := range []struct {
		name string
		n    int
		arn  func(acct, region, i int) string
	}{
		{"keys", 120_000, func(acct, region, i int) string {
			return fmt.Sprintf("arn:aws:kms:%s:%012d:key/%08x-03eb-4000-8000-%012x", []string{"eu-west-1", "us-east-1"}[region], 100000000000+acct, i, acct*31+i)
		}},
		{"resources", 500_000, func(acct, region, i int) string {
			switch i % 5 {
			case 0:
				return fmt.Sprintf("arn:aws:s3:::bucket-%d-%d-%d", acct, region, i)
			case 1:
				return fmt.Sprintf("arn:aws:sqs:%s:%012d:queue-%d", []string{"eu-west-1", "us-east-1"}[region], 100000000000+acct, i)
			case 2:
				return fmt.Sprintf("arn:aws:ec2:%s:%012d:volume/vol-%017x", []string{"eu-west-1", "us-east-1"}[region], 100000000000+acct, i)
			case 3:
				return fmt.Sprintf("arn:aws:secretsmanager:%s:%012d:secret:s-%d", []string{"eu-west-1", "us-east-1"}[region], 100000000000+acct, i)
			}
			return fmt.Sprintf("arn:aws:dynamodb:%s:%012d:table/t-%d", []string{"eu-west-1", "us-east-1"}[region], 100000000000+acct, i)
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			perRegion := tc.n / 5000 / 2
			items := make([]*arnItem, 0, tc.n)
			for acct := range 5000 {
				for region := range 2 {
					for i := range perRegion {
						items = append(items, &arnItem{arn: strings.Clone(tc.arn(acct, region, i))})
					}
				}
			}
			if tc.name == "keys" {
				rand.New(rand.NewPCG(3, 4)).Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
			}
			work := make([]*arnItem, len(items))
			b.ReportAllocs()
			for b.Loop() {
				copy(work, items)
				sortByARN(work, func(it *arnItem) string { return it.arn })
			}
		})
	}
}

// sortKeys orders the keys as a sort of their ARNs does, from runs of one
// account and Region in build order, and when a run's ARNs do not share
// its prefix (an ARN naming another Region or account than where the key
// was listed), or not every key was built through it (Rebuild).
func TestSortKeysSortsAsASort(t *testing.T) {
	key := func(acct, region, arn string) *Key { return &Key{ARN: arn, Account: acct, Region: region} }
	cases := map[string][]*Key{
		"runs": {
			key("1", "us-east-1", "arn:aws:kms:us-east-1:1:key/b"), key("1", "us-east-1", "arn:aws:kms:us-east-1:1:key/a"),
			key("1", "eu-west-1", "arn:aws:kms:eu-west-1:1:key/z"),
			key("2", "eu-west-1", "arn:aws:kms:eu-west-1:2:key/c"), key("2", "eu-west-1", "arn:aws:kms:eu-west-1:2:key/a"),
			key("2", "eu-west-10", "arn:aws:kms:eu-west-10:2:key/a"),
		},
		"a run across another": {
			key("1", "eu-west-1", "arn:aws:kms:eu-west-1:1:key/a"), key("1", "eu-west-1", "arn:aws:kms:us-east-1:9:key/a"),
			key("2", "eu-west-1", "arn:aws:kms:eu-west-1:2:key/a"),
		},
	}
	for name, keys := range cases {
		checkSortBuilt(t, name, keys, func(k *Key) string { return k.ARN }, func(a, b *Key) bool { return a.Account == b.Account && a.Region == b.Region })
	}
	// A whole build's keys, over every fixture.
	for name, fx := range knownIssuesFixtures(t) {
		g := Build(fx.s, fx.errs)
		if len(g.Keys()) != len(g.keys) || !slices.IsSortedFunc(g.Keys(), func(a, b *Key) int { return strings.Compare(a.ARN, b.ARN) }) {
			t.Errorf("%s: Keys not every key, sorted", name)
		}
	}
}

// sortPrincipals as sortKeys (sortBuilt): by account runs, and when an ARN names
// another account than the one it was built in, or some were not built
// through it.
func TestSortPrincipalsSortsAsASort(t *testing.T) {
	p := func(acct, arn string) *Principal { return &Principal{ARN: arn, Account: acct} }
	for name, ps := range map[string][]*Principal{
		"runs": {
			p("1", "arn:aws:iam::1:role/b"), p("1", "arn:aws:iam::1:role/a"), p("1", "arn:aws:iam::1:user/a"),
			p("2", "arn:aws:iam::2:role/z"), p("2", "arn:aws:iam::2:role/a"),
		},
		"an ARN of another account": {
			p("1", "arn:aws:iam::1:role/a"), p("1", "arn:aws:iam::3:role/a"),
			p("2", "arn:aws:iam::2:role/a"),
		},
	} {
		checkSortBuilt(t, name, ps, func(p *Principal) string { return p.ARN }, func(a, b *Principal) bool { return a.Account == b.Account })
	}
	for name, fx := range knownIssuesFixtures(t) {
		if g := Build(fx.s, fx.errs); !slices.IsSorted(sortedARNs(g.Principals(), func(p *Principal) string { return p.ARN })) {
			t.Errorf("%s: Principals not sorted", name)
		}
	}
}

// checkSortBuilt sorts items with sortBuilt, given them all in build order
// and none (a Rebuild's), and fails unless it returns them all, sorted by
// ARN.
func checkSortBuilt[T comparable](t *testing.T, name string, items []T, arnOf func(T) string, sameRun func(a, b T) bool) {
	t.Helper()
	byARN := map[string]T{}
	for _, it := range items {
		byARN[arnOf(it)] = it
	}
	for _, order := range [][]T{items, nil} {
		got := sortedARNs(sortBuilt(byARN, order, arnOf, sameRun), arnOf)
		if len(got) != len(items) || !slices.IsSorted(got) {
			t.Errorf("%s, built %d of %d: %q", name, len(order), len(items), got)
		}
	}
}

// sortedARNs is items' ARNs, in their order.
func sortedARNs[T any](items []T, arnOf func(T) string) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = arnOf(it)
	}
	return out
}
