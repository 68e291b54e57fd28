package ui

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// TestLoadWhilePrincipalsBuild: a graph whose principals and resources are
// still built (the TUI's load from the cache, graph.BuildOptions.Background)
// opens on its keys at once; the status line says the principals are being
// built, the resources column waits, and once built the keys list has each
// key's resources and the status line its principals, as a whole build's.
func TestLoadWhilePrincipalsBuild(t *testing.T) {
	whole, g, hold := heldGraph(gen.Options{Accounts: 60, Regions: 2, RolesPerAccount: 40, KeysPerRegion: 3, ResourcesPerKey: 2, Seed: 4})
	m := loadingModel(t, func(context.Context, func(LoadProgress)) (*graph.Graph, []Option, error) {
		return g, []Option{WithNotice("cache note")}, nil
	}, 300, 40)
	_, cmd := m.Update(m.load.start()())
	got := screenText(m)
	if !strings.Contains(got, "principals: building…") || !strings.Contains(got, "alias/app-0") {
		t.Errorf("the first frame does not list the keys and say the principals are being built:\n%s", got)
	}
	ks := m.sections[secKeys].(*keysScreen)
	if got := ks.l.rows[0].cells[keyColResources]; ks.l.rows[0].id != g.Keys()[0].ARN || got != "…" {
		t.Errorf("RES %q before the resources are built", got)
	}
	close(hold)
	(&driver{t: t, m: m}).run(cmd)
	ks = m.sections[secKeys].(*keysScreen)
	want := resourceCounts(whole)
	for _, r := range ks.l.rows {
		if got := r.cells[keyColResources]; got != strconv.Itoa(want[r.id]) {
			t.Errorf("%s: RES %q, want %d", r.id, got, want[r.id])
		}
	}
	st := whole.Counts()
	if got := screenText(m); !strings.Contains(got, strconv.Itoa(st.Users+st.Roles)+" principals") || !strings.Contains(got, "cache note") || !strings.Contains(got, "opened in") {
		t.Errorf("once built, the status line does not count the %d principals, or lost what the load said:\n%s", st.Users+st.Roles, got)
	}
}

// heldGraph is a generated organization built whole, and built again as
// the TUI builds from a cache hit, its principals and resources held until
// hold is closed.
func heldGraph(o gen.Options) (whole, g *graph.Graph, hold chan struct{}) {
	return heldGraphOf(gen.Organization(o))
}

// heldGraphOf is heldGraph for a snapshot.
func heldGraphOf(s *snapshot.Snapshot) (whole, g *graph.Graph, hold chan struct{}) {
	whole = graph.Build(s, nil)
	hold = make(chan struct{})
	g = graph.BuildWith(s, nil, graph.BuildOptions{KnownIssues: true, Issues: whole.Issues, Background: true, Hold: hold})
	return whole, g, hold
}
