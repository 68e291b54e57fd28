package ui

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/internal/plural"
)

// kindEscalation is the row kind (and style) of an escalation entry in a
// who-can list.
const kindEscalation = "escalation"

// escalationCache is the escalation search of one graph (tui
// --escalation), shared by its key screens: one escalation.Searcher, built
// by the first search that needs it, off the update loop; and each key's
// paths, computed once, whichever screen asks first (a key opened again, or
// while its search runs, waits for that search rather than starting one).
type escalationCache struct {
	g        *graph.Graph
	searcher func() *escalation.Searcher
	mu       sync.Mutex
	keys     map[string]*escalationEntry
}

// escalationEntry is one key's escalation paths, once computed (done).
type escalationEntry struct {
	once  sync.Once
	done  atomic.Bool
	paths []escalation.Path
	err   error
}

// escalationOf is the escalation search of c.Graph: a new one when the
// graph has changed (a scan ended). Called on the update loop.
func (c *Common) escalationOf() *escalationCache {
	if c.esc == nil || c.esc.g != c.Graph {
		g := c.Graph
		c.esc = &escalationCache{
			g:        g,
			searcher: sync.OnceValue(func() *escalation.Searcher { return escalation.NewSearcher(g, escalation.Options{}) }),
			keys:     map[string]*escalationEntry{},
		}
	}
	return c.esc
}

// entry is key's entry, made on first use.
func (e *escalationCache) entry(key string) *escalationEntry {
	e.mu.Lock()
	defer e.mu.Unlock()
	en := e.keys[key]
	if en == nil {
		en = &escalationEntry{}
		e.keys[key] = en
	}
	return en
}

// escalationMsg carries a key's escalation paths, computed in the
// background.
type escalationMsg struct {
	g     *graph.Graph
	key   string
	paths []escalation.Path
	err   error
}

// escalationCmd computes key's escalation paths given who can decrypt it
// now (the Who-can tab's answer, with role chains at least as deep as the
// search's: its principals need no escalation). A search takes seconds on
// a large organization: never on the update loop.
func escalationCmd(e *escalationCache, key string, who []graph.Who) tea.Cmd {
	en := e.entry(key)
	return func() tea.Msg {
		en.once.Do(func() {
			en.paths, en.err = e.searcher().PathsWith(key, who)
			en.done.Store(true)
		})
		return escalationMsg{g: e.g, key: key, paths: en.paths, err: en.err}
	}
}

// cached is key's answer when computed already.
func (e *escalationCache) cached(key string) (escalationMsg, bool) {
	en := e.entry(key)
	if !en.done.Load() {
		return escalationMsg{}, false
	}
	return escalationMsg{g: e.g, key: key, paths: en.paths, err: en.err}, true
}

// escalationWord is an escalation entry's decision cell: its own glyph and
// word, "can" when every step is allowed, "may" when one depends on the
// request.
func escalationWord(p escalation.Path) string {
	if p.Decision == eval.Conditional {
		return "⇡ MAY GAIN"
	}
	return "⇡ CAN GAIN"
}

// escalationSummary is a path as a who-can row says it: its number of
// steps, then graph/escalation's description with short names ("2 steps:
// PutRolePolicy on role/Deployer, then Decrypt").
func escalationSummary(c *Common, p escalation.Path) string {
	key := ""
	if n := len(p.Steps); n > 0 {
		key = p.Steps[n-1].Target
	}
	short := make([]escalation.Step, len(p.Steps))
	for i, s := range p.Steps {
		short[i] = escalation.Step{Action: s.Action, Kind: s.Kind, Target: s.Target}
		if s.Target != key {
			short[i].Target = c.label(s.Target)
		}
	}
	return plural.Count(len(p.Steps), "step") + ": " + escalation.Describe(escalation.Path{Steps: short})
}

// escalationRows are escalation entries as who-can rows, after those who
// can decrypt now: the same columns, the decision cell marked ⇡.
func escalationRows(c *Common, paths []escalation.Path) []row {
	rows := make([]row, 0, len(paths))
	for _, p := range paths {
		account := principalAccount(p.Principal)
		if pr := c.Graph.Principal(p.Principal); pr != nil {
			account = pr.Account
		}
		via := escalationSummary(c, p)
		for _, s := range p.Steps {
			for _, cl := range eval.Clauses(s.Conditions) {
				via += "; " + cl.Text()
			}
		}
		cells := []string{escalationWord(p), shortPrincipal(p.Principal), c.accountName(account), via}
		if c.usage != nil {
			cells = append(cells, "", "") // USES, LAST USED: about access it has not
		}
		rows = append(rows, row{
			id: p.Principal, kind: kindEscalation, cells: cells, ref: p,
			search: strings.ToLower("escalation can gain " + p.Decision.String() + " " + p.Principal + " " + c.accountLabel(account) + " " + via),
		})
	}
	return rows
}

// startEscalation starts the key's escalation search once who can decrypt
// it now is known (tui --escalation); an answer already computed is shown
// at once.
func (s *keyScreen) startEscalation() tea.Cmd {
	if !s.c.escalation || s.err != nil || s.escDone || s.escBusy {
		return nil
	}
	e := s.c.escalationOf()
	if msg, ok := e.cached(s.key.ARN); ok {
		s.setEscalation(msg)
		return nil
	}
	s.escBusy = true
	return escalationCmd(e, s.key.ARN, s.who)
}

// setEscalation shows the key's escalation entries after those who can
// decrypt now.
func (s *keyScreen) setEscalation(msg escalationMsg) {
	if msg.key != s.key.ARN || msg.g != s.c.Graph || s.escDone {
		return
	}
	s.esc, s.escErr, s.escDone, s.escBusy = msg.paths, msg.err, true, false
	s.lists[tabWho].l.SetRows(append(whoRows(s.c, s.who, s.key.ARN), escalationRows(s.c, msg.paths)...))
	s.relayout() // the blast radius says how many
}

// escalationRadius is what the blast radius says of escalation: how many
// principals can gain access, or that the search runs; "" without
// --escalation.
func (s *keyScreen) escalationRadius() string {
	st := s.c.Styles
	switch {
	case !s.c.escalation:
		return ""
	case s.escBusy:
		return " · " + s.c.pending("searching escalation paths…")
	case s.escErr != nil:
		return " · " + st.Error.Render("✗ escalation: "+s.escErr.Error())
	case !s.escDone:
		return ""
	case len(s.esc) == 0:
		return " · " + st.Muted.Render("no escalation path")
	}
	return " · " + st.Escalation.Render("⇡ "+strconv.Itoa(len(s.esc))+" more can gain access")
}
