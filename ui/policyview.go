package ui

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// policyView shows a policy document as indented, highlighted JSON, in the
// order it was written, with one statement marked: ] and [ move the mark.
type policyView struct {
	c     *Common
	lines []string
	stmts [][2]int // first and last line of each statement
	cur   int      // marked statement
	// wrapped is lines highlighted and wrapped to the width; srcOf[i] is
	// the line of lines that wrapped[i] comes from, first[j] the first
	// wrapped line of lines[j]. offset counts wrapped lines.
	wrapped []string
	srcOf   []int
	first   []int
	offset  int
	width   int
	height  int
	err     string
}

func newPolicyView(c *Common, doc string) *policyView {
	v := &policyView{c: c}
	if doc == "" {
		v.err = "the key policy was not collected (or could not be read)"
		return v
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(doc), "", "  "); err != nil {
		v.err = "the key policy is not valid JSON: " + err.Error()
		v.lines = strings.Split(doc, "\n")
		v.wrap()
		return v
	}
	v.lines = strings.Split(buf.String(), "\n")
	v.stmts = statementRanges(v.lines)
	v.wrap()
	return v
}

// statementRanges finds each statement's lines in a policy indented by two
// spaces: the objects of the top-level "Statement" array, or its one object.
func statementRanges(lines []string) [][2]int {
	var out [][2]int
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, `  "Statement": [`):
			start := -1
			for j := i + 1; j < len(lines) && !strings.HasPrefix(lines[j], "  ]"); j++ {
				switch {
				case lines[j] == "    {":
					start = j
				case (lines[j] == "    }" || lines[j] == "    },") && start >= 0:
					out = append(out, [2]int{start, j})
					start = -1
				}
			}
			return out
		case strings.HasPrefix(l, `  "Statement": {`):
			for j := i + 1; j < len(lines); j++ {
				if lines[j] == "  }" || lines[j] == "  }," {
					return [][2]int{{i, j}}
				}
			}
		}
	}
	return out
}

func (v *policyView) setSize(w, h int) {
	top := 0
	if v.offset < len(v.srcOf) {
		top = v.srcOf[v.offset]
	}
	v.width, v.height = w, max(h, 1)
	v.wrap()
	v.scrollTo(v.first[top])
}

// wrap highlights and wraps the lines to the width (less the mark's
// gutter); a wrapped line continues two cells deeper than its own indent.
func (v *policyView) wrap() {
	v.wrapped, v.srcOf, v.first = v.wrapped[:0], v.srcOf[:0], make([]int, len(v.lines)+1)
	width := max(v.width-2, 1)
	if v.width == 0 {
		width = 1 << 16 // not laid out yet: no wrapping
	}
	for i, l := range v.lines {
		trimmed := strings.TrimLeft(l, " ")
		indent := l[:len(l)-len(trimmed)]
		v.first[i] = len(v.wrapped)
		for _, w := range wrapLine(textLine{head: indent, cont: indent + "  ", body: v.highlight(trimmed)}, width) {
			v.wrapped = append(v.wrapped, w)
			v.srcOf = append(v.srcOf, i)
		}
	}
	v.first[len(v.lines)] = len(v.wrapped)
}

// body is the number of wrapped lines on screen, under the heading.
func (v *policyView) body() int { return max(v.height-1, 1) }

func (v *policyView) scrollTo(off int) {
	v.offset = max(min(off, len(v.wrapped)-v.body()), 0)
}

func (v *policyView) update(msg tea.Msg) tea.Cmd {
	k := v.c.Keys
	switch msg := msg.(type) {
	case tea.BackgroundColorMsg:
		v.wrap() // the lines hold the old styles
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			v.scrollTo(v.offset - 3)
		case tea.MouseWheelDown:
			v.scrollTo(v.offset + 3)
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.NextStatement) && len(v.stmts) > 0:
			v.cur = min(v.cur+1, len(v.stmts)-1)
			v.show()
		case key.Matches(msg, k.PrevStatement) && len(v.stmts) > 0:
			v.cur = max(v.cur-1, 0)
			v.show()
		case key.Matches(msg, k.Down):
			v.scrollTo(v.offset + 1)
		case key.Matches(msg, k.Up):
			v.scrollTo(v.offset - 1)
		case key.Matches(msg, k.PageDown):
			v.scrollTo(v.offset + v.body())
		case key.Matches(msg, k.PageUp):
			v.scrollTo(v.offset - v.body())
		case key.Matches(msg, k.Top):
			v.scrollTo(0)
		case key.Matches(msg, k.Bottom):
			v.scrollTo(len(v.wrapped))
		}
	}
	return nil
}

// show scrolls so that the marked statement is on screen, from its start.
func (v *policyView) show() {
	start, end := v.first[v.stmts[v.cur][0]], v.first[v.stmts[v.cur][1]+1]-1
	if start < v.offset || end >= v.offset+v.body() {
		v.scrollTo(start - 1)
	}
}

func (v *policyView) view() string {
	s := v.c.Styles
	var b strings.Builder
	head := ""
	if len(v.stmts) > 0 {
		head = s.Muted.Render("statement " + strconv.Itoa(v.cur) + " of " + strconv.Itoa(len(v.stmts)) + " marked ▌  (] next, [ previous)")
	}
	if v.err != "" {
		head = s.Error.Render("✗ " + v.err)
	}
	b.WriteString(head)
	end := min(v.offset+v.body(), len(v.wrapped))
	for i := v.offset; i < end; i++ {
		src := v.srcOf[i]
		marked := len(v.stmts) > 0 && src >= v.stmts[v.cur][0] && src <= v.stmts[v.cur][1]
		gutter := "  "
		if marked {
			gutter = s.Conditional.Render("▌ ")
		}
		b.WriteString("\n" + gutter + v.wrapped[i])
	}
	return b.String()
}

// highlight colours one line of JSON, its indentation trimmed: keys,
// strings, other values.
func (v *policyView) highlight(trimmed string) string {
	s := v.c.Styles
	if strings.HasPrefix(trimmed, `"`) {
		if i := strings.Index(trimmed, `": `); i > 0 {
			return s.JSONKey.Render(trimmed[:i+1]) + ": " + v.value(trimmed[i+3:])
		}
	}
	return v.value(trimmed)
}

func (v *policyView) value(t string) string {
	s := v.c.Styles
	switch {
	case strings.HasPrefix(t, `"`):
		return s.JSONString.Render(t)
	case t == "" || strings.ContainsAny(t[:1], "{}[]"):
		return t
	}
	return s.JSONOther.Render(t)
}
