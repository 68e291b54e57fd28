package ui

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/scanner"
	"github.com/keyhound/keyhound/ui/styles"
)

func (d *driver) crumbs() string {
	var names []string
	for _, s := range d.m.stack {
		names = append(names, s.Crumb())
	}
	return strings.Join(names, " › ")
}

func TestNavigation(t *testing.T) {
	d := newDriver(t, 100, 30)
	if got := d.crumbs(); got != "Keys" {
		t.Fatalf("start at %q", got)
	}
	// Filter as you type narrows the list; enter keeps the filter.
	d.keys("/ t:secr")
	if shown, all := d.m.top().(*keysScreen).l.Len(); shown != 1 || all != 9 {
		t.Fatalf("filter secr: %d of %d shown", shown, all)
	}
	if !d.m.top().Capturing() {
		t.Fatal("the filter should have the keyboard")
	}
	d.keys("q") // typed into the filter, not quitting
	if d.m.quitting {
		t.Fatal("q in the filter quit")
	}
	d.keys("esc / t:secrets enter enter")
	if got := d.crumbs(); got != "Keys › alias/secrets" {
		t.Fatalf("drill-down: %q", got)
	}
	if d.m.top().Selected() == "" {
		t.Fatal("nothing selected in the key's who-can list")
	}
	// Tabs of the key's detail, then into a trace and back out.
	d.keys("tab tab tab")
	if d.m.top().(*keyScreen).tab != tabPolicy {
		t.Fatal("tab did not reach the key policy")
	}
	d.keys("shift+tab shift+tab shift+tab enter")
	if got := d.crumbs(); !strings.HasPrefix(got, "Keys › alias/secrets › why ") {
		t.Fatalf("why: %q", got)
	}
	d.keys("esc esc")
	if got := d.crumbs(); got != "Keys" {
		t.Fatalf("back: %q", got)
	}
	// The keys list still has its filter; esc clears it before anything else.
	if shown, _ := d.m.top().(*keysScreen).l.Len(); shown != 1 {
		t.Fatalf("filter lost: %d shown", shown)
	}
	d.keys("esc")
	if shown, _ := d.m.top().(*keysScreen).l.Len(); shown != 9 {
		t.Fatalf("esc did not clear the filter: %d shown", shown)
	}
	// Sections: tab at the top level, or their number.
	d.keys("tab")
	if d.m.sec != secPrincipals {
		t.Fatalf("tab: section %d", d.m.sec)
	}
	d.keys("4")
	if d.m.sec != secFindings {
		t.Fatalf("4: section %d", d.m.sec)
	}
	d.keys("6")
	if d.m.sec != secFindings || !d.m.isErr {
		t.Fatal("6 without a scan should stay and say why")
	}
	d.keys("q")
	if !d.m.quitting {
		t.Fatal("q did not quit")
	}
}

func TestMovingAndSorting(t *testing.T) {
	d := newDriver(t, 100, 30)
	l := d.m.top().(*keysScreen).l
	first := l.SelectedID()
	d.keys("j j k G")
	if l.cursor != 8 {
		t.Fatalf("G: cursor %d, want 8", l.cursor)
	}
	d.keys("g")
	if l.SelectedID() != first {
		t.Fatal("g did not go back to the top")
	}
	d.send(tea.MouseWheelMsg{Button: tea.MouseWheelDown})
	if l.cursor != 3 {
		t.Fatalf("wheel: cursor %d, want 3", l.cursor)
	}
	d.keys("s")
	if l.sortCol != 0 {
		t.Fatalf("s: sort column %d", l.sortCol)
	}
	var aliases []string
	for _, i := range l.shown {
		aliases = append(aliases, l.rows[i].cells[0])
	}
	for i := 1; i < len(aliases); i++ {
		if aliases[i-1] > aliases[i] {
			t.Fatalf("not sorted by alias: %v", aliases)
		}
	}
	// s again on the same column reverses it (docs/cli.md: "again:
	// reverse"), then moves on to the next column.
	d.keys("s")
	if l.sortCol != 0 || !l.desc || !strings.Contains(d.screen(), "ALIAS ↓") {
		t.Fatalf("s again: column %d desc %v", l.sortCol, l.desc)
	}
	if first := l.rows[l.shown[0]].cells[0]; first != aliases[len(aliases)-1] {
		t.Fatalf("reversed: first %q, want %q", first, aliases[len(aliases)-1])
	}
	d.keys("s")
	if l.sortCol != 1 || l.desc {
		t.Fatalf("s a third time: column %d desc %v", l.sortCol, l.desc)
	}
}

