package ui

import (
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// clicker is a screen with a list the mouse can point into. Click gets a
// left click at (x, y) relative to the screen's body: y 0 is the first
// line of its View. It selects the row under the click and reports whether
// that row was selected already: the root then opens it, as enter does.
type clicker interface {
	Click(x, y int) (again bool)
}

// bodyTop is the body's first line on the terminal: below the tab bar and
// the breadcrumb (Render).
const bodyTop = 2

// click handles a mouse click: on the tab bar it selects that section; in
// the body it goes to the top screen when it is a clicker, and a click on
// the selected row opens it.
func (m *Model) click(msg tea.MouseClickMsg) (tea.Model, tea.Cmd) {
	if msg.Button != tea.MouseLeft || m.showHelp || m.picker != nil {
		return m, nil
	}
	if m.jumping {
		return m.clickCompletion(msg.Y)
	}
	if msg.Y == 0 {
		for _, t := range m.tabSpans() {
			if msg.X >= t.x0 && msg.X < t.x1 {
				return m.switchTo(t.sec)
			}
		}
		return m, nil
	}
	bodyH := max(m.height-4, 3)
	if msg.Y < bodyTop || msg.Y >= bodyTop+bodyH {
		return m, nil
	}
	c, ok := m.top().(clicker)
	if !ok {
		return m, nil
	}
	if c.Click(msg.X, msg.Y-bodyTop) {
		return m.forward(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	return m, nil
}

// tabSpan is where a section's label sits in the tab bar: cells x0 to x1
// (exclusive).
type tabSpan struct {
	sec    section
	x0, x1 int
}

// tabBar is the tab bar's parts (the title, then one label per section
// shown) and where each label sits: titleBar renders the one, click reads
// the other.
func (m *Model) tabBar() (parts []string, spans []tabSpan) {
	st := m.c.Styles
	parts = []string{st.Title.Render("keyhound")}
	x := lipgloss.Width(parts[0]) + 1
	for i, n := range sectionNames {
		if (section(i) == secScan || section(i) == secDiff) && m.sections[i] == nil {
			continue
		}
		label := st.TabLabel(strconv.Itoa(i+1)+" "+n, section(i) == m.sec)
		w := lipgloss.Width(label)
		parts = append(parts, label)
		spans = append(spans, tabSpan{sec: section(i), x0: x, x1: x + w})
		x += w + 1
	}
	return parts, spans
}

func (m *Model) tabSpans() []tabSpan {
	_, spans := m.tabBar()
	return spans
}

// click selects the row at line y of the list's View (0 is its header);
// again says it was selected already. A click ends filtering, as up and
// down do.
func (v *listView) click(y int) (again bool) {
	i := v.l.RowAt(y)
	if i < 0 {
		return false
	}
	if v.filtering {
		v.filtering = false
		v.input.Blur()
	}
	again = i == v.l.cursor
	v.l.cursor = i
	v.l.clamp()
	return again
}

// clickBelow is a click at line y of a view whose list starts after its
// first above lines.
func (v *listView) clickBelow(above, y int) bool { return v.click(y - above) }

// listTop is the first line of a list in a view that ends with it.
func listTop(view string, l *list) int {
	return strings.Count(view, "\n") - strings.Count(l.View(), "\n")
}

func (s *keysScreen) Click(_, y int) bool       { return s.clickBelow(listTop(s.View(), s.l), y) }
func (s *principalsScreen) Click(_, y int) bool { return s.clickBelow(listTop(s.View(), s.l), y) }
func (s *resourcesScreen) Click(_, y int) bool  { return s.clickBelow(listTop(s.View(), s.l), y) }
func (s *resourceScreen) Click(_, y int) bool   { return s.clickBelow(listTop(s.View(), s.l), y) }
func (s *findingsScreen) Click(_, y int) bool   { return s.clickBelow(listTop(s.View(), s.l), y) }
func (s *scanScreen) Click(_, y int) bool       { return s.clickBelow(listTop(s.View(), s.l), y) }

// Click on the diff's list, which has the selected change's causes below
// it: the list is found in the view rather than at its end.
func (s *diffScreen) Click(_, y int) bool {
	view, lv := s.View(), s.l.View()
	i := strings.Index(view, lv)
	if i < 0 {
		return false
	}
	return s.clickBelow(strings.Count(view[:i], "\n"), y)
}

func (s *principalScreen) Click(_, y int) bool {
	lv := &s.lists[s.tab]
	return lv.clickBelow(listTop(s.View(), lv.l), y)
}

func (s *keyScreen) Click(_, y int) bool {
	if s.tab == tabPolicy {
		return false
	}
	lv := &s.lists[s.tab]
	return lv.clickBelow(listTop(s.View(), lv.l), y)
}

// clickCompletion selects the completion clicked (they sit at the bottom of
// the body); a click on the one selected jumps to it, as enter does.
func (m *Model) clickCompletion(y int) (tea.Model, tea.Cmd) {
	bodyH := max(m.height-4, 3)
	n := min(len(m.jumpm.hits), maxJumpHits, bodyH)
	i := y - (bodyTop + bodyH - n)
	if i < 0 || i >= n {
		return m, nil
	}
	if i == m.jumpm.sel && m.jumpm.moved {
		return m.handleKey(tea.KeyPressMsg{Code: tea.KeyEnter})
	}
	m.jumpm.sel, m.jumpm.moved = i, true
	return m, nil
}
