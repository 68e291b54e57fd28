package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// keysScreen lists every key of the organization with who can decrypt it.
type keysScreen struct {
	listView
	// The rows are the graph's keys in Keys' order (row i is key i; a sort
	// or a filter orders only what is shown): a key's row is found by its
	// index, or by the ARN in its id.
	// counts are the DECR and EXT columns' (keycounts.go).
	counts keyCounts
	// resPending says the graph's resources were still built when the
	// rows were made: Init counts them when they are.
	resPending bool
}

// Columns of the keys list.
const (
	keyColAlias = iota
	keyColAccount
	keyColRegion
	keyColManager
	keyColState
	keyColRotation
	keyColDecrypt
	keyColResources
	keyColExternal
	keyColFindings
)

func newKeysScreen(c *Common, findings map[string]int) *keysScreen {
	s := &keysScreen{listView: newListView(c, []column{
		{"ALIAS", 12, 3},
		{"ACCOUNT", 12, 3},
		{"REGION", 9, 1},
		{"MGR", 4, 0},
		{"STATE", 8, 1},
		{"ROT", 3, 0},
		{"DECR", 4, 0},
		{"RES", 3, 0},
		{"EXT", 3, 0},
		{"FIND", 4, 0},
	}, "no keys in this snapshot")}
	// A graph whose resources are still built (graph.Graph.Ready) says
	// "…" until resourceCounts comes back.
	var resources map[string]int
	if s.resPending = !c.Graph.Ready(); !s.resPending {
		resources = resourceCounts(c.Graph)
	}
	keys := c.Graph.Keys()
	// The rows of 120,000 keys are made before the first frame, each part
	// with its own accounts' names.
	rows := rowsOnEveryCPU(len(keys), func() func(int) row {
		accounts := map[string]string{} // names
		return func(i int) row { return keyRow(c, keys[i], accounts, resources, findings) }
	})
	s.l.searchOf = func(r *row) string { return keySearch(c, r.ref.(*graph.Key)) }
	s.l.SetRows(rows)
	s.counts.known = make([]bool, len(rows))
	return s
}

// keyRow is a key's row in the keys list; accounts keeps the names of the
// accounts it has met. The filter's text is keySearch's.
func keyRow(c *Common, k *graph.Key, accounts map[string]string, resources, findings map[string]int) row {
	alias := "-"
	if len(k.Aliases) > 0 {
		alias = k.Aliases[0]
	}
	rot := "-"
	if k.Rotation != nil {
		rot = "no"
		if *k.Rotation {
			rot = "yes"
		}
	}
	mgr := "CUST"
	if k.Manager() == eval.KeyManagerAWS {
		mgr = "AWS"
	}
	acct, ok := accounts[k.Account]
	if !ok {
		acct = c.accountName(k.Account)
		accounts[k.Account] = acct
	}
	return row{
		id: k.ARN,
		cells: []string{
			alias, acct, k.Region, mgr, k.State(), rot,
			"…", countOrDash(resources, k.ARN), "…", countOrDash(findings, k.ARN),
		},
		ref: k,
	}
}

// keySearch is what the filter matches in a key's row: aliases, ARN,
// account, Region, state, tags.
func keySearch(c *Common, k *graph.Key) string {
	var sb strings.Builder
	for j, a := range k.Aliases {
		if j > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(a)
	}
	for _, w := range [...]string{k.ARN, c.accountLabel(k.Account), k.Region, k.State()} {
		sb.WriteByte(' ')
		sb.WriteString(w)
	}
	sb.WriteByte(' ')
	first := true
	for t, v := range k.Tags {
		if !first {
			sb.WriteByte(' ')
		}
		first = false
		sb.WriteString(t)
		sb.WriteByte('=')
		sb.WriteString(v)
	}
	return strings.ToLower(sb.String())
}

func countOrDash(m map[string]int, k string) string {
	if m == nil {
		return "…"
	}
	return strconv.Itoa(m[k])
}

func (s *keysScreen) Init() tea.Cmd {
	cmd := s.follow()
	if g := s.c.Graph; s.resPending {
		return tea.Batch(cmd, func() tea.Msg {
			<-g.Built()
			return keyResourcesMsg{g: g, counts: resourceCounts(g)}
		})
	}
	return cmd
}

// keyResourcesMsg carries how many resources each key of g encrypts, once
// its resources are built.
type keyResourcesMsg struct {
	g      *graph.Graph
	counts map[string]int
}

// resourceCounts counts the resources of g each key encrypts.
func resourceCounts(g *graph.Graph) map[string]int {
	out := map[string]int{}
	for _, r := range g.Resources() {
		if r.Key != "" {
			out[r.Key]++
		}
	}
	return out
}

func (s *keysScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case keyCountsMsg:
		return s, s.countsIn(msg)
	case builtMsg:
		return s, s.follow()
	case keyResourcesMsg:
		if msg.g == s.c.Graph {
			for i := range s.l.rows {
				s.l.rows[i].cells[keyColResources] = strconv.Itoa(msg.counts[s.l.rows[i].id])
			}
		}
		return s, nil
	case findingsMsg:
		for i := range s.l.rows {
			s.l.rows[i].cells[keyColFindings] = strconv.Itoa(msg.byResource[s.l.rows[i].id])
		}
		return s, nil
	}
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if r := s.l.Selected(); r != nil {
			return s, push(newKeyScreen(s.c, r.ref.(*graph.Key)))
		}
	}
	return s, nil
}

func (s *keysScreen) View() string {
	line := s.filterLine()
	if c := s.countsLine(); c != "" {
		line += "  " + c
	}
	return line + "\n" + s.l.View()
}

func (s *keysScreen) SetSize(w, h int)          { s.l.SetSize(w, h-1); s.input.SetWidth(w / 2) }
func (s *keysScreen) Crumb() string             { return "Keys" }
func (s *keysScreen) ShortHelp() []key.Binding  { return s.helpBindings() }
func (s *keysScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.helpBindings()} }
func (s *keysScreen) Capturing() bool           { return s.filtering }
func (s *keysScreen) Selected() string          { return s.l.SelectedID() }
