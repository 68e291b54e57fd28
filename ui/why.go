package ui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/ui/styles"
)

// whyScreen is the evaluation trace of one principal's action on a key or
// a resource, as a tree: each layer with the statement that matched or
// failed, each condition with the request's value, and the role chain.
type whyScreen struct {
	c                         *Common
	principal, action, target string
	paths                     []graph.Path
	answer                    *graph.Answer
	chainAnswer               *graph.Answer // the last role's own answer, when access comes through a chain
	fixes                     []graph.Fix
	chain                     []string
	err                       error
	src                       []textLine // the trace, before wrapping
	lines                     []string   // src wrapped to the width
	offset, width, height     int
}

func newWhyScreen(c *Common, principal, action, target string, paths []graph.Path) *whyScreen {
	return &whyScreen{c: c, principal: principal, action: action, target: target, paths: paths}
}

// whyMsg carries the answers a trace shows.
type whyMsg struct {
	principal, target string
	answer, chain     *graph.Answer
	via               []string
	fixes             []graph.Fix
	err               error
}

func (s *whyScreen) Init() tea.Cmd {
	g, p, action, target := s.c.Graph, s.principal, s.action, s.target
	return func() tea.Msg {
		m := whyMsg{principal: p, target: target}
		if p == graph.AnyGrantee {
			m.err = errAnyGrantee
			return m
		}
		m.answer, m.err = g.Can(graph.Query{Principal: p, Action: action, Resource: target})
		if m.err != nil {
			return m
		}
		// A CONDITIONAL answer depends on the request (the encryption
		// context, the service the call comes through): a fix that allows
		// it whatever the request would widen access, so none is proposed.
		if m.answer.Decision == eval.Deny {
			m.fixes = g.Fixes(m.answer)
		}
		if m.answer.DirectDecision == m.answer.Decision {
			return m
		}
		// Access through a role chain: show the last role's own trace.
		for _, path := range m.answer.Paths {
			if len(path.Via) > 1 && path.Decision == m.answer.Decision {
				m.via = path.Via
				m.chain, _ = g.Can(graph.Query{Principal: path.Via[len(path.Via)-1], Action: action, Resource: target, ChainDepth: -1})
				break
			}
		}
		return m
	}
}

type whyError string

func (e whyError) Error() string { return string(e) }

const errAnyGrantee = whyError("the key's grants were not collected: any principal may hold a grant, so no single trace can be shown; rescan with kms:ListGrants allowed")

func (s *whyScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	k := s.c.Keys
	switch msg := msg.(type) {
	case whyMsg:
		if msg.principal != s.principal || msg.target != s.target {
			return s, nil
		}
		s.answer, s.chainAnswer, s.chain, s.fixes, s.err = msg.answer, msg.chain, msg.via, msg.fixes, msg.err
		s.render()
	case tea.BackgroundColorMsg:
		if s.answer != nil || s.err != nil {
			s.render() // the lines hold the old styles
		}
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			s.scroll(-3)
		case tea.MouseWheelDown:
			s.scroll(3)
		}
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, k.Down):
			s.scroll(1)
		case key.Matches(msg, k.Up):
			s.scroll(-1)
		case key.Matches(msg, k.PageDown):
			s.scroll(s.height)
		case key.Matches(msg, k.PageUp):
			s.scroll(-s.height)
		case key.Matches(msg, k.Top):
			s.offset = 0
		case key.Matches(msg, k.Bottom):
			s.scroll(len(s.lines))
		}
	}
	return s, nil
}

func (s *whyScreen) scroll(n int) {
	s.offset = max(min(s.offset+n, len(s.lines)-s.height), 0)
}

// verdictText is a decision in its colour, with its glyph.
func (c *Common) verdictText(v eval.Verdict) string {
	return c.kindStyle(v.String()).Render(glyphFor(v.String()) + " " + v.String())
}