// A numeric column (DECR, principals that can decrypt) sorts as numbers,
// both ways: 10 after 9 ascending, before it descending.
func TestSortNumericColumnBothWays(t *testing.T) {
	l := newList(&Common{Styles: styles.DefaultStyles(true)}, []column{{title: "N", min: 3}}, "none")
	var rows []row
	for i, n := range []string{"9", "10", "2"} {
		rows = append(rows, row{id: strconv.Itoa(i), cells: []string{n}})
	}
	l.SetRows(rows)
	got := func() []string {
		var out []string
		for _, i := range l.shown {
			out = append(out, l.rows[i].cells[0])
		}
		return out
	}
	l.CycleSort()
	if g := got(); !slices.Equal(g, []string{"2", "9", "10"}) {
		t.Errorf("ascending %v", g)
	}
	l.CycleSort()
	if g := got(); !slices.Equal(g, []string{"10", "9", "2"}) {
		t.Errorf("descending %v", g)
	}
	l.CycleSort() // past the last column: as given
	if g := got(); l.sortCol != -1 || !slices.Equal(g, []string{"9", "10", "2"}) {
		t.Errorf("unsorted %v (column %d)", g, l.sortCol)
	}
}

func TestJumpCopyAndHelp(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys(": t:" + demo.Dilip + " enter")
	if got := d.crumbs(); got != "Keys › dilip" {
		t.Fatalf("jump to a principal: %q", got)
	}
	d.keys(": t:alias/reports enter")
	if got := d.crumbs(); got != "Keys › dilip › alias/reports" {
		t.Fatalf("jump to an alias: %q", got)
	}
	d.keys(": t:arn:aws:kms:us-east-1:111111111111:key/nope enter")
	if !d.m.isErr || !strings.Contains(d.m.status, "nothing in the snapshot") {
		t.Fatalf("jump to nothing: %q", d.m.status)
	}
	d.keys("y")
	if !strings.HasPrefix(d.m.status, "copied arn:aws:iam::") {
		t.Fatalf("y: %q", d.m.status)
	}
	d.keys("?")
	if !d.m.showHelp || !strings.Contains(d.screen(), "jump to any name") {
		t.Fatal("? did not show the full help")
	}
	d.keys("esc")
	if d.m.showHelp {
		t.Fatal("esc did not close the help")
	}
}

func TestExportWritesTheSnapshot(t *testing.T) {
	t.Chdir(t.TempDir())
	d := newDriver(t, 100, 30)
	// On neither a key nor a principal, e writes the snapshot at once.
	d.keys("4 e")
	if d.m.isErr || !strings.Contains(d.m.status, "keyhound-snapshot.json") {
		t.Fatalf("export: %q", d.m.status)
	}
	data, err := os.ReadFile("keyhound-snapshot.json")
	if err != nil {
		t.Fatal(err)
	}
	s, errs, err := snapshot.Decode(data)
	if err != nil || len(errs) > 0 || len(s.Accounts) != 4 {
		t.Fatalf("exported snapshot: %v %v", err, errs)
	}
	// On a key, e opens the picker: s is the whole snapshot.
	d.keys("1 e s")
	if !strings.Contains(d.m.status, "keyhound-snapshot-1.json") {
		t.Fatalf("second export should not overwrite: %q", d.m.status)
	}
	// Both written atomically with mode 0600, no temporary file left.
	for _, name := range []string{"keyhound-snapshot.json", "keyhound-snapshot-1.json"} {
		if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v %v, want 0600", name, st.Mode(), err)
		}
	}
	if tmp, _ := filepath.Glob(".keyhound-*"); len(tmp) != 0 {
		t.Errorf("temporary files left: %v", tmp)
	}
}

