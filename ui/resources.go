package ui

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// resourcesScreen lists the encrypted resources with their key; its rows
// are built in the background, as the principals' are.
type resourcesScreen struct {
	listView
	loaded bool
}

func newResourcesScreen(c *Common) *resourcesScreen {
	return &resourcesScreen{listView: newListView(c, []column{{"TYPE", 14, 0}, {"RESOURCE", 20, 4}, {"ACCOUNT", 10, 2}, {"KEY", 12, 3}, {"SHARED", 6, 2}}, "listing the encrypted resources…")}
}

// resourceRows is a row per encrypted resource of c's graph; it only reads.
func resourceRows(c *Common) []row {
	c.Graph.ParseResourcePolicies() // each row says whom it is shared with
	rs := c.Graph.Resources()
	return rowsOnEveryCPU(len(rs), func() func(int) row {
		return func(i int) row {
			r := rs[i]
			key := keyLabel(c, r)
			return row{
				id: r.ARN, cells: []string{r.Type, lastPart(r.ARN), c.accountName(r.Account), key, sharedLabel(c, r.SharedWith())},
				search: strings.ToLower(r.Type + " " + r.ARN + " " + c.accountLabel(r.Account) + " " + key + " " + r.Key + " " + strings.Join(r.SharedWith(), " ")),
				ref:    r,
			}
		}
	})
}

// keyLabel names a resource's key by alias when it has one.
func keyLabel(c *Common, r *graph.Resource) string {
	switch {
	case r.Key == "" && r.KeyRef == "":
		return "(none)"
	case r.KeyUnresolved:
		return "⚠ unresolved " + r.KeyRef
	}
	if k := c.Graph.Key(r.Key); k != nil && len(k.Aliases) > 0 {
		return k.Aliases[0]
	}
	return r.Key
}

func (s *resourcesScreen) Init() tea.Cmd {
	// A copy: the rows are built on another goroutine, and the root may
	// give s.c a new graph meanwhile (a scan's end).
	c := *s.c
	return rowsCmd(s, func() []row { return resourceRows(&c) })
}

func (s *resourcesScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if m, ok := msg.(rowsMsg); ok {
		if m.owner == s {
			s.l.empty, s.loaded = "no encrypted resources in this snapshot", true
			s.l.SetRows(m.rows)
		}
		return s, nil
	}
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if r := s.l.Selected(); r != nil {
			return s, push(newResourceScreen(s.c, r.ref.(*graph.Resource)))
		}
	}
	return s, nil
}

func (s *resourcesScreen) View() string              { return s.filterLine() + "\n" + s.l.View() }
func (s *resourcesScreen) SetSize(w, h int)          { s.l.SetSize(w, h-1); s.input.SetWidth(w / 2) }
func (s *resourcesScreen) Crumb() string             { return "Resources" }
func (s *resourcesScreen) Capturing() bool           { return s.filtering }
func (s *resourcesScreen) Selected() string          { return s.l.SelectedID() }
func (s *resourcesScreen) ShortHelp() []key.Binding  { return s.helpBindings() }
func (s *resourcesScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.helpBindings()} }

// resourceScreen is one resource: its key, its sharing, and who can read its
// data (its own permission and the KMS calls its service makes).
type resourceScreen struct {
	listView
	res    *graph.Resource
	loaded bool
	denied int // principals of the accounts it is shared with that cannot read it
	err    error
	// width and height are the screen's; the list gets what the wrapped
	// header leaves.
	width, height int
}

func newResourceScreen(c *Common, r *graph.Resource) *resourceScreen {
	return &resourceScreen{res: r, listView: newListView(c, whoColumnsFor(c), "computing…")}
}

func (s *resourceScreen) Init() tea.Cmd { return resourceWhoCmd(s.c.Graph, s.res) }

// maxDeniedShown bounds the principals asked about per account a resource is
// shared with.
const maxDeniedShown = 50

// resourceWhoCmd finds who can read a resource's data and, in each account
// it is shared with, who cannot and why: sharing that does not work.
func resourceWhoCmd(g *graph.Graph, res *graph.Resource) tea.Cmd {
	return func() tea.Msg {
		who, err := g.WhoCan("read", res.ARN, "", graph.DefaultChainDepth)
		m := whoMsg{target: res.ARN, who: who, err: err}
		if err != nil {
			return m
		}
		listed := map[string]bool{}
		for _, w := range who {
			listed[w.Principal] = true
		}
		for _, acct := range res.SharedWith() {
			if acct == res.Account {
				continue
			}
			n := 0
			for _, p := range g.PrincipalsOf(acct) {
				if listed[p.ARN] || n >= maxDeniedShown {
					continue
				}
				a, err := g.Can(graph.Query{Principal: p.ARN, Action: "read", Resource: res.ARN, ChainDepth: -1})
				if err != nil || a.Decision != eval.Deny {
					continue
				}
				n++
				m.denied = append(m.denied, denied{principal: p.ARN, account: p.Account, by: a.DeniedBy})
			}
		}
		return m
	}
}

