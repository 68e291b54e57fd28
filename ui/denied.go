package ui

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/accessdenied"
	"github.com/keyhound/keyhound/graph/eval"
)

// deniedScreen is the on-call view: paste an AccessDenied error, read which
// layers deny it, whether keyhound agrees with AWS, and the smallest fix.
type deniedScreen struct {
	c      *Common
	input  textinput.Model
	asking string // "principal" or "key" when the message hides one
	text   string // the message pasted
	opts   graph.DeniedOptions
	report *graph.DeniedReport
	err    error
	src    []textLine // the report, before wrapping
	lines  []string   // src wrapped to the width
	offset int
	width  int
	height int
	// pasted says it was opened from the denial groups (i): its crumb is
	// "paste", not the section's name again.
	pasted bool
}

func newDeniedScreen(c *Common) *deniedScreen {
	in := textinput.New()
	in.Prompt = "AccessDenied> "
	in.Placeholder = "paste the error here"
	steadyCursor(&in)
	s := &deniedScreen{c: c, input: in}
	s.input.Focus()
	return s
}

// deniedMsg carries the analysis of a message.
type deniedMsg struct {
	text   string
	report *graph.DeniedReport
	err    error
}

func deniedCmd(g *graph.Graph, text string, o graph.DeniedOptions) tea.Cmd {
	return func() tea.Msg {
		m, err := accessdenied.Parse(text)
		if err != nil {
			return deniedMsg{text: text, err: err}
		}
		rep, err := g.ExplainDenied(m, o)
		return deniedMsg{text: text, report: rep, err: err}
	}
}

func (s *deniedScreen) Init() tea.Cmd { return nil }

func (s *deniedScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case deniedMsg:
		if msg.text != s.text {
			return s, nil
		}
		s.report, s.err = msg.report, msg.err
		switch {
		case errors.Is(msg.err, graph.ErrHiddenPrincipal):
			s.ask("principal", "caller's ARN> ")
		case errors.Is(msg.err, graph.ErrHiddenKey):
			s.ask("key", "key or resource ARN> ")
		}
		s.render()
		return s, nil
	case tea.BackgroundColorMsg:
		s.render()
	case tea.PasteMsg, tea.KeyPressMsg:
		if k, ok := msg.(tea.KeyPressMsg); ok && !s.input.Focused() {
			switch {
			case key.Matches(k, s.c.Keys.Filter), k.String() == "i":
				s.input.SetValue("")
				s.asking = ""
				s.input.Prompt = "AccessDenied> "
				return s, s.input.Focus()
			case key.Matches(k, s.c.Keys.Down):
				s.scroll(1)
			case key.Matches(k, s.c.Keys.Up):
				s.scroll(-1)
			case key.Matches(k, s.c.Keys.PageDown):
				s.scroll(s.height)
			case key.Matches(k, s.c.Keys.PageUp):
				s.scroll(-s.height)
			case key.Matches(k, s.c.Keys.Top):
				s.offset = 0
			case key.Matches(k, s.c.Keys.Bottom):
				s.scroll(len(s.lines))
			}
			return s, nil
		}
		if k, ok := msg.(tea.KeyPressMsg); ok {
			switch k.String() {
			case "enter":
				return s, s.submit()
			case "esc", "tab", "shift+tab":
				s.input.Blur()
				return s, nil
			}
		}
		return s, updateInput(&s.input, msg)
	case tea.MouseWheelMsg:
		switch msg.Button {
		case tea.MouseWheelUp:
			s.scroll(-3)
		case tea.MouseWheelDown:
			s.scroll(3)
		}
	}
	return s, nil
}

func (s *deniedScreen) ask(what, prompt string) {
	s.asking = what
	s.input.Prompt = prompt
	s.input.SetValue("")
	s.input.Focus()
}

// submit analyses the message, or the missing piece it asked for.
func (s *deniedScreen) submit() tea.Cmd {
	v := strings.TrimSpace(s.input.Value())
	if v == "" {
		return nil
	}
	switch s.asking {
	case "principal":
		s.opts.Principal = v
	case "key":
		if s.c.Graph.Key(v) != nil || strings.Contains(v, ":kms:") || strings.HasPrefix(v, "alias/") {
			s.opts.Key = v
		} else {
			s.opts.Resource = v
		}
	default:
		s.text, s.opts = v, graph.DeniedOptions{}
	}
	s.asking = ""
	s.input.Prompt = "AccessDenied> "
	s.input.SetValue("")
	s.input.Blur()
	s.report, s.err = nil, nil
	s.setLines([]textLine{plain(s.c.Styles.Muted.Render("evaluating…"))})
	return deniedCmd(s.c.Graph, s.text, s.opts)
}

func (s *deniedScreen) scroll(n int) {
	s.offset = max(min(s.offset+n, len(s.lines)-s.bodyHeight()), 0)
}

func (s *deniedScreen) bodyHeight() int { return max(s.height-2, 1) }

