package ui

import (
	"maps"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/eval"
)

// grantScreen is one grant of a key: its grantee, operations, constraints,
// retiring principal, who issued it and when, and what keyhound reads in
// it; enter goes to the grantee when the snapshot has it.
type grantScreen struct {
	c   *Common
	key *graph.Key
	g   *eval.Grant
	// grantee is the principal enter opens, "" for none.
	grantee string
	// waiting says the graph's principals were still built when the
	// screen opened: what it says of them waits for builtMsg.
	waiting bool
	pane
}

func newGrantScreen(c *Common, k *graph.Key, g *eval.Grant) *grantScreen {
	s := &grantScreen{c: c, key: k, g: g, waiting: !c.Graph.Ready()}
	if !s.waiting {
		s.findGrantee()
	}
	s.pane = newPane(c, s.render)
	return s
}

// findGrantee sets the grantee when the snapshot has it.
func (s *grantScreen) findGrantee() {
	if s.c.Graph.Principal(s.g.GranteePrincipal) != nil {
		s.grantee = s.g.GranteePrincipal
	}
}

func (s *grantScreen) Init() tea.Cmd {
	if !s.waiting {
		return nil
	}
	return builtCmd(s.c.Graph)
}

func (s *grantScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if m, ok := msg.(builtMsg); ok && s.waiting && m.g == s.c.Graph {
		s.waiting = false
		s.findGrantee()
		s.refresh()
		return s, nil
	}
	if _, ok := msg.(tea.BackgroundColorMsg); ok {
		s.refresh()
		return s, nil
	}
	if s.update(msg) {
		return s, nil
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) && s.grantee != "" {
		return s, jumpTo(s.c, s.grantee)
	}
	return s, nil
}

func (s *grantScreen) render(w int) []string {
	st := s.c.Styles
	out := wrap(st.Bold.Render("Grant "+s.g.GrantID), w)
	out = append(out, "")
	if s.waiting { // its grantee and what it allows name principals
		return append(out, st.Muted.Render("the principals are still being built…"))
	}
	out = append(out, grantFields(s.c, s.key, s.g, w)...)
	out = append(out, "", st.Header.Render("What it allows"))
	for _, r := range grantReading(s.c, s.key, s.g) {
		out = append(out, indented(r, 2, w)...)
	}
	return out
}

// grantFields are a grant's fields, as ListGrants gives them, by name.
func grantFields(c *Common, k *graph.Key, g *eval.Grant, w int) []string {
	var out []string
	add := func(label, value string) { out = append(out, field(c, label, value, w)...) }
	add("grant ID", g.GrantID)
	if g.Name != "" {
		add("name", g.Name)
	}
	add("key", c.label(k.ARN)+" ("+k.ARN+")")
	add("grantee", principalLabel(c, g.GranteePrincipal))
	add("operations", strings.Join(g.Operations, ", "))
	add("constraints", constraintText(g.Constraints))
	retiring := "none"
	if g.RetiringPrincipal != "" {
		retiring = principalLabel(c, g.RetiringPrincipal)
	}
	add("retiring", retiring)
	issuer := "not recorded"
	if g.IssuingAccount != "" {
		issuer = c.accountLabel(principalAccount(g.IssuingAccount))
		if issuer == "" {
			issuer = g.IssuingAccount
		}
	}
	add("issued by", issuer)
	created := "not recorded"
	if d := grantCreated(c, k, g.GrantID); d != "" {
		created = d
	}
	add("created", created)
	return out
}

// principalLabel is a principal by name and account: "role/Exporter in
// 555555555555 (outside the organization)"; a service as itself.
func principalLabel(c *Common, p string) string {
	acct := principalAccount(p)
	if acct == "" {
		return p
	}
	out := shortPrincipal(p) + " in account " + c.accountLabel(acct)
	if c.Graph.External(acct) {
		out += " ⇱ outside the organization"
	}
	return out
}

// constraintText says what encryption context a grant requires.
func constraintText(gc *eval.GrantConstraints) string {
	if gc == nil || len(gc.EncryptionContextSubset)+len(gc.EncryptionContextEquals) == 0 {
		return "none: any encryption context"
	}
	pairs := func(m map[string]string) string {
		var p []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			p = append(p, k+"="+m[k])
		}
		return strings.Join(p, ", ")
	}
	var parts []string
	if len(gc.EncryptionContextSubset) > 0 {
		parts = append(parts, "encryption context includes "+pairs(gc.EncryptionContextSubset))
	}
	if len(gc.EncryptionContextEquals) > 0 {
		parts = append(parts, "encryption context is exactly "+pairs(gc.EncryptionContextEquals))
	}
	return strings.Join(parts, "; ")
}

