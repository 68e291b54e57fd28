package ui

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/internal/plural"
)

// principalsScreen lists the organization's users and roles. Its rows are
// built in the background (Init): a large organization has a hundred
// thousand principals, and the key press that opens the list must not wait.
type principalsScreen struct {
	listView
	loaded bool
}

func newPrincipalsScreen(c *Common) *principalsScreen {
	return &principalsScreen{listView: newListView(c, []column{{"PRINCIPAL", 22, 4}, {"ACCOUNT", 12, 2}, {"POLICIES", 8, 0}, {"TAGS", 8, 2}}, "listing the principals…")}
}

// principalRows is a row per principal of c's graph; it only reads.
func principalRows(c *Common) []row {
	ps := c.Graph.Principals()
	return rowsOnEveryCPU(len(ps), func() func(int) row { return func(i int) row { return principalRow(c, ps[i]) } })
}

// principalRow is a principal's row in the principals list.
func principalRow(c *Common, p *graph.Principal) row {
	var tags []string
	for k, v := range p.Tags {
		tags = append(tags, k+"="+v)
	}
	slices.Sort(tags)
	pol := strconv.Itoa(len(p.Policies))
	if len(p.Issues) > 0 {
		pol += " ⚠"
	}
	return row{
		id: p.ARN, cells: []string{shortPrincipal(p.ARN), c.accountName(p.Account), pol, strings.Join(tags, ",")},
		search: strings.ToLower(p.ARN + " " + c.accountLabel(p.Account) + " " + strings.Join(tags, " ")),
		ref:    p,
	}
}

// rowsMsg carries a list's rows built in the background, for owner.
type rowsMsg struct {
	owner screen
	rows  []row
}

// rowsCmd builds rows off the update loop.
func rowsCmd(owner screen, build func() []row) tea.Cmd {
	return func() tea.Msg { return rowsMsg{owner: owner, rows: build()} }
}

func (s *principalsScreen) Init() tea.Cmd {
	// A copy: the rows are built on another goroutine, and the root may
	// give s.c a new graph meanwhile (a scan's end).
	c := *s.c
	return rowsCmd(s, func() []row { return principalRows(&c) })
}

func (s *principalsScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if m, ok := msg.(rowsMsg); ok {
		if m.owner == s {
			s.l.empty, s.loaded = "no principals in this snapshot", true
			s.l.SetRows(m.rows)
		}
		return s, nil
	}
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if r := s.l.Selected(); r != nil {
			return s, push(newPrincipalScreen(s.c, r.ref.(*graph.Principal)))
		}
	}
	return s, nil
}

func (s *principalsScreen) View() string              { return s.filterLine() + "\n" + s.l.View() }
func (s *principalsScreen) SetSize(w, h int)          { s.l.SetSize(w, h-1); s.input.SetWidth(w / 2) }
func (s *principalsScreen) Crumb() string             { return "Principals" }
func (s *principalsScreen) Capturing() bool           { return s.filtering }
func (s *principalsScreen) Selected() string          { return s.l.SelectedID() }
func (s *principalsScreen) ShortHelp() []key.Binding  { return s.helpBindings() }
func (s *principalsScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.helpBindings()} }

// principalScreen is one principal: what it can decrypt (directly and
// through role chains) and which roles it can assume.
type principalScreen struct {
	c      *Common
	p      *graph.Principal
	tab    int // 0: can decrypt, 1: can assume
	lists  [2]listView
	loaded bool
	err    error
	// width and height are the screen's; the lists get what the wrapped
	// header leaves.
	width, height int
}

func newPrincipalScreen(c *Common, p *graph.Principal) *principalScreen {
	s := &principalScreen{c: c, p: p}
	s.lists[0] = newListView(c, []column{{"DECISION", 13, 0}, {"KEY", 16, 3}, {"ACCOUNT", 10, 2}, {"VIA", 10, 3}}, "computing…")
	s.lists[1] = newListView(c, []column{{"DECISION", 13, 0}, {"ROLE", 18, 3}, {"ACCOUNT", 10, 2}, {"CHAIN", 10, 3}}, "computing…")
	return s
}

// whatMsg carries what a principal can decrypt and assume.
type whatMsg struct {
	principal string
	what      []graph.What
	assume    []graph.Assumable
	err       error
}

func (s *principalScreen) Init() tea.Cmd {
	g, p := s.c.Graph, s.p.ARN
	return func() tea.Msg {
		what, err := g.WhatCan(p, "kms:Decrypt", graph.DefaultChainDepth)
		return whatMsg{principal: p, what: what, assume: g.Assumables(p, graph.DefaultChainDepth), err: err}
	}
}

