package ui

import (
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/spinner"
	tea "charm.land/bubbletea/v2"
)

// busier is a screen that can be computing what it shows (who can decrypt
// a key, the findings): the spinner turns while it is on top.
type busier interface{ Busy() bool }

// Update handles the load and the spinner, then the rest (update). The
// spinner ticks only while something on screen is pending, so an idle TUI
// does not redraw.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	var cmd tea.Cmd
	switch msg := msg.(type) {
	case spinner.TickMsg:
		if !m.busy() {
			m.spinning = false
			return m, nil
		}
		m.spin, cmd = m.spin.Update(msg)
		m.c.spinFrame = m.spin.View()
		if m.load != nil {
			m.load.refresh()
		}
		return m, cmd
	case loadDoneMsg:
		_, cmd = m.finishLoad(msg)
	case tea.KeyPressMsg:
		if m.load == nil {
			_, cmd = m.update(msg)
			break
		}
		// Loading: the views are not there yet; only quitting works.
		if msg.String() == "ctrl+c" || key.Matches(msg, m.c.Keys.Quit) {
			m.load.cancel()
			m.quitting = true
			return m, tea.Quit
		}
		return m, nil
	case tea.MouseMsg, tea.PasteMsg:
		if m.load != nil {
			return m, nil
		}
		_, cmd = m.update(msg)
	default:
		_, cmd = m.update(msg)
	}
	if f, ok := m.top().(follower); ok && m.load == nil {
		cmd = tea.Batch(cmd, f.follow())
	}
	if !m.spinning && m.busy() {
		m.spinning = true
		cmd = tea.Batch(cmd, m.spin.Tick)
	}
	return m, cmd
}

// follower is a screen whose background work follows what it shows (the
// keys list counts who can decrypt the keys on screen): after each
// message, the root lets the screen on top start what it now needs, if
// anything.
type follower interface{ follow() tea.Cmd }

// busy reports whether something on screen is being computed.
func (m *Model) busy() bool {
	if m.quitting {
		return false
	}
	if m.load != nil {
		return true
	}
	b, ok := m.top().(busier)
	return ok && b.Busy()
}

// spinFrame is the spinner's frame.
func (m *Model) spinFrame() string { return m.spin.View() }

// Busy: who can decrypt the key is being computed (or could gain it: tui
// --escalation), or the findings its Findings tab shows.
func (s *keyScreen) Busy() bool {
	return !s.loaded || s.escBusy || (s.tab == tabFindings && s.c.findings == nil)
}

// Busy: who can decrypt the keys shown is being counted.
func (s *keysScreen) Busy() bool { return s.counts.busy }

// Busy: the findings are being computed.
func (s *findingsScreen) Busy() bool { return !s.loaded }

// Busy: who can read the resource is being computed.
func (s *resourceScreen) Busy() bool { return !s.loaded }

// Busy: what the principal can decrypt is being computed.
func (s *principalScreen) Busy() bool { return !s.loaded }

// Busy: the request is being evaluated.
func (s *whyScreen) Busy() bool { return s.answer == nil && s.err == nil }

// pending is the text of a pane whose content is being computed: the
// spinner, then what it is computing.
func (c *Common) pending(text string) string {
	if c.spinFrame == "" {
		return c.Styles.Muted.Render(text)
	}
	return c.spinFrame + " " + c.Styles.Muted.Render(text)
}

// Busy: the rows are being listed.
func (s *principalsScreen) Busy() bool { return !s.loaded }

// Busy: the rows are being listed.
func (s *resourcesScreen) Busy() bool { return !s.loaded }
