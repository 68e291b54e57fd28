package ui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// loadingModel is a TUI opening a snapshot through load, sized w×h, with
// its Init not run: the tests drive the loader's stages themselves.
func loadingModel(t *testing.T, load Loader, w, h int) *Model {
	t.Helper()
	empty := graph.Build(&snapshot.Snapshot{Format: snapshot.Format, Accounts: map[string]*snapshot.Account{}}, nil)
	m := New(empty, empty.Snapshot, "org.json.gz", WithLoader(load))
	m.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return m
}

func screenText(m *Model) string { return ansi.Strip(m.Render()) }

// TestLoadingFrameShowsEachStage: the first frame is the loading frame, and
// each tick shows the loader's stages: done ones ticked with their size,
// the current one with its progress (issue #14: "a first frame with a
// loading state (what is being read, progress)").
func TestLoadingFrameShowsEachStage(t *testing.T) {
	m := loadingModel(t, nil, 80, 24)
	if got := screenText(m); !strings.Contains(got, "Opening org.json.gz") || !strings.Contains(got, "starting…") {
		t.Fatalf("first frame:\n%s", got)
	}
	m.load.report(LoadProgress{Stage: "reading org.json.gz", Done: 2048, Total: 4096, Unit: "bytes"})
	m.Update(spinner.TickMsg{ID: m.spin.ID()})
	got := screenText(m)
	if !strings.Contains(got, "reading org.json.gz…") || !strings.Contains(got, "2.0 kB of 4.0 kB") {
		t.Errorf("reading:\n%s", got)
	}
	m.load.report(LoadProgress{Stage: "reading org.json.gz", Done: 4096, Total: 4096, Unit: "bytes"})
	m.load.report(LoadProgress{Stage: "decoding accounts", Done: 1, Total: 1001, Unit: "accounts"})
	m.Update(spinner.TickMsg{ID: m.spin.ID()})
	got = screenText(m)
	for _, want := range []string{"✓ reading org.json.gz (4.0 kB)", "decoding accounts…", "1 of 1001 accounts", "q quit"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "2 Principals") {
		t.Errorf("the tabs are shown before there is anything to browse:\n%s", got)
	}
}

// TestLoadingIgnoresKeysButQuit: while loading, a section key does nothing
// (there is nothing yet), q quits and cancels the load.
func TestLoadingIgnoresKeysButQuit(t *testing.T) {
	started := make(chan context.Context, 1)
	m := loadingModel(t, func(ctx context.Context, _ func(LoadProgress)) (*graph.Graph, []Option, error) {
		started <- ctx
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}, 80, 24)
	cmd := m.load.start()
	go cmd()
	ctx := <-started
	for _, k := range []tea.KeyPressMsg{{Code: '2', Text: "2"}, {Code: tea.KeyEnter}, {Code: ':', Text: ":"}} {
		if _, cmd := m.Update(k); cmd != nil {
			t.Errorf("%s while loading gave a command", k)
		}
	}
	if got := screenText(m); !strings.Contains(got, "Opening") {
		t.Fatalf("keys left the loading frame:\n%s", got)
	}
	_, cmd = m.Update(tea.KeyPressMsg{Code: 'q', Text: "q"})
	if cmd == nil {
		t.Fatal("q while loading does not quit")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("q while loading does not quit")
	}
	<-ctx.Done() // the load is cancelled, or this blocks
}

// TestLoadDoneOpensTheKeys: the loaded graph replaces the loading frame with
// the Keys view, the status line says how long it took, and the spinner
// stops once nothing on screen is pending.
func TestLoadDoneOpensTheKeys(t *testing.T) {
	g := demoGraph(t)
	var stages []string
	m := loadingModel(t, func(_ context.Context, progress func(LoadProgress)) (*graph.Graph, []Option, error) {
		progress(LoadProgress{Stage: "building the access graph"})
		return g, nil, nil
	}, 120, 40)
	m.load.report = func(p LoadProgress) { stages = append(stages, p.Stage) }
	msg := m.load.start()()
	_, cmd := m.Update(msg)
	if cmd == nil {
		t.Fatal("no background work started on the loaded graph (who can decrypt, findings)")
	}
	if !m.busy() {
		t.Error("no spinner while the keys' decrypt counts are computed")
	}
	(&driver{t: t, m: m}).run(cmd)
	if len(stages) != 1 {
		t.Errorf("stages = %v", stages)
	}
	got := screenText(m)
	for _, want := range []string{"[1 Keys]", "alias/reports", "opened in", "9 keys"} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, got)
		}
	}
	if m.LoadErr() != nil {
		t.Errorf("LoadErr = %v", m.LoadErr())
	}
	if _, cmd := m.Update(spinner.TickMsg{ID: m.spin.ID()}); cmd != nil || m.spinning {
		t.Error("the spinner still turns with nothing pending on screen")
	}
}

// TestLoadErrorEndsTheTUI: a snapshot that does not load ends the TUI, and
// LoadErr gives the error for the command to print (exit 3).
func TestLoadErrorEndsTheTUI(t *testing.T) {
	bad := errors.New(`org.json.gz: not a keyhound snapshot: no "format" field`)
	m := loadingModel(t, func(context.Context, func(LoadProgress)) (*graph.Graph, []Option, error) { return nil, nil, bad }, 80, 24)
	_, cmd := m.Update(m.load.start()())
	if cmd == nil {
		t.Fatal("a load error does not end the TUI")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Error("a load error does not end the TUI")
	}
	if !errors.Is(m.LoadErr(), bad) {
		t.Errorf("LoadErr = %v", m.LoadErr())
	}
}

// TestSpinnerWhilePending: a pane whose content is being computed (who can
// decrypt a key, here) shows a turning spinner, and the keys keep working
// meanwhile: esc goes back without waiting (issue #14: "long computations
// show a spinner in their pane and never freeze keys").
func TestSpinnerWhilePending(t *testing.T) {
	d := newDriver(t, 100, 30)
	// enter on a key, without running the evaluation its command starts.
	_, cmd := d.m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	push, ok := cmd().(pushMsg)
	if !ok {
		t.Fatal("enter on a key opens nothing")
	}
	_, cmd = d.m.Update(push)
	if cmd == nil || !d.m.busy() {
		t.Fatal("a key being evaluated is not busy")
	}
	first := d.screen()
	if !strings.Contains(first, "computing who can decrypt…") || !strings.Contains(first, d.m.spin.View()) {
		t.Fatalf("no spinner in the pending pane:\n%s", first)
	}
	if _, next := d.m.Update(spinner.TickMsg{ID: d.m.spin.ID()}); next == nil {
		t.Error("the spinner stopped while the key is still evaluated")
	}
	if d.screen() == first {
		t.Error("the spinner does not turn")
	}
	d.keys("esc")
	if d.crumbs() != "Keys" {
		t.Errorf("esc while computing: breadcrumb %q", d.crumbs())
	}
	// Back on the Keys list with its counts done, nothing is pending.
	if _, next := d.m.Update(spinner.TickMsg{ID: d.m.spin.ID()}); next != nil || d.m.spinning {
		t.Error("the spinner turns on with nothing pending")
	}
}

// TestSectionRowsArriveInTheBackground: the first 2 (or 3) shows its list
// at once, pending with the spinner, while the rows are built off the
// update loop; they fill in when they arrive, and another section's key
// works meanwhile.
func TestSectionRowsArriveInTheBackground(t *testing.T) {
	for _, sec := range []struct {
		key     rune
		pending string
		row     string
	}{{'2', "listing the principals…", "user/dilip"}, {'3', "listing the encrypted resources…", "kh-demo-legacy-exports"}} {
		d := newDriver(t, 120, 40)
		_, cmd := d.m.Update(tea.KeyPressMsg{Code: sec.key, Text: string(sec.key)})
		if got := d.screen(); !strings.Contains(got, sec.pending) || strings.Contains(got, sec.row) || !d.m.busy() {
			t.Fatalf("%c before its rows: busy %v\n%s", sec.key, d.m.busy(), got)
		}
		d.keys("4")
		if d.crumbs() != "Findings" {
			t.Errorf("4 while %c lists: %q", sec.key, d.crumbs())
		}
		d.run(cmd)
		d.keys(string(sec.key))
		if got := d.screen(); !strings.Contains(got, sec.row) || d.m.busy() {
			t.Errorf("%c after its rows: busy %v\n%s", sec.key, d.m.busy(), got)
		}
	}
}

// TestLoadOptionsOpenTheDiff: options a loader returns apply to the loaded
// graph — tui --diff opens on the Diff section once both snapshots are in.
func TestLoadOptionsOpenTheDiff(t *testing.T) {
	g := demoGraph(t)
	r, err := diff.Compare(context.Background(), g, g, diff.Options{})
	if err != nil {
		t.Fatal(err)
	}
	m := loadingModel(t, func(context.Context, func(LoadProgress)) (*graph.Graph, []Option, error) {
		return g, []Option{WithDiff(r, "old.json")}, nil
	}, 120, 40)
	(&driver{t: t, m: m}).send(m.load.start()())
	got := screenText(m)
	if !strings.Contains(got, "[7 Diff]") || !strings.Contains(got, "no change in effective access") {
		t.Errorf("after the load:\n%s", got)
	}
}

// TestDeniedByNamesEachLayerOnce: a principal denied at the resource's
// permission and at a KMS call by the same layer reads "denied by
// identity-policy, key-policy", not "identity-policy, key-policy,
// identity-policy" (the demo's Deployer on kh-demo-reports did).
func TestDeniedByNamesEachLayerOnce(t *testing.T) {
	for _, keys := range []string{"3 / t:kh-demo-reports enter enter", "3 / t:s3:::kh-demo-legacy enter enter"} {
		d := newDriver(t, 160, 48)
		d.keys(keys)
		denied := 0
		for _, line := range strings.Split(d.screen(), "\n") {
			_, by, ok := strings.Cut(line, "denied by ")
			if !ok {
				continue
			}
			denied++
			seen := map[string]bool{}
			for _, l := range strings.Split(strings.TrimSpace(by), ", ") {
				if seen[l] {
					t.Errorf("%s: %q names %s twice", keys, line, l)
				}
				seen[l] = true
			}
		}
		if denied == 0 {
			t.Errorf("%s: no denied row: this test checks nothing\n%s", keys, d.screen())
		}
	}
}

// TestRoundTook: a quick load says how quick, not "opened in 0s".
func TestRoundTook(t *testing.T) {
	for d, want := range map[time.Duration]string{42*time.Millisecond + 300*time.Microsecond: "42ms", 2345 * time.Millisecond: "2.3s", 16*time.Second + 449*time.Millisecond: "16.4s"} {
		if got := roundTook(d); got != want {
			t.Errorf("roundTook(%v) = %q, want %q", d, got, want)
		}
	}
}

// TestLoadNoticeInStatus: a warning the load gave (a graph cache not
// written) is in the status line the graph opens with, as the CLI says it
// on stderr.
func TestLoadNoticeInStatus(t *testing.T) {
	g := demoGraph(t)
	m := loadingModel(t, func(context.Context, func(LoadProgress)) (*graph.Graph, []Option, error) {
		return g, []Option{WithNotice("the graph cache was not written (disk full)")}, nil
	}, 200, 40)
	_, cmd := m.Update(m.load.start()())
	(&driver{t: t, m: m}).run(cmd)
	if got := screenText(m); !strings.Contains(got, "the graph cache was not written (disk full)") || !strings.Contains(got, "opened in") {
		t.Errorf("no notice in the status line:\n%s", got)
	}
}
