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
	c      *Common
	lines  []string
	stmts  [][2]int // first and last line of each statement
	cur    int      // marked statement
	offset int
	width  int
	height int
	err    string
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
		return v
	}
	v.lines = strings.Split(buf.String(), "\n")
	v.stmts = statementRanges(v.lines)
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
	v.width, v.height = w, max(h, 1)
	v.scrollTo(v.offset)
}

func (v *policyView) scrollTo(off int) {
	v.offset = max(min(off, len(v.lines)-v.height), 0)
}

func (v *policyView) update(msg tea.Msg) tea.Cmd {
	k := v.c.Keys
	switch msg := msg.(type) {
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
			v.scrollTo(v.offset + v.height)
		case key.Matches(msg, k.PageUp):
			v.scrollTo(v.offset - v.height)
		case key.Matches(msg, k.Top):
			v.scrollTo(0)
		case key.Matches(msg, k.Bottom):
			v.scrollTo(len(v.lines))
		}
	}
	return nil
}

// show scrolls so that the marked statement is on screen, from its start.
func (v *policyView) show() {
	r := v.stmts[v.cur]
	if r[0] < v.offset || r[1] >= v.offset+v.height {
		v.scrollTo(r[0] - 1)
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
	end := min(v.offset+v.height-1, len(v.lines))
	for i := v.offset; i < end; i++ {
		marked := len(v.stmts) > 0 && i >= v.stmts[v.cur][0] && i <= v.stmts[v.cur][1]
		gutter := "  "
		if marked {
			gutter = s.Conditional.Render("▌ ")
		}
		line := fit(v.lines[i], max(v.width-2, 1))
		b.WriteString("\n" + gutter + v.highlight(line))
	}
	return b.String()
}

// highlight colours one line of indented JSON: keys, strings, other values.
func (v *policyView) highlight(line string) string {
	s := v.c.Styles
	trimmed := strings.TrimLeft(line, " ")
	indent := line[:len(line)-len(trimmed)]
	if strings.HasPrefix(trimmed, `"`) {
		if i := strings.Index(trimmed, `": `); i > 0 {
			return indent + s.JSONKey.Render(trimmed[:i+1]) + ": " + v.value(trimmed[i+3:])
		}
	}
	return indent + v.value(trimmed)
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
