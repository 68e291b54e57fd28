package ui

import (
	"context"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"

	"github.com/keyhound/keyhound/cloudtrail"
	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/usage"
)

// demoNow is the clock of the usage tests: a day after the demo trail's
// last event.
var demoNow = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)

// demoUsage is the demo trail's events joined to the demo graph, as
// `tui --cloudtrail @demo` loads them.
func demoUsage(t testing.TB) *usage.Report {
	t.Helper()
	j := usage.New(demoGraph(t))
	if _, err := cloudtrail.ReadPath(context.Background(), cloudtrail.Demo, cloudtrail.Options{}, func(e *usage.Event) error {
		j.Add(e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	r, err := j.Report(usage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// withUsage loads the demo usage with the clock at demoNow.
func withUsage(t testing.TB) []Option {
	return []Option{WithUsage(demoUsage(t)), func(m *Model) { m.c.now = func() time.Time { return demoNow } }}
}

func TestAgo(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "just now"},
		{5 * time.Minute, "5m ago"},
		{3 * time.Hour, "3h ago"},
		{47 * time.Hour, "47h ago"},
		{72 * time.Hour, "3d ago"},
		{400 * 24 * time.Hour, "400d ago"},
	} {
		if got := ago(demoNow, demoNow.Add(-tc.d)); got != tc.want {
			t.Errorf("ago(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// rowCells finds the row of principal in the top screen's list.
func rowCells(t *testing.T, d *driver, principal string) []string {
	t.Helper()
	var l *list
	switch s := d.m.top().(type) {
	case *keyScreen:
		l = s.lists[tabWho].l
	case *resourceScreen:
		l = s.l
	default:
		t.Fatalf("top screen is %T", s)
	}
	for _, r := range l.rows {
		if r.id == principal {
			return r.cells
		}
	}
	t.Fatalf("no row for %s", principal)
	return nil
}

// With usage, a key's who-can list counts each principal's calls on the
// key and says when the last was; a principal that made none says never.
func TestWhoUsageColumns(t *testing.T) {
	d := newDriver(t, 120, 40, withUsage(t)...)
	d.keys("/ t:reports enter enter")
	cells := rowCells(t, d, "arn:aws:iam::222222222222:user/dilip")
	if got := cells[len(cells)-2:]; got[0] != "2" || got[1] != "2d ago" {
		t.Errorf("dilip's usage cells %q, want 2, 2d ago", got)
	}
	cells = rowCells(t, d, "arn:aws:iam::222222222222:role/SnapshotCopier")
	if got := cells[len(cells)-2:]; got[0] != "0" || got[1] != "never" {
		t.Errorf("SnapshotCopier's usage cells %q, want 0, never", got)
	}
	if s := d.screen(); !strings.Contains(s, "USES") || !strings.Contains(s, "LAST USED") {
		t.Errorf("no usage columns:\n%s", s)
	}

	// The same principal on the resource the key encrypts.
	d.keys("esc esc 3 / t:kh-demo-reports enter enter")
	cells = rowCells(t, d, "arn:aws:iam::222222222222:user/dilip")
	if got := cells[len(cells)-2:]; got[0] != "2" {
		t.Errorf("dilip's usage cells on the bucket %q, want 2 calls", got)
	}

	// Without usage, no column.
	d = newDriver(t, 120, 40)
	d.keys("/ t:reports enter enter")
	if s := d.screen(); strings.Contains(s, "LAST USED") {
		t.Errorf("usage columns without usage:\n%s", s)
	}
}

func TestUsageGolden(t *testing.T) {
	for _, tc := range []struct{ name, keys string }{
		{"key-who-usage", "/ t:reports enter enter"},
		{"resource-usage", "3 / t:kh-demo-reports enter enter"},
	} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			name := tc.name + "-" + itoa(size[0]) + "x" + itoa(size[1])
			t.Run(name, func(t *testing.T) {
				d := newDriver(t, size[0], size[1], withUsage(t)...)
				d.keys(tc.keys)
				golden(t, name, d.screen())
			})
		}
	}
}

// TestLoadingCountsEvents: a stage that counts with no total (the events
// read from CloudTrail) shows the count as it goes and when done; the
// usage a loader returns fills the who-can lists.
func TestLoadingCountsEvents(t *testing.T) {
	g := demoGraph(t)
	r := demoUsage(t)
	m := loadingModel(t, func(context.Context, func(LoadProgress)) (*graph.Graph, []Option, error) {
		return g, []Option{WithUsage(r)}, nil
	}, 80, 24)
	m.load.report(LoadProgress{Stage: "reading CloudTrail events", Done: 16384, Unit: "events"})
	m.Update(spinner.TickMsg{ID: m.spin.ID()})
	if got := screenText(m); !strings.Contains(got, "reading CloudTrail events…  16384 events") {
		t.Errorf("reading:\n%s", got)
	}
	m.load.report(LoadProgress{Stage: "reading CloudTrail events", Done: 20000, Unit: "events"})
	m.load.report(LoadProgress{Stage: "joining usage to the access graph"})
	m.Update(spinner.TickMsg{ID: m.spin.ID()})
	if got := screenText(m); !strings.Contains(got, "✓ reading CloudTrail events (20000 events)") {
		t.Errorf("read:\n%s", got)
	}
	d := &driver{t: t, m: m}
	d.send(m.load.start()())
	d.keys("/ t:reports enter enter")
	if got := d.screen(); !strings.Contains(got, "LAST USED") {
		t.Errorf("after the load, no usage columns:\n%s", got)
	}
}

// TestDenialGroups: with usage, Access denied lists the CloudTrail denial
// groups, most frequent first; enter opens one with its events and
// keyhound's explanation; i opens the paste view.
func TestDenialGroups(t *testing.T) {
	r := demoUsage(t)
	d := newDriver(t, 120, 40, withUsage(t)...)
	d.keys("5")
	s, ok := d.m.top().(*denialsScreen)
	if !ok {
		t.Fatalf("Access denied with usage is %T", d.m.top())
	}
	if n, _ := s.l.Len(); n != len(r.Denials) || n == 0 {
		t.Fatalf("%d groups shown, %d in the report", n, len(r.Denials))
	}
	got := d.screen()
	total := 0
	for _, g := range r.Denials {
		total += g.Count
	}
	if !strings.Contains(got, itoa(total)+" denials in "+itoa(len(r.Denials))+" groups") {
		t.Errorf("no summary line:\n%s", got)
	}
	first := r.Denials[0]
	d.keys("enter")
	ds, ok := d.m.top().(*denialScreen)
	if !ok || ds.g.Action != first.Action || ds.g.Principal != first.Principal {
		t.Fatalf("enter opened %T %+v, want the first group", d.m.top(), ds)
	}
	got = d.screen()
	for _, want := range []string{"Events", "Explanation", first.Layer, first.Events[0].EventID} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in the group:\n%s", want, got)
		}
	}
	if first.Report != nil && !strings.Contains(got, "AWS says") {
		t.Errorf("the explanation is not the denied report:\n%s", got)
	}
	d.keys("esc i")
	if ps, ok := d.m.top().(*deniedScreen); !ok || !ps.Capturing() {
		t.Errorf("i opened %T, want the paste view with its input focused", d.m.top())
	}
	if got := d.screen(); !strings.Contains(got, "Access denied › paste") {
		t.Errorf("the breadcrumb does not say paste:\n%s", got)
	}

	// Without usage, Access denied is the paste view.
	d = newDriver(t, 120, 40)
	d.keys("5")
	if _, ok := d.m.top().(*deniedScreen); !ok {
		t.Errorf("Access denied without usage is %T", d.m.top())
	}
}

func TestDenialsGolden(t *testing.T) {
	for _, tc := range []struct{ name, keys string }{
		{"denials", "5"},
		{"denial", "5 enter"},
	} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			name := tc.name + "-" + itoa(size[0]) + "x" + itoa(size[1])
			t.Run(name, func(t *testing.T) {
				d := newDriver(t, size[0], size[1], withUsage(t)...)
				d.keys(tc.keys)
				got := d.screen()
				if n := strings.Count(got, "\n"); n != size[1] {
					t.Errorf("%d lines, want %d", n, size[1])
				}
				golden(t, name, got)
			})
		}
	}
}

// TestSortByLastUsed: s on LAST USED sorts by age, most recent first, never
// last — not by the text ("12d ago" before "2d ago").
func TestSortByLastUsed(t *testing.T) {
	d := newDriver(t, 120, 40, withUsage(t)...)
	d.keys("/ t:reports enter enter")
	l := d.m.top().(*keyScreen).lists[tabWho].l
	// Each column sorts ascending, then descending: LAST USED, the last,
	// ascending is the 2×5+1th press.
	for range 2*(len(whoColumns)+len(usageColumns)-1) + 1 {
		d.keys("s")
	}
	var got []string
	for _, i := range l.shown {
		got = append(got, l.rows[i].cells[len(l.rows[i].cells)-1])
	}
	want := []string{"2d ago", "12d ago", "17d ago", "38d ago", "never", "never", "never", "never"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("sorted by LAST USED: %q, want %q", got, want)
	}
}

// TestDenialGroupsClick: a click selects a group, a second opens it.
func TestDenialGroupsClick(t *testing.T) {
	d := newDriver(t, 120, 40, withUsage(t)...)
	d.keys("5")
	lines := strings.Split(d.screen(), "\n")
	y := -1
	for i, l := range lines {
		if strings.Contains(l, "role/Tinkerer") {
			y = i
		}
	}
	if y < 0 {
		t.Fatalf("no Tinkerer row:\n%s", d.screen())
	}
	d.send(click(10, y))
	if r := d.m.top().(*denialsScreen).l.Selected(); r == nil || !strings.HasSuffix(r.id, "role/Tinkerer") {
		t.Fatalf("the click selected %+v", r)
	}
	d.send(click(10, y))
	if s, ok := d.m.top().(*denialScreen); !ok || !strings.HasSuffix(s.g.Principal, "role/Tinkerer") {
		t.Errorf("the second click opened %T", d.m.top())
	}
}
