// Package styles holds every Lip Gloss style of keyhound's terminal UI, with
// semantic colours (allowed, denied, conditional, external…) for dark and
// light backgrounds. Colour is never the only signal: views pair each
// decision colour with a glyph or a word.
package styles

import (
	"image/color"

	"charm.land/lipgloss/v2"
)

// Styles are the TUI's styles, built for one background.
type Styles struct {
	IsDark bool

	App       lipgloss.Style
	Title     lipgloss.Style
	Crumb     lipgloss.Style
	CrumbSep  lipgloss.Style
	Tab       lipgloss.Style
	TabActive lipgloss.Style
	Header    lipgloss.Style
	Selected  lipgloss.Style
	Muted     lipgloss.Style
	Bold      lipgloss.Style
	Status    lipgloss.Style
	Error     lipgloss.Style
	Box       lipgloss.Style
	Filter    lipgloss.Style

	// Decisions and what they concern.
	Allowed      lipgloss.Style
	Denied       lipgloss.Style
	Conditional  lipgloss.Style
	CrossAccount lipgloss.Style
	External     lipgloss.Style
	// Escalation marks who cannot use a key now but can make themselves
	// able to (the ⇡ rows of who-can, a path's header): a colour of its
	// own, neither allowed nor denied nor conditional.
	Escalation lipgloss.Style

	// Severities of findings.
	Critical lipgloss.Style
	High     lipgloss.Style
	Medium   lipgloss.Style
	Low      lipgloss.Style

	// JSON of policies.
	JSONKey    lipgloss.Style
	JSONString lipgloss.Style
	JSONOther  lipgloss.Style
	Marked     lipgloss.Style
}

// DefaultStyles returns the styles for a dark or a light background.
func DefaultStyles(isDark bool) *Styles {
	ld := lipgloss.LightDark(isDark)
	c := func(light, dark string) color.Color { return ld(lipgloss.Color(light), lipgloss.Color(dark)) }
	var (
		accent = c("#5A3FC0", "#B9A6FF")
		muted  = c("#6B6B6B", "#8A8A8A")
		green  = c("#1B7F3B", "#5FD787")
		red    = c("#B3261E", "#FF6B6B")
		amber  = c("#8A5A00", "#FFC857")
		blue   = c("#1F5FAD", "#7CC4FF")
		purple = c("#8E24AA", "#E29CF2")
		teal   = c("#00695C", "#4DD0C1")
		selBG  = c("#E3DDF7", "#3A3357")
	)
	s := &Styles{IsDark: isDark}
	s.App = lipgloss.NewStyle()
	s.Title = lipgloss.NewStyle().Bold(true).Foreground(accent)
	s.Crumb = lipgloss.NewStyle().Foreground(accent)
	s.CrumbSep = lipgloss.NewStyle().Foreground(muted)
	s.Tab = lipgloss.NewStyle().Foreground(muted).Padding(0, 1)
	// The active tab is bracketed, not only coloured: TERM=dumb and
	// NO_COLOR drop colours and attributes (TabLabel).
	s.TabActive = lipgloss.NewStyle().Bold(true).Foreground(accent).Underline(true)
	s.Header = lipgloss.NewStyle().Bold(true).Foreground(muted)
	s.Selected = lipgloss.NewStyle().Background(selBG).Bold(true)
	s.Muted = lipgloss.NewStyle().Foreground(muted)
	s.Bold = lipgloss.NewStyle().Bold(true)
	s.Status = lipgloss.NewStyle().Foreground(muted)
	s.Error = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Box = lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(muted).Padding(0, 1)
	s.Filter = lipgloss.NewStyle().Foreground(accent)
	s.Allowed = lipgloss.NewStyle().Foreground(green).Bold(true)
	s.Denied = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Conditional = lipgloss.NewStyle().Foreground(amber).Bold(true)
	s.CrossAccount = lipgloss.NewStyle().Foreground(blue)
	s.External = lipgloss.NewStyle().Foreground(purple)
	s.Escalation = lipgloss.NewStyle().Foreground(teal).Bold(true).Italic(true)
	s.Critical = lipgloss.NewStyle().Foreground(red).Bold(true).Reverse(true)
	s.High = lipgloss.NewStyle().Foreground(red).Bold(true)
	s.Medium = lipgloss.NewStyle().Foreground(amber)
	s.Low = lipgloss.NewStyle().Foreground(muted)
	s.JSONKey = lipgloss.NewStyle().Foreground(blue)
	s.JSONString = lipgloss.NewStyle().Foreground(green)
	s.JSONOther = lipgloss.NewStyle().Foreground(amber)
	s.Marked = lipgloss.NewStyle().Background(selBG)
	return s
}

// TabLabel renders a tab: the active one as "[label]", the others as
// " label ", the same width, so that the active tab shows without colour
// or attributes too (TERM=dumb, NO_COLOR).
func (s *Styles) TabLabel(label string, active bool) string {
	if active {
		return s.TabActive.Render("[" + label + "]")
	}
	return s.Tab.Render(label)
}
