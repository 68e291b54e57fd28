package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/ui/styles"
)

// filterer is a screen whose list has a filter: esc clears it before it
// goes back.
type filterer interface{ HasFilter() bool }

func (v *listView) HasFilter() bool { return v.input.Value() != "" }

func (s *keyScreen) HasFilter() bool {
	return s.tab != tabPolicy && s.lists[s.tab].HasFilter()
}

func (s *principalScreen) HasFilter() bool { return s.lists[s.tab].HasFilter() }

// itemer is a screen about one thing (a key, a principal, a finding): its
// ID, unique across kinds.
type itemer interface{ Item() string }

// onStack is the index of the open screen about what s is about, or -1.
func (m *Model) onStack(s screen) int {
	it, ok := s.(itemer)
	if !ok {
		return -1
	}
	for i, o := range m.stack {
		if oi, ok := o.(itemer); ok && oi.Item() == it.Item() && o.Crumb() == s.Crumb() {
			return i
		}
	}
	return -1
}

// update handles global messages and keys, and passes the rest to the
// screens (Update, in spin.go, wraps it).
func (m *Model) update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.layout()
		return m, nil
	case tea.BackgroundColorMsg:
		m.c.Styles = styles.DefaultStyles(msg.IsDark())
		return m, m.broadcast(msg)
	case pushMsg:
		// Opening what the breadcrumb already shows goes back to it: the
		// breadcrumb never names the same thing twice.
		if i := m.onStack(msg.s); i >= 0 {
			m.stack = m.stack[:i+1]
			return m, nil
		}
		m.stack = append(m.stack, msg.s)
		m.layout()
		return m, msg.s.Init()
	case statusMsg:
		m.status, m.isErr = msg.text, msg.err
		return m, nil
	case findingsMsg:
		// Findings of a graph no longer shown, or without the escalation
		// findings once they are in, are stale.
		if msg.g != m.c.Graph || (m.findings != nil && m.findings.escalation && !msg.escalation) {
			return m, nil
		}
		m.findings, m.c.findings = &msg, &msg
		return m, m.broadcast(msg)
	case scanDoneMsg:
		cmd := m.broadcast(msg)
		if msg.Snapshot == nil {
			return m, cmd
		}
		return m, tea.Batch(cmd, rebuildCmd(msg.Snapshot), status("scan ended: building the access graph…", false))
	case graphMsg:
		open := m.stack
		cmd := m.browse(msg.g, msg.snap)
		// An account's scan detail is about the scan, not the graph: it
		// stays open over the Scan view.
		if len(open) > 1 && open[0] == m.stack[0] {
			if sd, ok := open[1].(*scanDetailScreen); ok {
				m.stack = append(m.stack, sd)
				m.layout()
			}
		}
		return m, tea.Batch(cmd, status("access graph ready: "+sourceSummary(m.c), false))
	case builtMsg:
		if msg.g == m.c.Graph && m.status == m.opened.text && m.opened.text != "" {
			m.status = m.opened.line(m.c) // now with the principals
			m.opened.text = m.status
		}
		return m, m.broadcast(msg) // a screen may wait for it (a grant's)
	case jumpAccountMsg:
		return m.showAccount(msg.account)
	case jumpIndexMsg:
		m.indexed(msg)
		return m, nil
	case tea.KeyPressMsg:
		return m.handleKey(msg)
	case tea.MouseWheelMsg:
		return m.forward(msg)
	case tea.MouseClickMsg:
		return m.click(msg)
	case tea.PasteMsg:
		if m.jumping {
			cmd := updateInput(&m.jump, msg)
			m.jumpm.match(m.jump.Value())
			return m, cmd
		}
		return m.forward(msg)
	}
	return m, m.broadcast(msg)
}

// browse rebuilds the views on a new graph and starts their background
// work: a finished scan's, a loaded snapshot's.
func (m *Model) browse(g *graph.Graph, snap *snapshot.Snapshot) tea.Cmd {
	m.c.Graph, m.c.Snapshot, m.findings, m.c.findings = g, snap, nil, nil
	m.buildSections()
	m.layout()
	cmds := []tea.Cmd{findingsCmd(g, m.c.escalation)}
	for i, s := range m.sections {
		if s != nil && section(i) != secScan {
			cmds = append(cmds, s.Init())
		}
	}
	return tea.Batch(cmds...)
}

// broadcast sends a message to every screen open: data messages carry
// what they are about, and each screen takes only its own.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	var cmds []tea.Cmd
	seen := map[screen]bool{}
	send := func(s screen) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		_, cmd := s.Update(msg)
		cmds = append(cmds, cmd)
	}
	for _, s := range m.sections {
		send(s)
	}
	for _, s := range m.stack {
		send(s)
	}
	return tea.Batch(cmds...)
}