// render lays the trace out as lines, once per answer (not per frame).
func (s *whyScreen) render() {
	st := s.c.Styles
	var out []textLine
	add := func(l ...string) {
		for _, x := range l {
			out = append(out, plain(x))
		}
	}
	tree := func(l ...textLine) { out = append(out, l...) }
	if s.err != nil {
		tree(hanging(st.Error.Render("✗ "), st.Error.Render(s.err.Error())))
		s.setLines(out)
		return
	}
	a := s.answer
	tree(hanging(s.c.verdictText(a.Decision)+"  ", st.Bold.Render(a.Principal)+" → "+a.Action), hanging("   on ", a.Resource))
	if len(s.chain) > 1 {
		add("", st.Bold.Render("Role chain")+st.Muted.Render(" (shortest; as itself: ")+s.c.verdictText(a.DirectDecision)+st.Muted.Render(")"))
		for i, hop := range s.chain {
			prefix := "  "
			if i > 0 {
				prefix = strings.Repeat("  ", i) + "└─ assumes "
			}
			tree(hanging(prefix, hop))
		}
	}
	trace := a
	if s.chainAnswer != nil {
		trace = s.chainAnswer
		add("", st.Muted.Render("The trace below is the last role's own request."))
	}
	if len(trace.DeniedBy) > 0 {
		var parts []string
		for _, d := range trace.DeniedBy {
			kind := "implicit"
			if d.Explicit {
				kind = "explicit deny"
			}
			if p := d.Layer.String() + " (" + kind + ")"; !slices.Contains(parts, p) {
				parts = append(parts, p)
			}
		}
		if trace.Decision == eval.Conditional {
			add("")
			tree(hanging(st.Conditional.Render("? "), st.Bold.Render("Depends on the request: ")+strings.Join(parts, ", ")))
		} else {
			add("")
			tree(hanging(st.Denied.Render("✗ "), st.Bold.Render("Denied by: ")+strings.Join(parts, ", ")))
		}
	}
	if len(trace.Conditions) > 0 {
		add("", st.Conditional.Render("? ")+st.Bold.Render("Conditions only the live request can settle"))
		out = append(out, clauseLines(st, trace.Request, trace.Reasons, trace.Conditions, "")...)
	}
	if len(s.fixes) > 0 {
		add("", st.Bold.Render("Smallest fix")+st.Muted.Render(" (keyhound denied --json gives them as data)"))
		for _, f := range s.fixes {
			out = append(out, fixLines(st, f)...)
		}
	}
	if len(trace.Steps) > 0 {
		add("", st.Bold.Render("Steps")+st.Muted.Render(" (the resource's permission, then each KMS call its service makes; all must allow)"))
		for i, step := range trace.Steps {
			branch, cont := "├─", "│  "
			if i == len(trace.Steps)-1 {
				branch, cont = "└─", "   "
			}
			via := ""
			if step.ViaService != "" {
				via = " via " + step.ViaService
			}
			head := branch + " " + s.c.verdictText(step.Decision) + "  "
			tree(textLine{head: head, cont: cont + strings.Repeat(" ", lipgloss.Width(head)-lipgloss.Width(cont)), body: step.Action + via + "  " + st.Muted.Render(step.Resource)})
			if step.Note != "" {
				tree(hanging(cont+"   ", st.Muted.Render(step.Note)))
			}
			out = append(out, reasonLines(st, step.Reasons, cont)...)
		}
	} else {
		add("", st.Bold.Render("Trace")+st.Muted.Render(" (every layer AWS evaluates)"))
		out = append(out, reasonLines(st, trace.Reasons, "")...)
	}
	if len(trace.Unknowns) > 0 {
		add("", st.Conditional.Render("? ")+st.Bold.Render("Gaps in the snapshot this answer depends on"))
		for _, u := range trace.Unknowns {
			tree(hanging("  · ", u.Message+st.Muted.Render("  ("+u.Path+")")))
		}
	}
	s.setLines(out)
}

// setLines keeps the trace and wraps it to the pane's width.
func (s *whyScreen) setLines(src []textLine) {
	s.src = src
	s.lines = wrapLines(src, s.width)
	s.scroll(0)
}

