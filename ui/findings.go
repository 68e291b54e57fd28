package ui

import (
	"slices"
	"strings"
	"sync"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
)

// findingsMsg carries the snapshot's findings, computed in the background:
// first graph.Findings, then the same with the escalation findings
// (graph/escalation, a search per key: seconds on a large organization),
// which replace them.
type findingsMsg struct {
	all        []graph.Finding
	byResource map[string]int
	// g is the graph they are of; escalation says the escalation findings
	// are in.
	g          *graph.Graph
	escalation bool
}

// findingsCmd computes g's findings; with escalation, the escalation
// findings after them (WithEscalation: a search per key, minutes of CPU on a
// 1,000-account organization, so only when asked).
func findingsCmd(g *graph.Graph, escalation bool) tea.Cmd {
	// Both answers start from g.Findings: computed once, by whichever
	// command gets there first.
	base := sync.OnceValue(g.Findings)
	if !escalation {
		return findingsOf(g, base, false)
	}
	return tea.Batch(findingsOf(g, base, false), findingsOf(g, base, true))
}

// findingsOf computes g's findings from base, with the escalation findings
// or not.
func findingsOf(g *graph.Graph, base func() []graph.Finding, withEscalation bool) tea.Cmd {
	return func() tea.Msg {
		all := slices.Clone(base())
		if withEscalation {
			esc, err := escalation.Findings(g, escalation.Options{})
			if err != nil {
				return statusMsg{text: "escalation findings: " + err.Error(), err: true}
			}
			all = append(all, esc...)
			escalation.Sort(all)
		}
		by := make(map[string]int, len(all))
		for _, f := range all {
			by[f.Resource]++
		}
		return findingsMsg{all: all, byResource: by, g: g, escalation: withEscalation}
	}
}

func findingRow(c *Common, f graph.Finding) row {
	var ev, full []string
	for _, e := range f.Evidence {
		full = append(full, e.Text())
		// A grant ID is 64 hex digits: its first 8 tell grants apart in a
		// list (the finding's detail shows it whole).
		if len(e.Grant) > 8 {
			e.Grant = e.Grant[:8] + "…"
		}
		if t := e.Text(); t != "" {
			ev = append(ev, t)
		}
	}
	return row{
		id:     f.Resource,
		kind:   f.Severity.String(),
		cells:  []string{strings.ToUpper(f.Severity.String()), f.Title, c.label(f.Resource), strings.Join(ev, "; ")},
		search: strings.ToLower(f.Severity.String() + " " + f.Rule + " " + f.Title + " " + f.Resource + " " + strings.Join(full, " ")),
		ref:    f,
	}
}

// findingsScreen lists findings, most severe first; enter opens one
// (findingdetail.go).
type findingsScreen struct {
	listView
	loaded bool
}

func newFindingsScreen(c *Common) *findingsScreen {
	return &findingsScreen{listView: newListView(c, []column{{"SEVERITY", 9, 0}, {"FINDING", 24, 3}, {"ON", 20, 3}, {"EVIDENCE", 10, 3}}, "computing findings…")}
}

func (s *findingsScreen) Init() tea.Cmd { return nil }

func (s *findingsScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if m, ok := msg.(findingsMsg); ok {
		rows := make([]row, len(m.all))
		for i, f := range m.all {
			rows[i] = findingRow(s.c, f)
		}
		s.l.empty = "no findings"
		s.l.SetRows(rows)
		s.loaded = true
		return s, nil
	}
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if r := s.l.Selected(); r != nil {
			return s, push(newFindingScreen(s.c, r.ref.(graph.Finding)))
		}
	}
	return s, nil
}

func (s *findingsScreen) View() string             { return s.filterLine() + "\n" + s.l.View() }
func (s *findingsScreen) SetSize(w, h int)         { s.l.SetSize(w, h-1); s.input.SetWidth(w / 2) }
func (s *findingsScreen) Crumb() string            { return "Findings" }
func (s *findingsScreen) Capturing() bool          { return s.filtering }
func (s *findingsScreen) Selected() string         { return s.l.SelectedID() }
func (s *findingsScreen) ShortHelp() []key.Binding { return s.helpBindings() }
func (s *findingsScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{s.helpBindings()}
}

// jumpTo opens what an ARN, alias or key ID names: a key, a principal or a
// resource; or says it is not in the snapshot.
func jumpTo(c *Common, ref string) tea.Cmd {
	if cmd := resolveExact(c, ref); cmd != nil {
		return cmd
	}
	return status("nothing in the snapshot is named "+strings.TrimSpace(ref), true)
}

// resolveExact opens what an ARN, alias or key ID names exactly; nil when
// nothing does.
func resolveExact(c *Common, ref string) tea.Cmd {
	ref = strings.TrimSpace(ref)
	if s := screenFor(c, ref); s != nil {
		return push(s)
	}
	return nil
}

// screenFor is the screen of the key, principal or resource ref names, or
// nil when the snapshot has none.
func screenFor(c *Common, ref string) screen {
	g := c.Graph
	if p := g.Principal(ref); p != nil {
		return newPrincipalScreen(c, p)
	}
	for _, r := range g.Resources() {
		if r.ARN == ref {
			return newResourceScreen(c, r)
		}
	}
	if k, err := g.ResolveKey(ref, "", ""); err == nil {
		return newKeyScreen(c, k)
	}
	return nil
}
