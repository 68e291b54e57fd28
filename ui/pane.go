package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// pane is a detail screen's body: text wrapped to the width, scrolled with
// j/k, pgup/pgdn, g/G and the wheel. Its screen renders the text for a
// width (render); the pane renders it again when the width or the styles
// change.
type pane struct {
	c      *Common
	render func(w int) []string
	lines  []string
	offset int
	width  int
	height int
}

func newPane(c *Common, render func(w int) []string) pane {
	return pane{c: c, render: render, height: 1}
}

func (p *pane) setSize(w, h int) {
	p.width, p.height = max(w, 1), max(h, 1)
	p.refresh()
}

// refresh renders the text again: after a resize, or new styles.
func (p *pane) refresh() {
	p.lines = p.render(p.width)
	p.scrollTo(p.offset)
}

func (p *pane) scrollTo(off int) {
	p.offset = max(min(off, len(p.lines)-p.height), 0)
}

// update scrolls; it reports whether msg was a scrolling message.
func (p *pane) update(msg tea.Msg) bool {
	k := p.c.Keys
	switch msg := msg.(type) {
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			p.scrollTo(p.offset - 3)
		case tea.MouseWheelDown:
			p.scrollTo(p.offset + 3)
		}
		return true
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Down):
			p.scrollTo(p.offset + 1)
		case key.Matches(msg, k.Up):
			p.scrollTo(p.offset - 1)
		case key.Matches(msg, k.PageDown):
			p.scrollTo(p.offset + p.height - 1)
		case key.Matches(msg, k.PageUp):
			p.scrollTo(p.offset - p.height + 1)
		case key.Matches(msg, k.Top):
			p.scrollTo(0)
		case key.Matches(msg, k.Bottom):
			p.scrollTo(len(p.lines))
		default:
			return false
		}
		return true
	}
	return false
}

// view is the lines on screen; the last says how many more are below.
func (p *pane) view() string {
	end := min(p.offset+p.height, len(p.lines))
	shown := append([]string(nil), p.lines[p.offset:end]...)
	if more := len(p.lines) - end; more > 0 && len(shown) > 1 {
		shown[len(shown)-1] = p.c.Styles.Muted.Render("↓ " + strconv.Itoa(more+1) + " more lines (j/k, pgdn)")
	}
	return strings.Join(shown, "\n")
}

// scrolls reports whether the text is longer than the pane.
func (p *pane) scrolls() bool { return len(p.lines) > p.height }

// help is the pane's keys, when its text scrolls.
func (p *pane) help() []key.Binding {
	if !p.scrolls() {
		return nil
	}
	return []key.Binding{key.NewBinding(key.WithKeys("j", "k", "down", "up", "pgdown", "pgup"), key.WithHelp("j/k/pgdn", "scroll"))}
}

// wrap breaks s into lines of at most w cells, at spaces where it can,
// inside words where it must (ARNs).
func wrap(s string, w int) []string {
	if w < 1 {
		w = 1
	}
	return strings.Split(softWrap(s, w, "/,"), "\n")
}

// field is "label   value", the value wrapped under itself.
func field(c *Common, label, value string, w int) []string {
	const lw = 12
	if w < lw+8 {
		// Too narrow for two columns: the label above its value.
		return append([]string{c.Styles.Muted.Render(label)}, wrap(value, w)...)
	}
	if ansi.StringWidth(label) >= lw {
		return append([]string{c.Styles.Muted.Render(label)}, indented(value, lw, w)...)
	}
	lines := wrap(value, w-lw)
	for i := range lines {
		pre := strings.Repeat(" ", lw)
		if i == 0 {
			pre = c.Styles.Muted.Render(label) + strings.Repeat(" ", max(lw-ansi.StringWidth(label), 1))
		}
		lines[i] = pre + lines[i]
	}
	return lines
}

// indented wraps s under an indent of n spaces.
func indented(s string, n, w int) []string {
	lines := wrap(s, w-n)
	for i := range lines {
		lines[i] = strings.Repeat(" ", n) + lines[i]
	}
	return lines
}

// scrollKeys are the keys that scroll a pane.
func scrollKeys(c *Common) []key.Binding {
	k := c.Keys
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom}
}
