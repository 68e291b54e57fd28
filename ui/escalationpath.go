package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/escalation"
)

// escalationPathScreen is how one principal that cannot decrypt with a key
// now can make itself able to (tui --escalation): the path's steps in
// order, each with who makes the call, on what, its decision and its
// why-trace as the why view draws it. ] and [ select a step; enter goes to
// its target (or its principal, when the target is the key or not in the
// snapshot).
type escalationPathScreen struct {
	c    *Common
	key  string // the key's ARN
	path escalation.Path
	// sel is the selected step; dests what enter opens from each step
	// ("": nothing); starts each step's first line at the pane's width.
	sel    int
	dests  []string
	starts []int
	pane
}

func newEscalationPathScreen(c *Common, keyARN string, p escalation.Path) *escalationPathScreen {
	s := &escalationPathScreen{c: c, key: keyARN, path: p, dests: make([]string, len(p.Steps))}
	for i, st := range p.Steps {
		switch {
		case st.Target != keyARN && hasScreen(c, st.Target):
			s.dests[i] = st.Target
		case hasScreen(c, st.Principal):
			s.dests[i] = st.Principal
		}
	}
	s.pane = newPane(c, s.render)
	return s
}

// hasScreen reports whether the snapshot has a screen for ref (screenFor
// would open one), without building it.
func hasScreen(c *Common, ref string) bool {
	g := c.Graph
	if g.Principal(ref) != nil {
		return true
	}
	if _, err := g.ResolveKey(ref, "", ""); err == nil {
		return true
	}
	for _, r := range g.Resources() {
		if r.ARN == ref {
			return true
		}
	}
	return false
}

func (s *escalationPathScreen) Init() tea.Cmd { return nil }

func (s *escalationPathScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if _, ok := msg.(tea.BackgroundColorMsg); ok {
		s.refresh()
		return s, nil
	}
	if s.update(msg) {
		return s, nil
	}
	kp, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return s, nil
	}
	k := s.c.Keys
	switch {
	case key.Matches(kp, k.NextStep):
		s.selectStep(s.sel + 1)
	case key.Matches(kp, k.PrevStep):
		s.selectStep(s.sel - 1)
	case key.Matches(kp, k.Enter):
		if d := s.dest(); d != "" {
			return s, jumpTo(s.c, d)
		}
	}
	return s, nil
}

// selectStep selects step i and scrolls to its first line.
func (s *escalationPathScreen) selectStep(i int) {
	if i < 0 || i >= len(s.path.Steps) || i == s.sel {
		return
	}
	s.sel = i
	s.refresh() // the marker moves
	s.scrollTo(s.starts[i])
}

// dest is what enter opens from the selected step, or "".
func (s *escalationPathScreen) dest() string {
	if s.sel < len(s.dests) {
		return s.dests[s.sel]
	}
	return ""
}

// render lays the path out for width w: the header, then each step with
// its fields and its trace.
func (s *escalationPathScreen) render(w int) []string {
	st := s.c.Styles
	p := s.path
	n := len(p.Steps)
	action := "kms:Decrypt"
	if n > 0 {
		action = p.Steps[n-1].Action
	}
	out := wrapLines([]textLine{
		hanging(st.Escalation.Render(escalationWord(p))+"  ", st.Bold.Render(shortPrincipal(p.Principal))+" → "+action+" on "+s.c.label(s.key)),
		hanging("   ", escalationSummary(s.c, p)),
	}, w)
	out = append(out, "")
	out = append(out, field(s.c, "principal", p.Principal, w)...)
	if a := principalAccount(p.Principal); a != "" {
		out = append(out, field(s.c, "account", s.c.accountLabel(a), w)...)
	}
	out = append(out, field(s.c, "key", s.key, w)...)
	out = append(out, field(s.c, "decision", s.c.verdictText(p.Decision)+st.Muted.Render(" (its least certain step's)"), w)...)
	out = append(out, "")
	out = append(out, wrap(st.Muted.Render("Each step is an API call the principal may make now; the last comes after the changes of those before. Nothing was changed."), w)...)
	s.starts = make([]int, n)
	for i, step := range p.Steps {
		out = append(out, "")
		s.starts[i] = len(out)
		mark := "  "
		if i == s.sel {
			mark = st.Escalation.Render("› ")
		}
		head := mark + st.Bold.Render("Step "+strconv.Itoa(i+1)+" of "+strconv.Itoa(n)) + "  " + s.c.verdictText(step.Decision) + "  "
		body := step.Action
		if i == n-1 && n > 1 {
			body += st.Muted.Render("  (after the steps above)")
		}
		out = append(out, wrapLine(hanging(head, body), w)...)
		out = append(out, s.stepField("principal", shortPrincipal(step.Principal)+" · "+s.c.accountName(principalAccount(step.Principal)), w)...)
		out = append(out, s.stepField("target", onName(s.c, step.Target), w)...)
		if step.Widens != "" && step.Widens != step.Target {
			out = append(out, s.stepField("widens", shortPrincipal(step.Widens), w)...)
		}
		var trace []textLine
		if i == n-1 && n > 1 {
			trace = append(trace, hanging("    ", st.Muted.Render("its reasons name the changes above: keyhound-escalation is the policy a write adds, key policy (rewritten) the one PutKeyPolicy puts")))
		}
		if len(step.Reasons) == 0 {
			trace = append(trace, plain("    "+st.Muted.Render("no statement recorded")))
		}
		trace = append(trace, reasonLines(st, step.Reasons, "    ")...)
		if len(step.Conditions) > 0 {
			trace = append(trace, plain("    "+st.Conditional.Render("? ")+st.Bold.Render("Conditions only the live request can settle")))
			trace = append(trace, clauseLines(st, nil, step.Reasons, step.Conditions, "    ")...)
		}
		out = append(out, wrapLines(trace, w)...)
	}
	return out
}

// stepField is a step's field, indented under its heading.
func (s *escalationPathScreen) stepField(label, value string, w int) []string {
	lines := field(s.c, label, value, max(w-4, 1))
	for i := range lines {
		lines[i] = "    " + lines[i]
	}
	return lines
}

func (s *escalationPathScreen) View() string     { return s.view() }
func (s *escalationPathScreen) SetSize(w, h int) { s.setSize(w, h) }
func (s *escalationPathScreen) Capturing() bool  { return false }

func (s *escalationPathScreen) Crumb() string { return "escalation " + lastPart(s.path.Principal) }

// Selected is what enter would open (y copies it), or the path's principal.
func (s *escalationPathScreen) Selected() string {
	if d := s.dest(); d != "" {
		return d
	}
	return s.path.Principal
}

// Item is the path: its key and principal.
func (s *escalationPathScreen) Item() string {
	return "escalation " + s.key + " " + s.path.Principal
}

// stepHelp is enter's binding (going to the selected step's target or
// principal, when the snapshot has it) and, with more than one step, the
// keys that select one.
func (s *escalationPathScreen) stepHelp() []key.Binding {
	var out []key.Binding
	if d := s.dest(); d != "" {
		out = append(out, key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go to "+strings.TrimPrefix(onName(s.c, d), "key "))))
	}
	if len(s.path.Steps) > 1 {
		out = append(out, s.c.Keys.NextStep, s.c.Keys.PrevStep)
	}
	return out
}

func (s *escalationPathScreen) ShortHelp() []key.Binding { return append(s.stepHelp(), s.help()...) }

func (s *escalationPathScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{s.stepHelp(), scrollKeys(s.c)}
}
