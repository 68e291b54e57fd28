package ui

import (
	"strconv"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/usage"
	"github.com/keyhound/keyhound/internal/plural"
)

// denialsScreen is the Access denied section when CloudTrail usage is
// loaded: the AccessDenied events read, grouped by root cause (the same
// operation, principal and key failing at the same layer and statement,
// with the same fix), most frequent first. i opens the paste view.
type denialsScreen struct {
	listView
	groups        []usage.DenialGroup
	total         int
	width, height int
}

// pasteKey opens the paste view from the denial groups.
var pasteKey = key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "paste an error"))

func newDenialsScreen(c *Common) *denialsScreen {
	s := &denialsScreen{
		listView: newListView(c, []column{{"COUNT", 5, 0}, {"ACTION", 12, 1}, {"PRINCIPAL", 14, 3}, {"KEY", 10, 2}, {"LAYER", 12, 1}, {"FIX", 16, 4}}, "no AccessDenied event in the CloudTrail events read"),
		groups:   c.usage.report.Denials,
	}
	rows := make([]row, 0, len(s.groups))
	for i := range s.groups {
		g := &s.groups[i]
		s.total += g.Count
		fix := g.Fix
		if fix == "" {
			fix = nonEmptyStr(g.Error, g.Statement)
		}
		keyName := ""
		if g.Key != "" {
			keyName = c.label(g.Key)
		}
		rows = append(rows, row{
			id: g.Principal, kind: denialKind(g.Layer),
			cells:  []string{strconv.Itoa(g.Count), g.Action, shortPrincipal(g.Principal), keyName, g.Layer, fix},
			search: strings.ToLower(strings.Join([]string{g.Action, g.Principal, g.Key, keyName, g.Layer, g.Statement, fix}, " ")),
			ref:    g,
		})
	}
	s.l.SetRows(rows)
	return s
}

// denialKind styles a group's row: a layer keyhound agrees denies is DENY,
// an answer that differs CONDITIONAL.
func denialKind(layer string) string {
	switch layer {
	case "allow", "conditional", "error":
		return "CONDITIONAL"
	}
	return "DENY"
}

func (s *denialsScreen) Init() tea.Cmd { return nil }

func (s *denialsScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok {
		switch {
		case key.Matches(msg, pasteKey):
			p := newDeniedScreen(s.c)
			p.pasted = true
			return s, push(p)
		case key.Matches(msg, s.c.Keys.Enter):
			if r := s.l.Selected(); r != nil {
				return s, push(newDenialScreen(s.c, r.ref.(*usage.DenialGroup)))
			}
		}
	}
	return s, nil
}

func (s *denialsScreen) head() string {
	st := s.c.Styles
	return st.Bold.Render(plural.Count(s.total, "denial")+" in "+plural.Count(len(s.groups), "group")+" from CloudTrail") +
		st.Muted.Render(", by root cause, most frequent first · enter: the events and the explanation · i: paste an AccessDenied error")
}

func (s *denialsScreen) View() string {
	return wrapText(s.head(), s.width) + "\n" + s.filterLine() + "\n" + s.l.View()
}

func (s *denialsScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.input.SetWidth(w / 2)
	s.l.SetSize(w, h-lineCount(wrapText(s.head(), w))-1)
}

func (s *denialsScreen) Crumb() string   { return "Access denied" }
func (s *denialsScreen) Capturing() bool { return s.filtering }
func (s *denialsScreen) Selected() string {
	if r := s.l.Selected(); r != nil {
		if g := r.ref.(*usage.DenialGroup); g.Key != "" {
			return g.Key
		}
		return r.id
	}
	return ""
}
func (s *denialsScreen) ShortHelp() []key.Binding { return append(s.helpBindings(), pasteKey) }
func (s *denialsScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{s.helpBindings(), {pasteKey}}
}

// denialScreen is one denial group: its cause, its events, and keyhound's
// explanation of the first, as the paste view gives it.
type denialScreen struct {
	c *Common
	g *usage.DenialGroup
	pane
}

func newDenialScreen(c *Common, g *usage.DenialGroup) *denialScreen {
	s := &denialScreen{c: c, g: g}
	s.pane = newPane(c, s.render)
	return s
}

func (s *denialScreen) Init() tea.Cmd { return nil }

func (s *denialScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if _, ok := msg.(tea.BackgroundColorMsg); ok {
		s.refresh()
		return s, nil
	}
	s.update(msg)
	return s, nil
}

func (s *denialScreen) render(w int) []string {
	st, g := s.c.Styles, s.g
	out := wrap(st.Bold.Render(plural.Count(g.Count, "denial")+": "+g.Action+" by "+shortPrincipal(g.Principal)), w)
	out = append(out, "")
	add := func(label, value string) { out = append(out, field(s.c, label, value, w)...) }
	add("principal", g.Principal)
	if g.Key != "" {
		add("key", s.c.label(g.Key)+" ("+g.Key+")")
	}
	add("layer", g.Layer)
	add("statement", g.Statement)
	if g.Fix != "" {
		add("fix", g.Fix)
	}
	add("error codes", strings.Join(g.Codes, ", "))
	add("seen", g.First.UTC().Format(time.DateTime)+" – "+g.Last.UTC().Format(time.DateTime))
	out = append(out, "", st.Header.Render("Events"+eventsShown(len(g.Events), g.Count)))
	for _, e := range g.Events {
		line := e.Time.UTC().Format(time.DateTime) + "  " + nonEmptyStr(e.EventID, "(no event ID)")
		if e.Caller != "" && e.Caller != g.Principal {
			line += "  " + e.Caller
		}
		out = append(out, indented(line, 2, w)...)
	}
	out = append(out, "", st.Header.Render("Explanation (the first event, as keyhound denied explains it)"))
	switch {
	case g.Error != "":
		out = append(out, indented(st.Error.Render("✗ "+g.Error), 2, w)...)
	case g.Report != nil:
		out = append(out, wrapLines(deniedReportLines(s.c, g.Report), w)...)
	}
	return out
}

// eventsShown is " (the first 20 of 412)" when the group lists fewer events
// than it counts.
func eventsShown(listed, count int) string {
	if listed >= count {
		return ""
	}
	return " (the first " + strconv.Itoa(listed) + " of " + strconv.Itoa(count) + ")"
}

func (s *denialScreen) View() string     { return s.view() }
func (s *denialScreen) SetSize(w, h int) { s.setSize(w, h) }
func (s *denialScreen) Capturing() bool  { return false }
func (s *denialScreen) Selected() string {
	if s.g.Key != "" {
		return s.g.Key
	}
	return s.g.Principal
}

func (s *denialScreen) Crumb() string             { return strconv.Itoa(s.g.Count) + " × " + s.g.Action }
func (s *denialScreen) ShortHelp() []key.Binding  { return s.help() }
func (s *denialScreen) FullHelp() [][]key.Binding { return [][]key.Binding{scrollKeys(s.c)} }

// Click selects the group clicked; again opens it.
func (s *denialsScreen) Click(_, y int) bool { return s.clickBelow(listTop(s.View(), s.l), y) }