// grantCreated is the grant's CreationDate in the snapshot, or "".
func grantCreated(c *Common, k *graph.Key, id string) string {
	if c.Snapshot == nil || c.Snapshot.Accounts[k.Account] == nil {
		return ""
	}
	r, ok := c.Snapshot.Accounts[k.Account].Regions[k.Region]
	if !ok || r == nil || r.KMS == nil {
		return ""
	}
	for _, sk := range r.KMS.Keys {
		if sk.KeyMetadata.Arn != k.ARN {
			continue
		}
		for _, g := range sk.Grants {
			if g.GrantID == id {
				return g.CreationDate
			}
		}
	}
	return ""
}

// grantReading is what keyhound reads in a grant, a sentence a line, each
// with a glyph: whether it lets the grantee decrypt, on what condition,
// whether it reaches outside the organization.
func grantReading(c *Common, k *graph.Key, g *eval.Grant) []string {
	who := shortPrincipal(g.GranteePrincipal)
	ops := map[string]bool{}
	for _, o := range g.Operations {
		ops[o] = true
	}
	conditional := g.Constraints != nil && len(g.Constraints.EncryptionContextSubset)+len(g.Constraints.EncryptionContextEquals) > 0
	var out []string
	switch {
	case ops["Decrypt"] && conditional:
		out = append(out, "? "+who+" may decrypt with this key, only for requests whose "+constraintText(g.Constraints)+": CONDITIONAL in who can decrypt")
	case ops["Decrypt"]:
		out = append(out, "✓ "+who+" may decrypt with this key, with any encryption context: ALLOW in who can decrypt")
	default:
		out = append(out, "· "+who+" may not decrypt through this grant (no Decrypt among its operations)")
	}
	if ops["CreateGrant"] {
		out = append(out, "⚠ "+who+" may create further grants (CreateGrant): it can pass the key on")
	}
	switch a := principalAccount(g.GranteePrincipal); {
	case a == "":
		out = append(out, "· the grantee is the AWS service "+g.GranteePrincipal)
	case c.Graph.External(a):
		out = append(out, "⇱ the grantee's account "+a+" is outside the organization")
	case c.Graph.Principal(g.GranteePrincipal) == nil && c.Graph.InSnapshot(a) && strings.Contains(g.GranteePrincipal, ":iam::"):
		out = append(out, "? "+who+" is not among the account's principals in the snapshot: deleted, or not collected")
	}
	if st := k.State(); st != "Enabled" {
		out = append(out, "✗ the key is "+st+": the grant allows nothing while it is")
	}
	if g.RetiringPrincipal != "" {
		out = append(out, "· "+shortPrincipal(g.RetiringPrincipal)+" may retire the grant")
	}
	return out
}

func (s *grantScreen) View() string     { return s.view() }
func (s *grantScreen) SetSize(w, h int) { s.setSize(w, h) }
func (s *grantScreen) Capturing() bool  { return false }
func (s *grantScreen) Selected() string { return s.g.GranteePrincipal }

func (s *grantScreen) Crumb() string {
	if s.g.Name != "" {
		return "grant " + s.g.Name
	}
	id := s.g.GrantID
	if len(id) > 8 {
		id = id[:8] + "…"
	}
	return "grant " + id
}

// Item is the grant: its key and ID.
func (s *grantScreen) Item() string { return "grant " + s.key.ARN + " " + s.g.GrantID }

// enterHelp is enter's binding: going to the grantee, when it is in the
// snapshot.
func (s *grantScreen) enterHelp() []key.Binding {
	if s.grantee == "" {
		return nil
	}
	return []key.Binding{key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go to "+shortPrincipal(s.grantee)))}
}

func (s *grantScreen) ShortHelp() []key.Binding { return append(s.enterHelp(), s.help()...) }

func (s *grantScreen) FullHelp() [][]key.Binding {
	return [][]key.Binding{s.enterHelp(), scrollKeys(s.c)}
}