// A scan's events fill the Scan view; its end rebuilds every view from the
// scan's snapshot.
func TestScanEventsUpdateTheViews(t *testing.T) {
	// Events are sent to the model directly; the channel is closed so that
	// the command waiting on it returns at once.
	events := make(chan scanner.Event)
	close(events)
	done := make(chan ScanDone, 1)
	cancelled := false
	src := &ScanSource{Events: events, Done: done, Cancel: func() { cancelled = true }, Output: "o.json"}
	g := demoGraph(t)
	m := New(g, g.Snapshot, "scan", WithScan(src))
	d := &driver{t: t, m: m}
	d.send(tea.WindowSizeMsg{Width: 100, Height: 30})
	if m.sec != secScan {
		t.Fatal("a scan should open on the Scan view")
	}
	sc := m.sections[secScan].(*scanScreen)
	d.send(scanEventMsg{Account: "111111111111", Phase: "account", AccountsTotal: 2})
	d.send(scanEventMsg{Account: "222222222222", Phase: "account", AccountsTotal: 2})
	d.send(scanEventMsg{Phase: "progress", AccountsTotal: 2, Counts: scanner.Counts{Calls: 40, Throttles: 3}})
	d.send(scanEventMsg{Account: "111111111111", Phase: "done", Message: "1 Regions", AccountsDone: 1, AccountsTotal: 2, Counts: scanner.Counts{Calls: 57, Throttles: 3}})
	// A failed call shows at once, on a still-running account.
	d.send(scanEventMsg{Account: "222222222222", Phase: "error", Region: "us-east-1", Message: "iam GetAccountAuthorizationDetails", Err: "AccessDenied: not authorized", AccountsDone: 1, AccountsTotal: 2, Errors: 1})
	running := d.screen()
	for _, want := range []string{"… 1 error", "last: us-east-1 iam GetAccountAuthoriza"} {
		if !strings.Contains(running, want) {
			t.Errorf("scan view during an account's errors lacks %q:\n%s", want, running)
		}
	}
	if a := sc.accounts["222222222222"]; a.phase != "account" || a.errors != 1 {
		t.Errorf("after an error event: phase %q, %d errors; want account, 1", a.phase, a.errors)
	}
	d.send(scanEventMsg{Account: "222222222222", Phase: "done", AccountErrors: 1, Errors: 1, Message: "1 errors, first AccessDenied on iam GetAccountAuthorizationDetails; 1 Regions", AccountsDone: 2, AccountsTotal: 2, Counts: scanner.Counts{Calls: 60, Throttles: 3}})
	if shown, _ := sc.l.Len(); shown != 2 {
		t.Fatalf("%d accounts shown", shown)
	}
	screen := d.screen()
	for _, want := range []string{"✓ done", "✗ partial", "Accounts 2/2 done · 60 calls · 3 throttled · 1 error", "AccessDenied"} {
		if !strings.Contains(screen, want) {
			t.Errorf("scan view lacks %q:\n%s", want, screen)
		}
	}
	golden(t, "scan-100x30", screen)
	d.keys("ctrl+x")
	if !cancelled {
		t.Fatal("ctrl+x did not cancel the scan")
	}
	// The scan ends with a snapshot of one account only.
	snap, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	for id := range snap.Accounts {
		if id != "111111111111" {
			delete(snap.Accounts, id)
		}
	}
	// A partial scan written beside the snapshot it did not replace.
	d.send(scanDoneMsg{Snapshot: snap, Result: scanner.Result{Complete: false, Errors: 1, Accounts: 1}, Written: "o.partial.json"})
	if m.c.Graph == g {
		t.Fatal("the graph was not rebuilt from the scan's snapshot")
	}
	if !strings.Contains(d.screen(), "scan partial") || !strings.Contains(d.screen(), "written to o.partial.json (o.json kept)") {
		t.Errorf("scan view does not say the scan is partial, and where it went:\n%s", d.screen())
	}
	d.keys("2")
	if shown, _ := m.top().(*principalsScreen).l.Len(); shown != 4 {
		t.Fatalf("principals after the scan: %d, want the 4 of account 111111111111", shown)
	}
}