// reasonLines are reasons as a trace's tree, under indent: each layer with
// its statement or grant, and its conditions (the why view's, and each step
// of an escalation path's).
func reasonLines(st *styles.Styles, reasons []eval.Reason, indent string) []textLine {
	var out []textLine
	for i, rs := range reasons {
		branch := "├─"
		cont := "│  "
		if i == len(reasons)-1 {
			branch, cont = "└─", "   "
		}
		// Continuation lines stay under the reason's text, inside the tree.
		out = append(out, textLine{
			head: indent + branch + " " + reasonGlyph(st, rs) + " " + st.Bold.Render(padRight(rs.Layer.String(), 20)) + " ",
			cont: indent + cont + strings.Repeat(" ", 23),
			body: rs.Text(),
		})
		for _, c := range rs.Conditions {
			out = append(out, textLine{head: indent + cont + "    ", cont: indent + cont + "      ", body: c.Text()})
		}
	}
	return out
}

// fixLines are one fix as a trace and the Access denied report show it:
// its summary, where it goes, the command and the document to apply.
func fixLines(st *styles.Styles, f graph.Fix) []textLine {
	mark := st.Allowed.Render("+ ")
	switch {
	case f.NoPolicyFix:
		mark = st.Denied.Render("! ")
	case f.Alternative:
		mark = st.Muted.Render("or ")
	}
	out := []textLine{hanging(mark, f.Summary)}
	if f.Where != "" && !f.NoPolicyFix {
		out = append(out, hanging("    ", st.Muted.Render("in "+f.Where)))
	}
	if f.Command != "" {
		out = append(out, hanging("    $ ", f.Command))
	}
	for _, l := range f.FileLines() {
		// JSON keeps its own indentation; its continuation lines go deeper.
		out = append(out, textLine{head: "    ", cont: "      ", body: st.JSONString.Render(l)})
	}
	return out
}

// clauseLines are the conditions only the live request can settle, under
// indent: each clause with where it comes from, and the statements that
// must allow with it (eval.Companions; r may be nil).
func clauseLines(st *styles.Styles, r *eval.Request, reasons []eval.Reason, conds []eval.Residual, indent string) []textLine {
	var out []textLine
	for _, cl := range eval.Clauses(conds) {
		out = append(out, hanging(indent+"  "+st.Conditional.Render("? "), cl.Text()), hanging(indent+"      ", st.Muted.Render("("+cl.Source()+")")))
		for _, rs := range eval.Companions(r, reasons, cl) {
			out = append(out, hanging(indent+"      "+reasonGlyph(st, rs)+" ", "and "+rs.Layer.String()+" "+rs.Text()))
		}
	}
	return out
}

// reasonGlyph is a reason's glyph in its colour.
func reasonGlyph(st *styles.Styles, rs eval.Reason) string {
	g := rs.Glyph()
	switch g {
	case "✓":
		return st.Allowed.Render(g)
	case "✗":
		return st.Denied.Render(g)
	case "?":
		return st.Conditional.Render(g)
	}
	return g
}

func padRight(s string, n int) string {
	if len(s) >= n {
		return s
	}
	return s + strings.Repeat(" ", n-len(s))
}

func (s *whyScreen) View() string {
	if s.answer == nil && s.err == nil {
		return s.c.pending("evaluating " + s.principal + " → " + s.action + " on " + s.target + "…")
	}
	end := min(s.offset+s.height, len(s.lines))
	return strings.Join(s.lines[s.offset:end], "\n")
}

func (s *whyScreen) SetSize(w, h int) {
	s.width, s.height = w, max(h, 1)
	s.lines = wrapLines(s.src, s.width)
	s.scroll(0)
}

func (s *whyScreen) Crumb() string {
	return "why " + lastPart(s.principal)
}

func (s *whyScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	return []key.Binding{k.Up, k.Down, k.Copy}
}
func (s *whyScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
func (s *whyScreen) Capturing() bool           { return false }
func (s *whyScreen) Selected() string          { return s.principal }

// lastPart is the last path segment of an ARN: a role's or user's name.
func lastPart(arn string) string {
	if i := strings.LastIndexAny(arn, "/:"); i >= 0 && i < len(arn)-1 {
		return arn[i+1:]
	}
	return arn
}

func itoa(i int) string {
	if i < 0 {
		return "-"
	}
	return strconv.Itoa(i)
}
