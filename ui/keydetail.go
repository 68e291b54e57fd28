package ui

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/internal/plural"
)

// Tabs of a key's detail.
const (
	tabWho = iota
	tabResources
	tabGrants
	tabPolicy
	tabFindings
	numKeyTabs
)

var keyTabNames = [numKeyTabs]string{"Who can decrypt", "Resources", "Grants", "Key policy", "Findings"}

// keyScreen is one key: who can decrypt it, what it encrypts, its grants,
// its policy and its findings.
type keyScreen struct {
	c      *Common
	key    *graph.Key
	tab    int
	lists  [numKeyTabs]listView // all but tabPolicy
	policy *policyView
	who    []graph.Who
	loaded bool
	// esc is the key's escalation paths (tui --escalation), once escDone;
	// escBusy says their search runs.
	esc              []escalation.Path
	escDone, escBusy bool
	// resPending says the graph's resources were still built when the
	// screen was made: Init lists them when they are.
	resPending bool
	escErr     error
	err        error
	width      int
	height     int
}

func newKeyScreen(c *Common, k *graph.Key) *keyScreen {
	s := &keyScreen{c: c, key: k, policy: newPolicyView(c, k.PolicyText)}
	s.lists[tabWho] = newListView(c, whoColumnsFor(c), "computing…")
	s.lists[tabResources] = newListView(c, []column{{"TYPE", 14, 0}, {"RESOURCE", 24, 4}, {"SHARED WITH", 12, 3}}, "no resource in the snapshot is encrypted by this key")
	s.lists[tabGrants] = newListView(c, []column{{"GRANTEE", 18, 3}, {"ACCOUNT", 10, 2}, {"OPERATIONS", 12, 2}, {"CONSTRAINTS", 12, 2}}, "no grants")
	s.lists[tabFindings] = newListView(c, []column{{"SEVERITY", 9, 0}, {"FINDING", 30, 4}}, "no findings")
	if !k.GrantsKnown {
		s.lists[tabGrants].l.empty = "grants were not collected: any principal may hold one"
	}

	if s.resPending = !c.Graph.Ready(); !s.resPending {
		s.lists[tabResources].l.SetRows(keyResourceRows(c, k))
	} else { // its resources are still built: Init lists them
		s.lists[tabResources].l.empty = "listing the resources…"
	}

	var gr []row
	for i := range k.Grants {
		g := &k.Grants[i]
		var cons []string
		if g.Constraints != nil {
			for _, m := range []map[string]string{g.Constraints.EncryptionContextSubset, g.Constraints.EncryptionContextEquals} {
				for _, kk := range slices.Sorted(maps.Keys(m)) {
					cons = append(cons, kk+"="+m[kk])
				}
			}
		}
		gr = append(gr, row{
			id: g.GranteePrincipal, cells: []string{shortPrincipal(g.GranteePrincipal), c.accountName(principalAccount(g.GranteePrincipal)), strings.Join(g.Operations, ","), strings.Join(cons, ",")},
			search: strings.ToLower(g.GranteePrincipal + " " + strings.Join(g.Operations, " ") + " " + strings.Join(cons, " ") + " " + g.GrantID),
			ref:    g,
		})
	}
	s.lists[tabGrants].l.SetRows(gr)
	if c.findings != nil {
		s.setFindings(c.findings)
	} else {
		s.lists[tabFindings].l.empty = "computing findings…"
	}
	return s
}

func (s *keyScreen) setFindings(fm *findingsMsg) {
	var rows []row
	for _, f := range fm.all {
		if f.Resource == s.key.ARN {
			rows = append(rows, findingRow(s.c, f))
		}
	}
	s.lists[tabFindings].l.empty = "no findings"
	s.lists[tabFindings].l.SetRows(rows)
}

// whoColumns are the columns of who-can lists.
var whoColumns = []column{{"DECISION", 13, 0}, {"PRINCIPAL", 18, 3}, {"ACCOUNT", 10, 2}, {"VIA / CONDITION", 14, 3}}

// whoMsg carries who can decrypt a key (or read a resource), computed in
// the background; for a shared resource, also who cannot, in the accounts it
// is shared with.
type whoMsg struct {
	target string
	who    []graph.Who
	denied []denied
	err    error
}

// denied is a principal whose answer is DENY, and the layers that deny it.
type denied struct {
	principal, account string
	by                 []eval.Denial
}

func whoCmd(g *graph.Graph, action, target string) tea.Cmd {
	return func() tea.Msg {
		who, err := g.WhoCan(action, target, "", graph.DefaultChainDepth)
		return whoMsg{target: target, who: who, err: err}
	}
}

func (s *keyScreen) Init() tea.Cmd {
	cmd := whoCmd(s.c.Graph, "kms:Decrypt", s.key.ARN)
	if s.resPending {
		c, k := *s.c, s.key // the root may swap c.Graph meanwhile
		cmd = tea.Batch(cmd, rowsCmd(s, func() []row { return keyResourceRows(&c, k) }))
	}
	return cmd
}