func (s *resourceScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if m, ok := msg.(whoMsg); ok {
		if m.target != s.res.ARN {
			return s, nil
		}
		s.loaded, s.err = true, m.err
		s.l.empty = "nobody can read this resource's data"
		rows := whoRows(s.c, m.who, s.res.Key)
		for _, d := range m.denied {
			var by []string
			for _, x := range d.by {
				// The same layer may deny more than one step (the
				// resource's permission and a KMS call): named once.
				if l := x.Layer.String(); !slices.Contains(by, l) {
					by = append(by, l)
				}
			}
			used, age := s.c.usageCells(graph.Who{Principal: d.principal, Account: d.account}, s.res.Key)
			cells := append([]string{"✗ DENY", shortPrincipal(d.principal), s.c.accountName(d.account), "denied by " + strings.Join(by, ", ")}, used...)
			rows = append(rows, row{
				id: d.principal, kind: "DENY",
				cells: cells, sortAs: usageSortAs(cells, age),
				search: strings.ToLower("deny " + d.principal + " " + s.c.accountLabel(d.account) + " " + strings.Join(by, " ")),
				ref:    graph.Who{Principal: d.principal, Account: d.account, Decision: eval.Deny},
			})
		}
		s.denied = len(m.denied)
		s.l.SetRows(rows)
		s.relayout() // the header says more now
		return s, nil
	}
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if r := s.l.Selected(); r != nil {
			w := r.ref.(graph.Who)
			return s, push(newWhyScreen(s.c, w.Principal, "read", s.res.ARN, w.Paths))
		}
	}
	return s, nil
}

func (s *resourceScreen) View() string {
	return wrapText(s.head(), s.width) + "\n" + s.filterLine() + "\n" + s.l.View()
}

// head is the resource's header: its ARN, what it is, and a note on who can
// read it, before wrapping.
func (s *resourceScreen) head() string {
	st := s.c.Styles
	r := s.res
	shared := "not shared"
	if len(r.SharedWith()) > 0 {
		shared = "shared with " + sharedLabel(s.c, r.SharedWith())
	}
	head := st.Bold.Render(r.ARN) + "\n" +
		r.Type + " · account " + s.c.accountLabel(r.Account) + " · " + r.Region + " · key " + keyLabel(s.c, r) + " · " + shared + "\n"
	switch {
	case s.err != nil:
		head += st.Error.Render("✗ " + s.err.Error())
	case s.denied > 0:
		head += st.Denied.Render("✗ shared, but "+strconv.Itoa(s.denied)+" principals of the accounts it is shared with cannot read it") + st.Muted.Render(" (enter on one: why, and the fix)")
	case r.PolicyGap() != nil || r.KeyGap != nil:
		// What the scan could not read about it: no answer through it is ALLOW.
		gap := r.PolicyGap()
		if gap == nil {
			gap = r.KeyGap
		}
		head += st.Conditional.Render("? " + gap.Message)
	default:
		head += st.Muted.Render("Who can read its data: the resource's permission and every KMS call its service makes must allow.")
	}
	return head
}

func (s *resourceScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	s.input.SetWidth(w / 2)
	s.relayout()
}

// relayout gives the list what the wrapped header and the filter line leave.
func (s *resourceScreen) relayout() {
	s.l.SetSize(s.width, s.height-lineCount(wrapText(s.head(), s.width))-1)
}
func (s *resourceScreen) Crumb() string   { return lastPart(s.res.ARN) }
func (s *resourceScreen) Capturing() bool { return s.filtering }
func (s *resourceScreen) Selected() string {
	if id := s.l.SelectedID(); id != "" {
		return id
	}
	return s.res.ARN
}
func (s *resourceScreen) ShortHelp() []key.Binding  { return s.helpBindings() }
func (s *resourceScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.helpBindings()} }

// Item is the resource's ARN: the breadcrumb shows a resource once.
func (s *resourceScreen) Item() string { return "resource " + s.res.ARN }