func (s *principalScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case whatMsg:
		if msg.principal != s.p.ARN {
			return s, nil
		}
		s.loaded, s.err = true, msg.err
		var rows []row
		for _, w := range msg.what {
			name := lastPart(w.Key)
			if len(w.Aliases) > 0 {
				name = w.Aliases[0]
			}
			via := viaText(w.Paths)
			rows = append(rows, row{id: w.Key, kind: w.Decision.String(), cells: []string{glyphFor(w.Decision.String()) + " " + w.Decision.String(), name, s.c.accountName(w.Account), via}, ref: w})
		}
		s.lists[0].l.empty = "this principal can decrypt with no key of the snapshot"
		s.lists[0].l.SetRows(rows)
		rows = nil
		for _, a := range msg.assume {
			var chain []string
			for _, v := range a.Via[1:] {
				chain = append(chain, shortPrincipal(v))
			}
			rows = append(rows, row{id: a.Role, kind: a.Decision.String(), cells: []string{glyphFor(a.Decision.String()) + " " + a.Decision.String(), shortPrincipal(a.Role), s.c.accountName(principalAccount(a.Role)), strings.Join(chain, " → ")}})
		}
		s.lists[1].l.empty = "this principal can assume no role"
		s.lists[1].l.SetRows(rows)
		s.relayout()
		return s, nil
	case tea.KeyPressMsg:
		if !s.Capturing() && (key.Matches(msg, s.c.Keys.NextTab) || key.Matches(msg, s.c.Keys.PrevTab)) {
			s.tab = 1 - s.tab
			return s, nil
		}
	}
	lv := &s.lists[s.tab]
	if cmd, ok := lv.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		r := lv.l.Selected()
		if r == nil {
			return s, nil
		}
		if s.tab == 0 {
			w := r.ref.(graph.What)
			return s, push(newWhyScreen(s.c, s.p.ARN, "kms:Decrypt", w.Key, w.Paths))
		}
		if p := s.c.Graph.Principal(r.id); p != nil {
			return s, push(newPrincipalScreen(s.c, p))
		}
	}
	return s, nil
}

// head is the principal's header before wrapping: its ARN, what it is,
// and a line for what could not be read.
func (s *principalScreen) head() string {
	st := s.c.Styles
	p := s.p
	var tags []string
	for _, k := range slices.Sorted(maps.Keys(p.Tags)) {
		tags = append(tags, k+"="+p.Tags[k])
	}
	head := st.Bold.Render(p.ARN) + "\n" + p.Kind.String() + " · account " + s.c.accountLabel(p.Account) + " · " + plural.Form(len(p.Policies), "identity policy", "identity policies")
	if p.Boundary != nil {
		head += " · boundary " + p.Boundary.Name
	}
	if len(tags) > 0 {
		head += " · tags " + strings.Join(tags, ",")
	}
	switch {
	case s.err != nil:
		head += "\n" + st.Error.Render("✗ "+s.err.Error())
	case len(p.Issues) > 0:
		head += "\n" + st.Conditional.Render("? "+strconv.Itoa(len(p.Issues))+" of its policies are unknown: answers that depend on them are CONDITIONAL")
	default:
		head += "\n"
	}
	return head
}

func (s *principalScreen) View() string {
	st := s.c.Styles
	names := [2]string{"Can decrypt", "Can assume"}
	var tabs []string
	for i, n := range names {
		shown, _ := s.lists[i].l.Len()
		if s.loaded {
			n += " " + strconv.Itoa(shown)
		}
		tabs = append(tabs, st.TabLabel(n, i == s.tab))
	}
	return wrapText(s.head(), s.width) + "\n" + strings.Join(tabs, st.Muted.Render("│")) + "\n" + s.lists[s.tab].filterLine() + "\n" + s.lists[s.tab].l.View()
}

func (s *principalScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	for i := range s.lists {
		s.lists[i].input.SetWidth(w / 2)
	}
	s.relayout()
}

// relayout gives the lists what the wrapped header, the tabs and the
// filter line leave.
func (s *principalScreen) relayout() {
	h := s.height - lineCount(wrapText(s.head(), s.width)) - 2
	for i := range s.lists {
		s.lists[i].l.SetSize(s.width, h)
	}
}
func (s *principalScreen) Crumb() string   { return lastPart(s.p.ARN) }
func (s *principalScreen) Capturing() bool { return s.lists[s.tab].filtering }
func (s *principalScreen) Selected() string {
	if id := s.lists[s.tab].l.SelectedID(); id != "" {
		return id
	}
	return s.p.ARN
}

func (s *principalScreen) ShortHelp() []key.Binding {
	return append([]key.Binding{s.c.Keys.NextTab}, s.lists[s.tab].helpBindings()...)
}
func (s *principalScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// Item is the principal's ARN: the breadcrumb shows a principal once.
func (s *principalScreen) Item() string { return "principal " + s.p.ARN }