// keyResourceRows lists the resources k encrypts (waiting for a graph
// still built).
func keyResourceRows(c *Common, k *graph.Key) []row {
	var res []row
	for _, r := range c.Graph.ResourcesOf(k.ARN) {
		res = append(res, row{id: r.ARN, cells: []string{r.Type, lastPart(r.ARN), sharedLabel(c, r.SharedWith())}, ref: r})
	}
	return res
}

// whoRows are the rows of who-can lists; key is the key whose usage the
// USES and LAST USED cells count (when usage is loaded).
func whoRows(c *Common, who []graph.Who, key string) []row {
	rows := make([]row, 0, len(who))
	for _, w := range who {
		via := viaText(w.Paths)
		if via == "" && len(w.Conditions) > 0 {
			var parts []string
			for _, cl := range eval.Clauses(w.Conditions) {
				parts = append(parts, cl.Text())
			}
			via = strings.Join(parts, "; ")
		}
		if via == "" && len(w.Unknowns) > 0 {
			via = "unknown: " + w.Unknowns[0].Message
		}
		account := c.accountName(w.Account)
		if w.External {
			account = "⇱ " + account + " (external)"
		}
		used, age := c.usageCells(w, key)
		cells := append([]string{glyphFor(w.Decision.String()) + " " + w.Decision.String(), shortPrincipal(w.Principal), account, via}, used...)
		rows = append(rows, row{
			id: w.Principal, kind: w.Decision.String(),
			cells: cells, sortAs: usageSortAs(cells, age),
			search: strings.ToLower(w.Decision.String()+" "+w.Principal+" "+c.accountLabel(w.Account)+" "+via) + usageSearch(used),
			ref:    w,
		})
	}
	return rows
}

// viaText is the first role chain of paths, by short names, or "".
func viaText(paths []graph.Path) string {
	for _, p := range paths {
		if len(p.Via) > 1 {
			hops := make([]string, len(p.Via)-1)
			for i, v := range p.Via[1:] {
				hops[i] = shortPrincipal(v)
			}
			return "via " + strings.Join(hops, " → ")
		}
	}
	return ""
}

// glyphFor pairs each decision with a glyph, so that colour is never the only signal.
func glyphFor(decision string) string {
	switch decision {
	case "ALLOW":
		return "✓"
	case "DENY":
		return "✗"
	case "CONDITIONAL":
		return "?"
	}
	return "·"
}

func (s *keyScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case rowsMsg:
		if msg.owner == screen(s) {
			s.lists[tabResources].l.empty = "no resource in the snapshot is encrypted by this key"
			s.lists[tabResources].l.SetRows(msg.rows)
		}
		return s, nil
	case whoMsg:
		if msg.target != s.key.ARN {
			return s, nil
		}
		s.who, s.err, s.loaded = msg.who, msg.err, true
		s.lists[tabWho].l.empty = "nobody can decrypt with this key"
		s.lists[tabWho].l.SetRows(whoRows(s.c, msg.who, s.key.ARN))
		cmd := s.startEscalation()
		s.relayout() // the blast radius is known now
		return s, cmd
	case escalationMsg:
		s.setEscalation(msg)
		return s, nil
	case findingsMsg:
		s.setFindings(&msg)
		return s, nil
	case tea.BackgroundColorMsg:
		return s, s.policy.update(msg) // whichever tab is shown
	case tea.KeyPressMsg:
		k := s.c.Keys
		if !s.Capturing() {
			switch {
			case key.Matches(msg, k.NextTab):
				s.tab = (s.tab + 1) % numKeyTabs
				return s, nil
			case key.Matches(msg, k.PrevTab):
				s.tab = (s.tab + numKeyTabs - 1) % numKeyTabs
				return s, nil
			}
		}
	}
	if s.tab == tabPolicy {
		return s, s.policy.update(msg)
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
		switch s.tab {
		case tabWho:
			if p, ok := r.ref.(escalation.Path); ok {
				return s, push(newEscalationPathScreen(s.c, s.key.ARN, p))
			}
			w := r.ref.(graph.Who)
			return s, push(newWhyScreen(s.c, w.Principal, "kms:Decrypt", s.key.ARN, w.Paths))
		case tabResources:
			return s, push(newResourceScreen(s.c, r.ref.(*graph.Resource)))
		case tabGrants:
			return s, push(newGrantScreen(s.c, s.key, r.ref.(*eval.Grant)))
		case tabFindings:
			return s, push(newFindingScreen(s.c, r.ref.(graph.Finding)))
		}
	}
	return s, nil
}

