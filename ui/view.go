package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// View renders the title bar, the breadcrumb, the top screen (or the full
// help), the status line and the focused screen's short help.
func (m *Model) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "keyhound · " + m.c.Source
	return v
}

// Render is the screen's text: View's content.
func (m *Model) Render() string {
	if m.width == 0 {
		return "keyhound: starting…"
	}
	if m.quitting {
		return ""
	}
	if m.load != nil {
		return m.loadingFrame()
	}
	st := m.c.Styles
	bodyH := max(m.height-4, 3)
	var body string
	if m.showHelp {
		body = m.fullHelp()
	} else {
		body = m.top().View()
	}
	body = clip(body, m.width, bodyH)
	if m.jumping {
		body = overlayBottom(body, m.jumpm.completions(m.c, m.width, maxJumpHits), bodyH)
	}

	statusLine := st.Status.Render(sourceSummary(m.c))
	switch {
	case m.picker != nil:
		statusLine = st.Bold.Render(m.picker.prompt())
	case m.jumping:
		statusLine = m.jump.View()
	case m.status != "" && m.isErr:
		statusLine = st.Error.Render("✗ " + m.status)
	case m.status != "":
		statusLine = st.Status.Render(m.status)
	}
	var short []key.Binding
	switch {
	case m.picker != nil:
		short = m.picker.shortHelp()
	case m.jumping:
		// Typing goes to the input: only these keys do anything else.
		short = []key.Binding{
			key.NewBinding(key.WithKeys("up", "down", "ctrl+p", "ctrl+n"), key.WithHelp("↑/↓", "choose")),
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "jump")),
			key.NewBinding(key.WithKeys("esc", "tab"), key.WithHelp("esc/tab", "cancel")),
			quitKey,
		}
	case m.showHelp:
		short = []key.Binding{m.c.Keys.Help}
	case m.top().Capturing():
		short = append(m.top().ShortHelp(), quitKey)
	default:
		short = append(m.top().ShortHelp(), m.c.Keys.Back, m.c.Keys.Jump, m.c.Keys.Help, m.c.Keys.Quit)
		if len(m.stack) == 1 {
			short = short[:len(short)-4]
			short = append(short, m.c.Keys.NextTab, m.c.Keys.Jump, m.c.Keys.Help, m.c.Keys.Quit)
		}
	}
	// fit: bubbles' help adds the item its ellipsis has no room for.
	return m.titleBar() + "\n" + m.breadcrumb() + "\n" + body + "\n" + fit(statusLine, m.width) + "\n" + fit(m.help.ShortHelpView(short), m.width)
}

func (m *Model) titleBar() string {
	parts, _ := m.tabBar()
	return fit(strings.Join(parts, " "), m.width)
}

// breadcrumb is the stack's crumbs. When they do not fit, the ones after
// the section give way to "…" first, oldest first: where you are (the last)
// and where you started (the first) stay readable.
func (m *Model) breadcrumb() string {
	st := m.c.Styles
	crumbs := make([]string, len(m.stack))
	for i, s := range m.stack {
		crumbs[i] = st.Crumb.Render(s.Crumb())
	}
	sep := st.CrumbSep.Render(" › ")
	line := strings.Join(crumbs, sep)
	for drop := 1; lipgloss.Width(line) > m.width && drop < len(crumbs)-1; drop++ {
		kept := append([]string{crumbs[0], st.Muted.Render("…")}, crumbs[1+drop:]...)
		line = strings.Join(kept, sep)
	}
	return fit(line, m.width)
}

func (m *Model) fullHelp() string {
	k := m.c.Keys
	var sections []key.Binding
	for i, b := range []key.Binding{k.Keys, k.Principals, k.Resources, k.Findings, k.Denied, k.Scan, k.Diff} {
		// The sections the tab bar shows, no more.
		if (section(i) == secScan || section(i) == secDiff) && m.sections[i] == nil {
			continue
		}
		sections = append(sections, b)
	}
	groups := [][]key.Binding{sections, {k.NextTab, k.PrevTab, k.Enter, k.Back, k.Jump}, {k.Copy, k.Export, k.Help, k.Quit}}
	groups = append(groups, m.top().FullHelp()...)
	st := m.c.Styles
	title := st.Bold.Render("Keys") + st.Muted.Render("  (? or esc to close)")
	legend := st.Allowed.Render("✓ ALLOW") + "  " + st.Conditional.Render("? CONDITIONAL") + "  " + st.Denied.Render("✗ DENY")
	if m.c.escalation {
		legend += "  " + st.Escalation.Render("⇡ CAN GAIN") + st.Muted.Render(" (in API calls it may make now)")
	}
	return title + "\n\n" + m.helpColumns(onceEach(groups)) + "\n\n" + legend + "\n" +
		st.Muted.Render("CONDITIONAL: the answer depends on the live request (source IP, encryption") + "\n" +
		st.Muted.Render("context…) or on what the snapshot lacks. Colours repeat the glyphs and words.")
}

// onceEach drops a binding whose keys an earlier group already lists:
// help names each key once.
func onceEach(groups [][]key.Binding) [][]key.Binding {
	seen := map[string]bool{}
	var out [][]key.Binding
	for _, g := range groups {
		var kept []key.Binding
		for _, b := range g {
			id := b.Help().Key
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			kept = append(kept, b)
		}
		if len(kept) > 0 {
			out = append(out, kept)
		}
	}
	return out
}

// helpColumns lays the groups out as columns, as many side by side as the
// width takes, the rest on the rows below: nothing is cut at 80 columns.
func (m *Model) helpColumns(groups [][]key.Binding) string {
	const gap = "   "
	var rows, row []string
	rowW := 0
	for _, g := range groups {
		col := m.help.FullHelpView([][]key.Binding{g})
		w := lipgloss.Width(col)
		if len(row) > 0 && rowW+len(gap)+w > m.width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			row = append(row, gap)
			rowW += len(gap)
		}
		row = append(row, col)
		rowW += w
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Join(rows, "\n\n")
}

// sourceSummary says what is being browsed, and how many calls the scan
// behind it could not complete.
func sourceSummary(c *Common) string {
	if c.summaryOf == c.Graph && c.summary != "" && (!c.summaryPartial || !c.Graph.Ready()) {
		return c.summary
	}
	st, complete := c.Graph.CountsSoFar()
	org := "no organization"
	if c.Graph.Org != nil {
		org = "organization " + c.Graph.Org.ID
	}
	principals := strconv.Itoa(st.Users+st.Roles) + " principals"
	if !complete {
		principals = "principals: building…" // (Ready), drawn again once built
	}
	summary := c.Source + " · " + org + " · " + strconv.Itoa(st.Accounts) + " accounts · " + strconv.Itoa(st.Keys) + " keys · " + principals
	switch n := st.CollectionErrors; {
	case n == 1:
		summary += " · ? 1 collection error: answers that depend on it are CONDITIONAL"
	case n > 1:
		summary += " · ? " + strconv.Itoa(n) + " collection errors: answers that depend on them are CONDITIONAL"
	}
	c.summary, c.summaryOf, c.summaryPartial = summary, c.Graph, !complete
	return c.summary
}

// clip cuts or pads text to exactly h lines of at most w cells.
func clip(s string, w, h int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if lipgloss.Width(l) > w {
			lines[i] = fit(l, w)
		}
	}
	for len(lines) < h {
		lines = append(lines, "")
	}
	return strings.Join(lines, "\n")
}

// quitKey is the one global key that works while a text input has the
// keyboard (q is typed into it).
var quitKey = key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit"))
