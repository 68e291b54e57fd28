package ui

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/progress"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/internal/plural"
)

// Loader reads and builds the graph the TUI browses, telling progress what
// it is doing as it goes. It runs in the background while the TUI shows a
// loading frame: a large organization takes seconds to open, and the screen
// must not stay blank meanwhile. The options it returns apply once the
// graph is there (WithDiff: a diff is computed with the graphs).
type Loader func(ctx context.Context, progress func(LoadProgress)) (*graph.Graph, []Option, error)

// LoadProgress is one step of a Loader: what it is doing ("reading
// org.json.gz", "decoding accounts"), and how far it is when it can count.
type LoadProgress struct {
	Stage string
	// Done and Total count Unit ("bytes", "accounts"); Total is 0 when
	// there is nothing to count, or (with a Unit) when Done counts on with
	// no end known ("events").
	Done, Total int64
	Unit        string
}

// WithLoader opens the TUI at once on a loading frame and browses the graph
// load returns when it is ready. An error from load ends the TUI: LoadErr
// returns it.
func WithLoader(load Loader) Option {
	return func(m *Model) { m.load = newLoadState(load) }
}

// LoadErr is the error that ended a load (WithLoader), or nil.
func (m *Model) LoadErr() error { return m.loadErr }

// loadState is a load in progress. The loader's goroutine writes the
// stages under mu; Update copies them into shown on each spinner tick, and
// View draws only shown.
type loadState struct {
	run     Loader
	report  func(LoadProgress)
	cancel  context.CancelFunc
	started time.Time
	bar     progress.Model

	mu     sync.Mutex
	stages []loadStage

	shown []loadStage
	now   time.Time
}

// loadStage is a stage of the load and when it started; it ended when the
// next one started.
type loadStage struct {
	LoadProgress
	start time.Time
}

// loadDoneMsg ends a load.
type loadDoneMsg struct {
	g    *graph.Graph
	opts []Option
	err  error
}

func newLoadState(run Loader) *loadState {
	l := &loadState{
		run: run, started: time.Now(),
		bar: progress.New(progress.WithWidth(30), progress.WithoutPercentage(), progress.WithFillCharacters('█', '░')),
	}
	l.report = l.record
	return l
}

// record records a step; it runs on the loader's goroutine.
func (l *loadState) record(p LoadProgress) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if n := len(l.stages); n > 0 && l.stages[n-1].Stage == p.Stage {
		l.stages[n-1].LoadProgress = p
		return
	}
	l.stages = append(l.stages, loadStage{LoadProgress: p, start: time.Now()})
}

// refresh copies the loader's stages for View.
func (l *loadState) refresh() {
	l.mu.Lock()
	l.shown = append(l.shown[:0], l.stages...)
	l.mu.Unlock()
	l.now = time.Now()
}

// start runs the loader in a command: its message ends the load.
func (l *loadState) start() tea.Cmd {
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel = cancel
	return func() tea.Msg {
		g, opts, err := l.run(ctx, l.report)
		return loadDoneMsg{g: g, opts: opts, err: err}
	}
}

// finishLoad browses the loaded graph, or ends the TUI on a load error.
func (m *Model) finishLoad(msg loadDoneMsg) (tea.Model, tea.Cmd) {
	took := time.Since(m.load.started)
	m.load.cancel()
	m.load = nil
	if msg.err != nil {
		m.loadErr = msg.err
		m.quitting = true
		return m, tea.Quit
	}
	m.c.Graph, m.c.Snapshot = msg.g, msg.g.Snapshot
	for _, o := range msg.opts {
		o(m)
	}
	if m.diff != nil {
		m.sec = secDiff
	}
	cmd := m.browse(msg.g, msg.g.Snapshot)
	if !msg.g.Ready() { // its principals are built behind the keys list
		cmd = tea.Batch(cmd, builtCmd(msg.g))
	}
	var notes string
	if n := len(msg.g.Issues); n > 0 {
		notes += " · " + plural.Form(n, "snapshot issue", "snapshot issues") + " (unreadable parts): answers that depend on them say so"
	}
	for _, n := range m.notices {
		notes += " · " + n
	}
	m.notices = nil
	m.opened = openedStatus{took: roundTook(took), notes: notes}
	m.status, m.isErr = m.opened.line(m.c), false
	m.opened.text = m.status
	return m, cmd
}