// blastRadius summarizes who can decrypt: how many principals in how many
// accounts, how many resources, outside the organization, the public.
func (s *keyScreen) blastRadius() string {
	st := s.c.Styles
	if !s.loaded {
		return s.c.pending("computing who can decrypt…")
	}
	if s.err != nil {
		return st.Error.Render("✗ " + s.err.Error())
	}
	accounts := map[string]bool{}
	allow, cond, ext, public := 0, 0, 0, false
	for _, w := range s.who {
		if w.Decision.String() == "ALLOW" {
			allow++
		} else {
			cond++
		}
		if w.Account != "" {
			accounts[w.Account] = true
		}
		if w.External {
			ext++
		}
		public = public || w.Principal == "*"
	}
	res, _ := s.lists[tabResources].l.Len()
	out := fmt.Sprintf("Blast radius: %s in %s can decrypt (%s, %s) · %s",
		plural.Count(len(s.who), "principal"), plural.Count(len(accounts), "account"), st.Allowed.Render(strconv.Itoa(allow)+" ✓ ALLOW"), st.Conditional.Render(strconv.Itoa(cond)+" ? CONDITIONAL"), plural.Count(res, "resource"))
	if ext > 0 {
		out += " · " + st.External.Render(strconv.Itoa(ext)+" external")
	}
	if public {
		out += " · " + st.Denied.Render("⚠ public")
	}
	return out + s.escalationRadius()
}

func (s *keyScreen) header() string {
	st := s.c.Styles
	k := s.key
	alias := strings.Join(k.Aliases, ", ")
	if alias == "" {
		alias = "(no alias)"
	}
	rot := "unknown"
	if k.Rotation != nil {
		rot = map[bool]string{true: "on", false: "off"}[*k.Rotation]
	}
	state := k.State()
	if state != "Enabled" {
		state = st.Denied.Render("⚠ " + state)
	}
	return st.Bold.Render(alias) + "  " + st.Muted.Render(k.ARN) + "\n" +
		fmt.Sprintf("account %s · %s · %s managed · %s · rotation %s", s.c.accountLabel(k.Account), k.Region, strings.ToLower(k.Manager()), state, rot) + lastUsed(k)
}

func (s *keyScreen) tabs() string {
	st := s.c.Styles
	parts := make([]string, numKeyTabs)
	for i, n := range keyTabNames {
		label := n
		if i != tabPolicy {
			shown, _ := s.lists[i].l.Len()
			if i != tabWho || s.loaded {
				label += " " + strconv.Itoa(shown)
			}
		}
		parts[i] = st.TabLabel(label, i == s.tab)
	}
	return strings.Join(parts, st.Muted.Render("│"))
}

// head is the key's header and blast radius, wrapped to the width.
func (s *keyScreen) head() string {
	return wrapText(s.header()+"\n"+s.blastRadius(), s.width)
}

func (s *keyScreen) View() string {
	var body string
	if s.tab == tabPolicy {
		body = s.policy.view()
	} else {
		body = s.lists[s.tab].filterLine() + "\n" + s.lists[s.tab].l.View()
	}
	return s.head() + "\n" + s.tabs() + "\n" + body
}

func (s *keyScreen) SetSize(w, h int) {
	s.width, s.height = w, h
	for i := range s.lists {
		if s.lists[i].l != nil {
			s.lists[i].input.SetWidth(w / 2)
		}
	}
	s.relayout()
}

// relayout gives the tab's body what the wrapped header and the tabs line
// leave (the lists also lose a line to their filter line).
func (s *keyScreen) relayout() {
	h := s.height - lineCount(s.head()) - 1
	for i := range s.lists {
		if s.lists[i].l != nil {
			s.lists[i].l.SetSize(s.width, h-1)
		}
	}
	s.policy.setSize(s.width, h)
}

func (s *keyScreen) Crumb() string {
	if len(s.key.Aliases) > 0 {
		return s.key.Aliases[0]
	}
	return "key " + s.key.ID
}

func (s *keyScreen) ShortHelp() []key.Binding {
	k := s.c.Keys
	if s.tab == tabPolicy {
		return []key.Binding{k.NextTab, k.NextStatement, k.PrevStatement, k.Up, k.Down}
	}
	return append([]key.Binding{k.NextTab}, s.lists[s.tab].helpBindings()...)
}

func (s *keyScreen) FullHelp() [][]key.Binding {
	k := s.c.Keys
	return [][]key.Binding{{k.NextTab, k.PrevTab}, s.lists[tabWho].helpBindings(), {k.NextStatement, k.PrevStatement}}
}

func (s *keyScreen) Capturing() bool {
	return s.tab != tabPolicy && s.lists[s.tab].filtering
}

func (s *keyScreen) Selected() string {
	if s.tab == tabPolicy {
		return s.key.ARN
	}
	if id := s.lists[s.tab].l.SelectedID(); id != "" && id != graph.AnyGrantee {
		return id
	}
	return s.key.ARN
}

// sharedLabel names the accounts a resource is shared with.
func sharedLabel(c *Common, accounts []string) string {
	names := make([]string, len(accounts))
	for i, a := range accounts {
		names[i] = c.accountName(a)
		if a == "all" {
			names[i] = "⚠ public"
		}
	}
	return strings.Join(names, ",")
}

// lastUsed says when the key was last used (GetKeyLastUsage), when known.
func lastUsed(k *graph.Key) string {
	u := k.LastUsage
	switch {
	case u == nil:
		return ""
	case u.Timestamp == "":
		return " · not used since tracking began"
	}
	return " · last used " + u.Timestamp + " (" + u.Operation + ")"
}

// Item is the key's ARN: the breadcrumb shows a key once.
func (s *keyScreen) Item() string { return "key " + s.key.ARN }