// render lays the report out once per answer.
func (s *deniedScreen) render() {
	st := s.c.Styles
	var out []textLine
	add := func(l ...textLine) { out = append(out, l...) }
	s.offset = 0
	if s.err != nil {
		add(hanging(st.Error.Render("✗ "), st.Error.Render(s.err.Error())))
		if s.asking != "" {
			add(plain(st.Muted.Render("  type it above and press enter")))
		}
		s.setLines(out)
		return
	}
	rep := s.report
	if rep == nil {
		s.setLines([]textLine{
			plain(st.Muted.Render("Paste the AccessDenied error your application logged and press enter: " +
				"the message, AWS CLI output, an SDK error, a JSON or XML body, or a " +
				"CloudTrail event. keyhound names the layers that deny it, says whether " +
				"it agrees with AWS, and proposes the smallest fix.")),
			plain(st.Muted.Render("/ or i: paste another · ↑↓: scroll the answer")),
		})
		return
	}
	s.setLines(append(out, deniedReportLines(s.c, rep)...))
}

// deniedReportLines are a denied report's lines: what AWS says, the
// request, keyhound's answer and the layers denying it, the smallest fix.
func deniedReportLines(c *Common, rep *graph.DeniedReport) []textLine {
	st := c.Styles
	var out []textLine
	add := func(l ...textLine) { out = append(out, l...) }
	m := rep.Message
	said := m.Kind
	if m.PolicyType != "" {
		if m.Kind == accessdenied.KindExplicit {
			said = "an explicit deny in a " + m.PolicyType
		} else {
			said = "no " + m.PolicyType + " allows it"
		}
	}
	add(hanging(st.Bold.Render("AWS says   "), said+st.Muted.Render("  ("+nonEmptyStr(m.Exception, "AccessDenied")+", "+m.Source+")")),
		hanging(st.Bold.Render("Request    "), rep.Request.Principal+" → "+rep.Request.Action),
		hanging("           on ", rep.Request.Resource+viaText2(rep.Request.ViaService)))
	verdict := c.verdictText(rep.Decision)
	if len(rep.DeniedBy) > 0 {
		var parts []string
		for _, d := range rep.DeniedBy {
			kind := "implicit"
			if d.Explicit {
				kind = "explicit deny"
			}
			parts = append(parts, d.Layer.String()+" ("+kind+")")
		}
		verdict += "  denied by " + strings.Join(parts, ", ")
	}
	const gutter = "           "
	add(hanging(st.Bold.Render("keyhound   "), verdict))
	switch {
	case rep.AgreesWithMessage && rep.Decision == eval.Deny:
		add(hanging(gutter, st.Allowed.Render("✓ agrees with the message")))
	case rep.Decision != eval.Deny:
		add(hanging(gutter, st.Denied.Render("✗ disagrees with the message")))
	}
	if len(rep.AlsoDenying) > 0 {
		add(hanging(gutter, st.Conditional.Render("also denying: "+strings.Join(rep.AlsoDenying, ", "))+st.Muted.Render(" (AWS names one layer only)")))
	}
	for _, rs := range rep.Reasons {
		if rs.Outcome == eval.OutcomeDenies || rs.Outcome == eval.OutcomeNoAllow || rs.Outcome == eval.OutcomeBlocked {
			add(hanging(gutter+st.Denied.Render("✗ "), st.Bold.Render(rs.Layer.String())+" "+rs.Text()))
		}
	}
	for _, e := range rep.Explanations {
		add(hanging(gutter, st.Muted.Render(e)))
	}
	if len(rep.Fixes) > 0 {
		add(plain(""), plain(st.Bold.Render("Smallest fix")))
		for _, f := range rep.Fixes {
			add(fixLines(st, f)...)
		}
	}
	return out
}

// setLines keeps the report and wraps it to the pane's width.
func (s *deniedScreen) setLines(src []textLine) {
	s.src = src
	s.lines = wrapLines(src, s.width)
	s.scroll(0)
}

func viaText2(via string) string {
	if via == "" {
		return ""
	}
	return " via " + via
}

func nonEmptyStr(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func (s *deniedScreen) View() string {
	if s.src == nil {
		s.render()
	}
	body := s.lines[min(s.offset, len(s.lines)):]
	if h := s.bodyHeight(); len(body) > h {
		body = body[:h]
	}
	return s.input.View() + "\n\n" + strings.Join(body, "\n")
}

func (s *deniedScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.lines = wrapLines(s.src, w)
	s.scroll(0)
	s.input.SetWidth(max(w-len(s.input.Prompt)-2, 10))
}

func (s *deniedScreen) Crumb() string {
	if s.pasted {
		return "paste"
	}
	return "Access denied"
}
func (s *deniedScreen) Capturing() bool { return s.input.Focused() }
func (s *deniedScreen) Selected() string {
	if s.report != nil {
		return s.report.Request.Resource
	}
	return ""
}

func (s *deniedScreen) ShortHelp() []key.Binding {
	if s.input.Focused() {
		return []key.Binding{
			key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "explain")),
			key.NewBinding(key.WithKeys("esc", "tab", "shift+tab"), key.WithHelp("esc/tab", "leave the input")),
		}
	}
	return []key.Binding{
		key.NewBinding(key.WithKeys("/", "i"), key.WithHelp("/", "paste another")),
		s.c.Keys.Up, s.c.Keys.Down, s.c.Keys.Copy,
	}
}
func (s *deniedScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }
