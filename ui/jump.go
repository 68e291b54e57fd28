package ui

import (
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
)

// jumpKind is what a completion of `:` opens.
type jumpKind uint8

const (
	jumpKey jumpKind = iota
	jumpPrincipal
	jumpResource
	jumpAccount
)

var jumpKindNames = [...]string{"key", "principal", "resource", "account"}

// jumpTarget is one thing `:` can open: a key, a principal, a resource or
// an account.
type jumpTarget struct {
	kind    jumpKind
	account string // the account ID it belongs to ("" for none)
	key     *graph.Key
	p       *graph.Principal
	res     *graph.Resource
}

// label is how completions name a target: alias/x, user/dilip, a bucket,
// an account's name.
func (t *jumpTarget) label(c *Common) string {
	switch t.kind {
	case jumpKey:
		if len(t.key.Aliases) > 0 {
			return t.key.Aliases[0]
		}
		return "key/" + t.key.ID
	case jumpPrincipal:
		return shortPrincipal(t.p.ARN)
	case jumpResource:
		return lastPart(t.res.ARN)
	}
	return c.accountName(t.account)
}

// jumpIndex holds every name of a graph's keys, principals, resources and
// accounts, lower-cased, one after another in one string: matching reads
// memory in order. Built once per graph, on the first `:`.
type jumpIndex struct {
	targets []jumpTarget
	text    string
	ends    []uint32 // name i is text[ends[i-1]:ends[i]] (from 0 for the first)
	owner   []int32  // name i's target
}

// name is name i, lower-cased.
func (ix *jumpIndex) name(i int32) string {
	from := uint32(0)
	if i > 0 {
		from = ix.ends[i-1]
	}
	return ix.text[from:ix.ends[i]]
}

// jumpIndexMsg carries the index of a graph's names, built off the update
// loop: at 1,000 accounts, half a million names take a few hundred ms.
type jumpIndexMsg struct {
	g  *graph.Graph
	ix *jumpIndex
}

// startJump opens the jump input's completions: over c's index of names
// when it is built, else once jumpIndexCmd has built it.
func (m *Model) startJump() tea.Cmd {
	c := m.c
	if c.jumpIxOf == c.Graph && c.jumpIx != nil {
		m.jumpm = jumpMatcher{ix: c.jumpIx}
		m.jumpm.match(m.jump.Value()) // what esc left in the input
		return nil
	}
	m.jumpm = jumpMatcher{}
	if c.jumpIxOf == c.Graph {
		return nil // being built
	}
	c.jumpIx, c.jumpIxOf = nil, c.Graph
	g := c.Graph
	return func() tea.Msg { return jumpIndexMsg{g: g, ix: buildJumpIndex(g)} }
}

// indexed takes a built index, for the graph still browsed only.
func (m *Model) indexed(msg jumpIndexMsg) {
	if msg.g != m.c.Graph {
		return
	}
	m.c.jumpIx = msg.ix
	if m.jumpm.ix == nil {
		m.jumpm = jumpMatcher{ix: msg.ix}
		m.jumpm.match(m.jump.Value())
	}
}

func buildJumpIndex(g *graph.Graph) *jumpIndex {
	keys, ps, rs := g.Keys(), g.Principals(), g.Resources()
	n := 4*len(keys) + 3*len(ps) + 2*len(rs) + 2*len(g.Snapshot.Accounts)
	ix := &jumpIndex{
		targets: make([]jumpTarget, 0, len(keys)+len(ps)+len(rs)+len(g.Snapshot.Accounts)),
		ends:    make([]uint32, 0, n), owner: make([]int32, 0, n),
	}
	var text strings.Builder
	text.Grow(40 * n)
	add := func(t jumpTarget, names ...string) {
		id := int32(len(ix.targets)) //nolint:gosec // G115: far fewer targets than 2^31
		ix.targets = append(ix.targets, t)
		for i, name := range names {
			if name == "" || slices.Contains(names[:i], name) {
				continue
			}
			for _, r := range name {
				// ASCII, as names and ARNs are, without a copy of each.
				if r < 0x80 {
					if 'A' <= r && r <= 'Z' {
						r += 'a' - 'A'
					}
					text.WriteByte(byte(r)) //nolint:gosec // G115: r < 0x80
				} else {
					text.WriteString(strings.ToLower(string(r)))
				}
			}
			ix.ends = append(ix.ends, uint32(text.Len())) //nolint:gosec // G115: names of a snapshot take far less than 4 GiB
			ix.owner = append(ix.owner, id)
		}
	}
	for _, k := range keys {
		names := append(make([]string, 0, 2+len(k.Aliases)), k.ID, k.ARN)
		add(jumpTarget{kind: jumpKey, account: k.Account, key: k}, append(names, k.Aliases...)...)
	}
	for _, p := range ps {
		add(jumpTarget{kind: jumpPrincipal, account: p.Account, p: p}, p.Name, principalPath(p.ARN), p.ARN)
	}
	for _, r := range rs {
		add(jumpTarget{kind: jumpResource, account: r.Account, res: r}, lastPart(r.ARN), r.ARN)
	}
	seen := map[string]bool{}
	account := func(id, name string) {
		if id == "" || seen[id] {
			return
		}
		seen[id] = true
		if name == "" {
			name = g.Org.Name(id)
		}
		add(jumpTarget{kind: jumpAccount, account: id}, id, name)
	}
	if o := g.Snapshot.Organization; o != nil {
		for _, a := range o.Accounts {
			account(a.ID, a.Name)
		}
	}
	for _, id := range sortedIDs(g.Snapshot.Accounts) {
		account(id, "")
	}
	ix.text = text.String()
	return ix
}

// principalPath is a principal ARN's resource part ("user/dilip",
// "role/x"), as shortPrincipal gives it, without its allocations.
func principalPath(arn string) string {
	rest := arn
	for range 5 {
		i := strings.IndexByte(rest, ':')
		if i < 0 {
			return arn
		}
		rest = rest[i+1:]
	}
	return rest
}

func sortedIDs[V any](m map[string]V) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// Match tiers, best first: the whole name, its start, a word of it (after
// "/", ":", "-", "_" or "."), anywhere in it, its letters in order.
const (
	tierExact = iota
	tierPrefix
	tierWord
	tierSubstring
	tierFuzzy
	tierNone
)

// matchTier says how well name (lower case) matches q (lower case, not empty).
func matchTier(name, q string) int {
	if len(q) > len(name) {
		return tierNone
	}
	i := strings.Index(name, q)
	switch {
	case i == 0 && len(q) == len(name):
		return tierExact
	case i == 0:
		return tierPrefix
	case i > 0:
		for at := i; at >= 0; {
			if strings.IndexByte("/:-_.", name[at-1]) >= 0 {
				return tierWord
			}
			next := strings.Index(name[at+1:], q)
			if next < 0 {
				break
			}
			at += next + 1
		}
		return tierSubstring
	}
	j := 0
	for k := 0; k < len(name) && j < len(q); k++ {
		if name[k] == q[j] {
			j++
		}
	}
	if j == len(q) {
		return tierFuzzy
	}
	return tierNone
}

// jumpHit is one completion: a target and the name of it that matched best.
type jumpHit struct {
	target int32
	name   int32
	tier   int
}

// jumpMatcher keeps the completions of the text typed after `:`. Typing
// more letters only narrows the names that matched (every tier is a
// subsequence match), so each key press after the first scans fewer names.
type jumpMatcher struct {
	ix    *jumpIndex
	query string
	cand  []int32 // names matching query; nil: not computed
	hits  []jumpHit
	sel   int
	moved bool // the selection was moved with up/down
}

// maxJumpHits is how many completions are kept (and at most shown).
const maxJumpHits = 6

// better orders hits: by tier, then shorter name, then name, then target.
func (ix *jumpIndex) better(a, b jumpHit) bool {
	if a.tier != b.tier {
		return a.tier < b.tier
	}
	na, nb := ix.name(a.name), ix.name(b.name)
	if len(na) != len(nb) {
		return len(na) < len(nb)
	}
	if na != nb {
		return na < nb
	}
	return a.target < b.target
}

// match recomputes the completions for q.
func (m *jumpMatcher) match(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	m.sel, m.moved = 0, false
	if q == "" || m.ix == nil {
		m.query, m.cand, m.hits = "", nil, nil
		return
	}
	narrow := m.cand != nil && m.query != "" && strings.HasPrefix(q, m.query)
	var from []int32
	if narrow {
		from = m.cand
	}
	all := len(m.ix.owner)
	if narrow {
		all = len(from)
	}
	cand := make([]int32, 0, all)
	hits := make([]jumpHit, 0, maxJumpHits+1)
	consider := func(i int32) {
		t := matchTier(m.ix.name(i), q)
		if t == tierNone {
			return
		}
		cand = append(cand, i)
		h := jumpHit{target: m.ix.owner[i], name: i, tier: t}
		if len(hits) == maxJumpHits && !m.ix.better(h, hits[len(hits)-1]) {
			return
		}
		for j, o := range hits {
			if o.target == h.target {
				if !m.ix.better(h, o) {
					return
				}
				hits = slices.Delete(hits, j, j+1)
				break
			}
		}
		at, _ := slices.BinarySearchFunc(hits, h, func(a, b jumpHit) int {
			if m.ix.better(a, b) {
				return -1
			}
			return 1
		})
		hits = slices.Insert(hits, at, h)
		if len(hits) > maxJumpHits {
			hits = hits[:maxJumpHits]
		}
	}
	if narrow {
		for _, i := range from {
			consider(i)
		}
	} else {
		for i := range m.ix.owner {
			consider(int32(i))
		}
	}
	m.query, m.cand, m.hits = q, cand, hits
}

// move moves the selection among the completions, wrapping around.
func (m *jumpMatcher) move(d int) {
	if len(m.hits) == 0 {
		return
	}
	m.sel = (m.sel + d + len(m.hits)) % len(m.hits)
	m.moved = true
}

// selected is the completion under the cursor, or nil.
func (m *jumpMatcher) selected() *jumpTarget {
	if m.sel >= len(m.hits) {
		return nil
	}
	return &m.ix.targets[m.hits[m.sel].target]
}

// jumpAccountMsg asks the root to show an account's keys.
type jumpAccountMsg struct{ account string }

// open is the command that shows a target.
func (t *jumpTarget) open(c *Common) tea.Cmd {
	switch t.kind {
	case jumpKey:
		return push(newKeyScreen(c, t.key))
	case jumpPrincipal:
		return push(newPrincipalScreen(c, t.p))
	case jumpResource:
		return push(newResourceScreen(c, t.res))
	}
	id := t.account
	return func() tea.Msg { return jumpAccountMsg{id} }
}

// jumpEnter is what enter does in the jump input: the completion chosen
// with up/down; else what the text names exactly (an ARN, alias, key ID);
// else the best completion.
func (m *jumpMatcher) jumpEnter(c *Common, ref string) tea.Cmd {
	if m.ix == nil {
		if cmd := resolveExact(c, ref); cmd != nil {
			return cmd
		}
		return status("still indexing the snapshot's names: press : again in a moment", true)
	}
	if t := m.selected(); t != nil && m.moved {
		return t.open(c)
	}
	if cmd := resolveExact(c, ref); cmd != nil {
		return cmd
	}
	if t := m.selected(); t != nil {
		return t.open(c)
	}
	return status("nothing in the snapshot is named "+strings.TrimSpace(ref), true)
}

// completions renders up to n completion lines, best first, the selected
// one highlighted: kind, name, account, and the name that matched when it
// is not the one shown.
func (m *jumpMatcher) completions(c *Common, w, n int) []string {
	st := c.Styles
	if m.ix == nil {
		return []string{st.Muted.Render(fit("  indexing the snapshot's names…", w))}
	}
	var lines []string
	for i, h := range m.hits {
		if i >= n {
			break
		}
		t := &m.ix.targets[h.target]
		matched, label := m.ix.name(h.name), t.label(c)
		acct := c.accountLabel(t.account)
		if t.kind == jumpAccount {
			acct = t.account
		}
		text := fit(jumpKindNames[t.kind], 9) + " " + fit(label, max(w/3, 12)) + " " + fit(acct, 28)
		if !strings.Contains(strings.ToLower(label), matched) && matched != t.account {
			text += " " + st.Muted.Render(matched)
		}
		if i == m.sel {
			lines = append(lines, st.Selected.Render(fit("› "+text, w)))
		} else {
			lines = append(lines, fit("  "+text, w))
		}
	}
	if len(lines) == 0 && m.query != "" && len(lines) < n {
		lines = append(lines, st.Muted.Render(fit("  no name in the snapshot matches “"+m.query+"”", w)))
	}
	return lines
}

// showAccount shows the Keys section filtered by an account's ID: what
// jumping to an account opens.
func (m *Model) showAccount(id string) (tea.Model, tea.Cmd) {
	_, cmd := m.switchTo(secKeys)
	if ks, ok := m.sections[secKeys].(*keysScreen); ok {
		ks.input.SetValue(id)
		ks.l.SetFilter(id)
	}
	return m, tea.Batch(cmd, status("keys of account "+m.c.accountLabel(id)+" (esc clears the filter)", false))
}

// overlayBottom replaces the last lines of body (exactly h lines) with
// lines: the completions sit just above the status line.
func overlayBottom(body string, lines []string, h int) string {
	if len(lines) == 0 {
		return body
	}
	all := strings.Split(body, "\n")
	n := min(len(lines), len(all), h)
	copy(all[len(all)-n:], lines[:n])
	return strings.Join(all, "\n")
}
