package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
)

// findingsMsg carries the snapshot's findings, computed in the background.
type findingsMsg struct {
	all        []graph.Finding
	byResource map[string]int
}

func findingsCmd(g *graph.Graph) tea.Cmd {
	return func() tea.Msg {
		all := g.Findings()
		by := make(map[string]int, len(all))
		for _, f := range all {
			by[f.Resource]++
		}
		return findingsMsg{all: all, byResource: by}
	}
}

func findingRow(c *Common, f graph.Finding) row {
	var ev []string
	for _, e := range f.Evidence {
		if e.Detail != "" {
			ev = append(ev, e.Detail)
		}
	}
	return row{
		id:     f.Resource,
		kind:   f.Severity.String(),
		cells:  []string{strings.ToUpper(f.Severity.String()), f.Title, c.label(f.Resource), strings.Join(ev, "; ")},
		search: strings.ToLower(f.Severity.String() + " " + f.Rule + " " + f.Title + " " + f.Resource + " " + strings.Join(ev, " ")),
		ref:    f,
	}
}

// findingsScreen lists findings, most severe first; enter opens the key,
// principal or resource a finding is about.
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
		if id := s.l.SelectedID(); id != "" {
			return s, jumpTo(s.c, id)
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
	g := c.Graph
	if p := g.Principal(ref); p != nil {
		return push(newPrincipalScreen(c, p))
	}
	for _, r := range g.Resources() {
		if r.ARN == ref {
			return push(newResourceScreen(c, r))
		}
	}
	if k, err := g.ResolveKey(ref, "", ""); err == nil {
		return push(newKeyScreen(c, k))
	}
	return nil
}
