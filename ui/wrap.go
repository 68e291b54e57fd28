package ui

import (
	"strings"

	"charm.land/lipgloss/v2"
)

// textLine is one logical line of a detail pane (a trace, a policy, a
// report): head starts it, body wraps, and each continuation line starts
// with cont, so that wrapped text keeps a tree's gutter and indentation.
type textLine struct {
	head, cont, body string
}

// plain is a line with no gutter: it wraps to the pane's left edge.
func plain(s string) textLine { return textLine{body: s} }

// hanging is a line whose continuation lines are indented under its body:
// head printed once, then spaces as wide as head.
func hanging(head, body string) textLine {
	return textLine{head: head, cont: strings.Repeat(" ", lipgloss.Width(head)), body: body}
}

// minWrapBody is the narrowest body worth keeping a gutter for: below it,
// the whole line wraps at the pane's edge instead.
const minWrapBody = 12

// wrapLine wraps l to lines of at most width cells. Styles carry over the
// line breaks (lipgloss.Wrap); a word longer than the body (an ARN) is
// broken. Any width, down to 1, gives at least one line.
func wrapLine(l textLine, width int) []string {
	width = max(width, 1)
	indent := max(lipgloss.Width(l.head), lipgloss.Width(l.cont))
	bw := width - indent
	if bw < minWrapBody {
		return fitAll(strings.Split(softWrap(l.head+l.body, width, ""), "\n"), width)
	}
	parts := strings.Split(softWrap(l.body, bw, ""), "\n")
	out := make([]string, len(parts))
	for i, p := range parts {
		if i == 0 {
			out[i] = l.head + p
		} else {
			out[i] = l.cont + p
		}
	}
	return fitAll(out, width)
}

// nbHyphen stands for "-" while wrapping: lipgloss.Wrap (ansi.Wrap) may
// break after any hyphen, which splits ARNs and key IDs in the middle
// ("…-8000-" / "00000000a005") although a space comes soon after.
const nbHyphen = "\u2011"

// softWrap is lipgloss.Wrap breaking at spaces and breakpoints, never at a
// hyphen; a word longer than width (an ARN in a narrow pane) is still cut
// where it must be. Styles carry over the line breaks.
func softWrap(s string, width int, breakpoints string) string {
	if !strings.Contains(s, "-") {
		return lipgloss.Wrap(s, width, breakpoints)
	}
	return strings.ReplaceAll(lipgloss.Wrap(strings.ReplaceAll(s, "-", nbHyphen), width, breakpoints), nbHyphen, "-")
}

// wrapLines wraps every line to width.
func wrapLines(ls []textLine, width int) []string {
	out := make([]string, 0, len(ls))
	for _, l := range ls {
		out = append(out, wrapLine(l, width)...)
	}
	return out
}

// wrapText wraps a block of text (lines separated by newlines) to width,
// each line with no gutter.
func wrapText(s string, width int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		out = append(out, wrapLine(plain(l), width)...)
	}
	return strings.Join(out, "\n")
}

// fitAll cuts any line still wider than width (a wide rune at width 1);
// trailing spaces the wrap left are kept, lines are not padded.
func fitAll(lines []string, width int) []string {
	for i, l := range lines {
		if lipgloss.Width(l) > width {
			lines[i] = fit(l, width)
		}
	}
	return lines
}

// lineCount is the number of lines of s.
func lineCount(s string) int { return strings.Count(s, "\n") + 1 }
