package ui

import (
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// The 1,000-account generated organization of issue #3 (100,000 principals,
// 20,000 customer keys), built once for every benchmark of this file.
// Run: go test -run '^$' -bench . -benchtime 200x ./ui/
var (
	bigOnce  sync.Once
	bigGraph *graph.Graph
)

func big(_ *testing.B) *graph.Graph {
	bigOnce.Do(func() {
		bigGraph = graph.Build(gen.Organization(gen.Options{Accounts: 1000, Regions: 2, RolesPerAccount: 100, KeysPerRegion: 10, ResourcesPerKey: 5, Seed: 1}), nil)
	})
	return bigGraph
}

// BenchmarkStartup is the TUI's start on a built graph: the model, every
// section's rows, the first frame. Who can decrypt each key is counted
// afterwards, in the background.
func BenchmarkStartup(b *testing.B) {
	g := big(b)
	b.ResetTimer()
	for b.Loop() {
		m := New(g, g.Snapshot, "bench")
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
		_ = m.Render()
	}
}

// BenchmarkFilterKeystroke is one key press in the keys filter, with the
// frame it renders: a letter typed, then erased.
func BenchmarkFilterKeystroke(b *testing.B) {
	g := big(b)
	m := New(g, g.Snapshot, "bench")
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	m.Update(tea.KeyPressMsg{Code: '/', Text: "/"})
	for _, r := range "app-" {
		m.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	b.ResetTimer()
	for b.Loop() {
		m.Update(tea.KeyPressMsg{Code: '3', Text: "3"})
		_ = m.Render()
		m.Update(tea.KeyPressMsg{Code: tea.KeyBackspace})
		_ = m.Render()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(2*b.N)/1e6, "ms/keypress")
}

// BenchmarkDrillDown is enter on a key (its detail screen and first frame;
// who can decrypt it is computed in the background) and esc back.
func BenchmarkDrillDown(b *testing.B) {
	g := big(b)
	m := New(g, g.Snapshot, "bench")
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
	b.ResetTimer()
	for b.Loop() {
		_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		m.Update(cmd()) // the pushMsg
		_ = m.Render()
		m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
		_ = m.Render()
	}
}

// BenchmarkSwitchSections is the first press of each section key on a new
// TUI (2 Principals, 3 Resources, 4 Findings) and its frame — how long a
// key press holds the screen (ms/keypress) — then the section's rows, built
// in the background, arriving (ms/rows: the spinner turns until then).
func BenchmarkSwitchSections(b *testing.B) {
	g := big(b)
	for _, sec := range []struct {
		name string
		key  rune
	}{{"principals", '2'}, {"resources", '3'}, {"findings", '4'}} {
		b.Run(sec.name, func(b *testing.B) {
			var press, rows time.Duration
			for b.Loop() {
				b.StopTimer()
				m := New(g, g.Snapshot, "bench")
				m.Update(tea.WindowSizeMsg{Width: 160, Height: 50})
				_ = m.Render()
				b.StartTimer()
				t0 := time.Now()
				_, cmd := m.Update(tea.KeyPressMsg{Code: sec.key, Text: string(sec.key)})
				_ = m.Render()
				t1 := time.Now()
				for _, msg := range drain(cmd) {
					if _, ok := msg.(rowsMsg); ok {
						m.Update(msg)
						_ = m.Render()
					}
				}
				press, rows = press+t1.Sub(t0), rows+time.Since(t1)
			}
			b.ReportMetric(float64(press.Milliseconds())/float64(b.N), "ms/keypress")
			b.ReportMetric(float64(rows.Milliseconds())/float64(b.N), "ms/rows")
		})
	}
}

// drain runs cmd and the commands of the batches it gives, once, and
// returns their messages (not the spinner's ticks: they would wait).
func drain(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch msg := msg.(type) {
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range msg {
			out = append(out, drain(c)...)
		}
		return out
	case spinner.TickMsg:
		return nil
	}
	return []tea.Msg{msg}
}
