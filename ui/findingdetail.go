package ui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
)

// findingScreen is one finding: its title, severity, what it is on, the
// evidence (the policy with the statement marked, or the grant), what to
// change; enter goes to the key, principal or resource it is on.
type findingScreen struct {
	c *Common
	f graph.Finding
	// target is what enter opens: "" when the finding is on nothing the
	// snapshot has a screen for (an account).
	target string
	pane
}

func newFindingScreen(c *Common, f graph.Finding) *findingScreen {
	s := &findingScreen{c: c, f: f}
	if screenFor(c, f.Resource) != nil {
		s.target = f.Resource
	}
	s.pane = newPane(c, s.render)
	return s
}

func (s *findingScreen) Init() tea.Cmd { return nil }

func (s *findingScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if _, ok := msg.(tea.BackgroundColorMsg); ok {
		s.refresh()
		return s, nil
	}
	if s.update(msg) {
		return s, nil
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) && s.target != "" {
		return s, jumpTo(s.c, s.target)
	}
	return s, nil
}

// onName names what a finding is on: "key alias/open", "role/Admin",
// "s3:bucket reports", "account prod (111111111111)".
func onName(c *Common, ref string) string {
	g := c.Graph
	switch {
	case g.Key(ref) != nil:
		return "key " + c.label(ref)
	case g.Principal(ref) != nil:
		return shortPrincipal(ref)
	case strings.HasSuffix(ref, ":root"):
		return "account " + c.accountLabel(principalAccount(ref))
	}
	for _, r := range g.Resources() {
		if r.ARN == ref {
			return r.Type + " " + lastPart(ref)
		}
	}
	return ref
}

func (s *findingScreen) render(w int) []string {
	st := s.c.Styles
	f := s.f
	var out []string
	for _, l := range wrap(f.Title, w) {
		out = append(out, st.Bold.Render(l))
	}
	sev := s.c.kindStyle(f.Severity.String()).Render(strings.ToUpper(f.Severity.String()))
	out = append(out, "")
	out = append(out, field(s.c, "severity", sev+" · rule "+f.Rule, w)...)
	out = append(out, field(s.c, "on", onName(s.c, f.Resource), w)...)
	out = append(out, field(s.c, "ARN", f.Resource, w)...)
	where := s.c.accountLabel(f.Account)
	if f.Region != "" {
		where = strings.TrimPrefix(where+" · "+f.Region, " · ")
	}
	if where != "" {
		out = append(out, field(s.c, "account", where, w)...)
	}
	out = append(out, "", st.Header.Render("Evidence"))
	for _, e := range f.Evidence {
		lines := indented(e.Text(), 4, w)
		if len(lines) > 0 && w > 4 {
			lines[0] = "  · " + strings.TrimPrefix(lines[0], "    ")
		}
		out = append(out, lines...)
	}
	if f.Remedy != "" {
		out = append(out, "", st.Header.Render("What to change"))
		out = append(out, indented(f.Remedy, 2, w)...)
	}
	for _, e := range f.Evidence {
		out = append(out, s.evidenceBody(e, w)...)
	}
	return out
}

// evidenceBody shows what evidence points at: the policy with its
// statement marked, or the grant.
func (s *findingScreen) evidenceBody(e graph.Evidence, w int) []string {
	st := s.c.Styles
	g := s.c.Graph
	if e.Grant != "" {
		if k := g.Key(s.f.Resource); k != nil {
			for _, gr := range k.Grants {
				if gr.GrantID == e.Grant {
					out := []string{"", st.Header.Render("Grant")}
					return append(out, grantFields(s.c, k, &gr, w)...)
				}
			}
		}
		return nil
	}
	if e.Statement < 0 {
		return nil
	}
	doc, name := "", e.Policy
	if k := g.Key(s.f.Resource); k != nil && e.Policy == "key policy" {
		doc, name = k.PolicyText, "Key policy of "+s.c.label(k.ARN)
	}
	if p := g.Principal(s.f.Resource); p != nil {
		for _, np := range p.Policies {
			if np.Name == e.Policy && (e.PolicyARN == "" || np.ARN == e.PolicyARN) && np.Policy != nil {
				doc, name = np.Policy.Text, "Identity policy "+np.Name+" of "+shortPrincipal(p.ARN)
				break
			}
		}
	}
	if doc == "" {
		return nil
	}
	out := []string{"", st.Header.Render(name + ", statement " + itoa(e.Statement) + " marked ▌")}
	return append(out, markedPolicy(s.c, doc, e.Statement, w)...)
}

// markedPolicy is a policy document as the key policy tab shows it,
// wrapped to w, with statement i marked in the gutter.
func markedPolicy(c *Common, doc string, i, w int) []string {
	pv := newPolicyView(c, doc)
	var out []string
	if pv.err != "" {
		out = append(out, wrap(c.Styles.Error.Render("✗ "+pv.err), w)...)
	}
	for n, l := range pv.lines {
		gutter := "  "
		if i < len(pv.stmts) && n >= pv.stmts[i][0] && n <= pv.stmts[i][1] {
			gutter = c.Styles.Conditional.Render("▌ ")
		}
		// A long line (an ARN) goes on under its own indent, and two more.
		trimmed := strings.TrimLeft(l, " ")
		ind := min(len(l)-len(trimmed), max(w-12, 0))
		for j, part := range wrap(pv.highlight(trimmed), w-2-ind-2*min(ind, 1)) {
			pad := strings.Repeat(" ", ind)
			if j > 0 && ind > 0 {
				pad += "  "
			}
			out = append(out, gutter+pad+part)
		}
	}
	return out
}

func (s *findingScreen) View() string     { return s.view() }
func (s *findingScreen) SetSize(w, h int) { s.setSize(w, h) }
func (s *findingScreen) Crumb() string    { return s.f.Rule }
func (s *findingScreen) Capturing() bool  { return false }
func (s *findingScreen) Selected() string { return s.f.Resource }

// Item is the finding: its rule, what it is on, its evidence.
func (s *findingScreen) Item() string {
	ev := make([]string, len(s.f.Evidence))
	for i, e := range s.f.Evidence {
		ev[i] = e.Text()
	}
	return "finding " + s.f.Rule + " " + s.f.Resource + " " + strings.Join(ev, "; ")
}

// enterHelp is enter's binding: going to what the finding is on; none
// when it is on nothing the snapshot has a screen for.
func (s *findingScreen) enterHelp() []key.Binding {
	if s.target == "" {
		return nil
	}
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go to "+onName(s.c, s.target)))}
}

func (s *findingScreen) ShortHelp() []key.Binding { return append(s.enterHelp(), s.help()...) }

func (s *findingScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{s.enterHelp(), scrollKeys(s.c)}
}