// openedStatus is the status line a load leaves: how long it took, what
// was opened, its issues and notices. A graph whose principals were still
// built says so; builtMsg writes the line again once they are, unless
// another has replaced it.
type openedStatus struct {
	took, notes string
	text        string // the line as written
}

func (o openedStatus) line(c *Common) string {
	return "opened in " + o.took + ": " + sourceSummary(c) + o.notes
}

// builtMsg says a graph's principals and resources are built
// (graph.BuildOptions.Background).
type builtMsg struct{ g *graph.Graph }

// builtCmd waits for g's principals.
func builtCmd(g *graph.Graph) tea.Cmd {
	return func() tea.Msg {
		<-g.Built()
		return builtMsg{g}
	}
}

// WithNotice adds a warning the load gave (a graph cache not written) to
// what the status line says once the graph opens (WithLoader).
func WithNotice(text string) Option {
	return func(m *Model) { m.notices = append(m.notices, text) }
}

// loadingView is the loading frame: each stage, the current one with a
// spinner, its progress and how long it has taken.
func (m *Model) loadingView() string {
	l, st := m.load, m.c.Styles
	var b strings.Builder
	b.WriteString(st.Bold.Render("Opening "+m.c.Source) + "\n\n")
	if len(l.shown) == 0 {
		b.WriteString(m.spinFrame() + " starting…\n")
	}
	for i, s := range l.shown {
		end := l.now
		if i+1 < len(l.shown) {
			end = l.shown[i+1].start
		}
		took := st.Muted.Render(" " + end.Sub(s.start).Round(100*time.Millisecond).String())
		if i+1 < len(l.shown) {
			b.WriteString(st.Allowed.Render("✓") + " " + s.Stage + done(s.LoadProgress) + took + "\n")
			continue
		}
		line := m.spinFrame() + " " + s.Stage + "…"
		switch {
		case s.Total > 0:
			line += "  " + l.bar.ViewAs(float64(s.Done)/float64(s.Total)) + "  " + count(s.Done, s.Total, s.Unit)
		case s.Unit != "":
			line += "  " + amount(s.Done, s.Unit) // a count with no total: events read
		}
		b.WriteString(line + took + "\n")
	}
	b.WriteString("\n" + st.Muted.Render("The views open when the access graph is built; q quits."))
	return b.String()
}

// done is a finished stage's count: " (5.4 MB)", " (1,001 accounts)".
func done(p LoadProgress) string {
	if p.Total == 0 {
		if p.Unit != "" {
			return " (" + amount(p.Done, p.Unit) + ")"
		}
		return ""
	}
	return " (" + amount(p.Total, p.Unit) + ")"
}

// count is "2.1 MB of 5.4 MB", "400 of 1,001 accounts".
func count(n, total int64, unit string) string {
	if unit == "bytes" {
		return amount(n, unit) + " of " + amount(total, unit)
	}
	return fmt.Sprintf("%d of %s", n, amount(total, unit))
}

func amount(n int64, unit string) string {
	if unit != "bytes" {
		return plural.Form(n, strings.TrimSuffix(unit, "s"), unit)
	}
	return ByteSize(n)
}

// ByteSize is a size as people read it: "5.4 MB", "1.2 GB", "310 bytes".
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f kB", float64(n)/(1<<10))
	}
	return plural.Count(n, "byte")
}

// loadingFrame is the whole screen while loading: the title, the stages,
// and the one key that works.
func (m *Model) loadingFrame() string {
	st := m.c.Styles
	bodyH := max(m.height-3, 1)
	body := clip(m.loadingView(), m.width, bodyH)
	return fit(st.Title.Render("keyhound"), m.width) + "\n" + body + "\n" +
		fit(st.Status.Render("opening "+m.c.Source), m.width) + "\n" + m.help.ShortHelpView([]key.Binding{m.c.Keys.Quit})
}

// roundTook is a load's duration as the status line says it: "40ms" under a
// second (not "0s"), "2.3s" above.
func roundTook(d time.Duration) string {
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
