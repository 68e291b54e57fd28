package ui

import (
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/ui/styles"
)

// A list makes its rows' search texts on the first filter, once, not with
// the rows: most lists are never filtered.
func TestListMakesSearchTextsOnFirstFilter(t *testing.T) {
	var calls atomic.Int64
	l := newList(&Common{Styles: styles.DefaultStyles(true)}, []column{{"ID", 4, 0}}, "none")
	l.searchOf = func(r *row) string { calls.Add(1); return "text " + r.id }
	rows := func() []row {
		rs := make([]row, 3000)
		for i := range rs {
			rs[i] = row{id: itoa(i), cells: []string{itoa(i)}}
		}
		return rs
	}
	l.SetRows(rows())
	l.SetSize(40, 10)
	if n := calls.Load(); n != 0 {
		t.Fatalf("SetRows made %d search texts, want none before a filter", n)
	}
	l.SetFilter("text 12")
	want := 0
	for i := range 3000 {
		if strings.Contains(itoa(i), "12") { // every word: "text" and "12"
			want++
		}
	}
	if n := calls.Load(); n != 3000 || len(l.shown) != want {
		t.Fatalf("first filter: %d texts made, %d rows shown; want 3000 and %d", n, len(l.shown), want)
	}
	l.SetFilter("text 123")
	l.SetFilter("")
	l.SetFilter("text 2")
	if n := calls.Load(); n != 3000 {
		t.Errorf("later filters made texts again: %d in all", n)
	}
	l.SetRows(rows()) // with a filter on: the new rows' texts at once
	if n := calls.Load(); n != 6000 {
		t.Errorf("new rows under a filter: %d texts in all, want 6000", n)
	}
	// Rows without searchOf match their cells and id.
	d := testList([]column{{"A", 4, 0}, {"B", 4, 0}}, []string{"Alpha", "beta"}, []string{"gamma", "delta"})
	d.SetFilter("BETA 0")
	if len(d.shown) != 1 || d.rows[d.shown[0]].id != "0" {
		t.Errorf("cells and id: shown %v", d.shown)
	}
}

// The keys, principals and resources lists filter on what their rows stand
// for, beyond their cells: every alias of a key, its tags; a principal's
// tags; a resource's key ARN.
func TestSectionFiltersMatchWhatTheRowsStandFor(t *testing.T) {
	s, errs, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	reg := s.Accounts["111111111111"].Regions["us-east-1"]
	k := &reg.KMS.Keys[0]
	k.Aliases = append(k.Aliases, snapshot.Alias{AliasName: "alias/second-name"})
	k.Tags = []snapshot.KMSTag{{TagKey: "CostCenter", TagValue: "Ledger-42"}}
	iam := s.Accounts["222222222222"].IAM
	iam.RoleDetailList[0].Tags = []snapshot.Tag{{Key: "Team", Value: "Payments-7"}}
	g := graph.Build(s, errs)
	c := &Common{Graph: g, Snapshot: s, Styles: styles.DefaultStyles(true)}

	ks := newKeysScreen(c, nil)
	for _, q := range []string{"alias/second-name", "costcenter=ledger-42"} {
		ks.l.SetFilter(q)
		if len(ks.l.shown) != 1 || ks.l.rows[ks.l.shown[0]].id != k.KeyMetadata.Arn {
			t.Errorf("keys filtered by %q: %d rows", q, len(ks.l.shown))
		}
	}

	ps := newPrincipalsScreen(c)
	ps.l.SetRows(principalRows(c))
	ps.l.SetFilter("team=payments-7")
	if len(ps.l.shown) != 1 || ps.l.rows[ps.l.shown[0]].id != iam.RoleDetailList[0].Arn {
		t.Errorf("principals filtered by a tag: %d rows", len(ps.l.shown))
	}

	rs := newResourcesScreen(c)
	rs.l.SetRows(resourceRows(c))
	keyARN := strings.ToLower(k.KeyMetadata.Arn)
	rs.l.SetFilter(keyARN)
	var want []string
	for _, r := range g.Resources() {
		if strings.EqualFold(r.Key, k.KeyMetadata.Arn) {
			want = append(want, r.ARN)
		}
	}
	var got []string
	for _, i := range rs.l.shown {
		got = append(got, rs.l.rows[i].id)
	}
	slices.Sort(got)
	slices.Sort(want)
	if len(want) == 0 || !slices.Equal(got, want) {
		t.Errorf("resources filtered by their key's ARN: %v, want %v", got, want)
	}
}