func (m *Model) handleKey(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	k := m.c.Keys
	if msg.String() == "ctrl+c" {
		m.quitting = true
		return m, tea.Quit
	}
	if m.picker != nil {
		done, cmd := m.picker.update(m.c, msg)
		if done {
			m.picker = nil
		}
		if cmd != nil {
			// Until the file is written: who can use an org-wide key
			// takes a while at 1,000 accounts.
			m.status, m.isErr = "exporting…", false
		}
		return m, cmd
	}
	if m.jumping {
		switch msg.String() {
		case "esc", "tab", "shift+tab":
			m.jumping = false
			m.jump.Blur()
			return m, nil
		case "enter":
			m.jumping = false
			m.jump.Blur()
			ref := m.jump.Value()
			m.jump.SetValue("")
			if strings.TrimSpace(ref) == "" {
				return m, nil
			}
			return m, m.jumpm.jumpEnter(m.c, ref)
		case "up", "ctrl+p":
			m.jumpm.move(-1)
			return m, nil
		case "down", "ctrl+n":
			m.jumpm.move(1)
			return m, nil
		}
		cmd := updateInput(&m.jump, msg)
		m.jumpm.match(m.jump.Value())
		return m, cmd
	}
	top := m.top()
	if top.Capturing() {
		return m.forward(msg)
	}
	if m.showHelp {
		if key.Matches(msg, k.Help, k.Back, k.Quit) {
			m.showHelp = false
		}
		return m, nil
	}
	m.status = ""
	switch {
	case key.Matches(msg, k.Quit):
		m.quitting = true
		return m, tea.Quit
	case key.Matches(msg, k.Help):
		m.showHelp = true
		return m, nil
	case key.Matches(msg, k.Back):
		if f, ok := top.(filterer); ok && f.HasFilter() {
			return m.forward(msg)
		}
		if len(m.stack) > 1 {
			m.stack = m.stack[:len(m.stack)-1]
		}
		return m, nil
	case key.Matches(msg, k.Jump):
		m.jumping = true
		return m, tea.Batch(m.jump.Focus(), m.startJump())
	case key.Matches(msg, k.Copy):
		if id := top.Selected(); id != "" {
			return m, tea.Batch(tea.SetClipboard(id), status("copied "+id, false))
		}
		return m, nil
	case key.Matches(msg, k.Export):
		if t, isKey := exportFocus(top); t != "" {
			m.picker = newExportPicker(m.c, t, isKey)
			return m, nil
		}
		return m, exportCmd(m.c.Snapshot, m.c.ExportDir)
	case len(m.stack) == 1 && key.Matches(msg, k.NextTab):
		return m.switchTo(m.nextSection(1))
	case len(m.stack) == 1 && key.Matches(msg, k.PrevTab):
		return m.switchTo(m.nextSection(-1))
	}
	for i, b := range []key.Binding{k.Keys, k.Principals, k.Resources, k.Findings, k.Denied, k.Scan, k.Diff} {
		if key.Matches(msg, b) {
			if !m.available(section(i)) {
				if section(i) == secDiff {
					return m, status("no diff: open one with keyhound tui --diff OLD NEW", true)
				}
				return m, status("no scan is running: start one with keyhound tui --scan", true)
			}
			return m.switchTo(section(i))
		}
	}
	return m.forward(msg)
}

func (m *Model) forward(msg tea.Msg) (tea.Model, tea.Cmd) {
	s, cmd := m.top().Update(msg)
	m.stack[len(m.stack)-1] = s
	return m, cmd
}

// available reports whether a section can be shown: all can, but the Scan
// section only while a scan runs.
func (m *Model) available(s section) bool {
	return m.sections[s] != nil || s == secPrincipals || s == secResources || s == secDenied
}

func (m *Model) nextSection(dir int) section {
	s := m.sec
	for range numSections {
		s = section((int(s) + dir + int(numSections)) % int(numSections))
		if m.available(s) {
			return s
		}
	}
	return m.sec
}

func (m *Model) switchTo(s section) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	if m.sections[s] == nil {
		m.sections[s] = m.lazySection(s)
		cmd = m.sections[s].Init()
	}
	m.sec = s
	m.stack = []screen{m.sections[s]}
	m.layout()
	return m, cmd
}

// layout gives every screen the body's size: the window less the title,
// breadcrumb, status and help lines.
func (m *Model) layout() {
	if m.width == 0 {
		return
	}
	m.help.SetWidth(m.width)
	// bubbles' textinput panics showing its placeholder at a width below
	// 0 (placeholderView makes a slice of width+1 runes): a terminal 3
	// columns wide or less.
	m.jump.SetWidth(max(m.width-4, 1))
	h := max(m.height-4, 3)
	for _, s := range m.sections {
		if s != nil {
			s.SetSize(m.width, h)
		}
	}
	for _, s := range m.stack {
		s.SetSize(m.width, h)
	}
}
