package export

import (
	"context"
	"strings"
	"sync"

	"github.com/sourcegraph/conc/stream"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/arn"
)

// Visitor receives an export's nodes, then its edges.
type Visitor interface {
	Node(Node) error
	Edge(Edge) error
}

// Walk gives v every node of the access graph, then every edge, in a
// deterministic order: the organization's structure, principals, outside
// principals, keys with their grants, resources, then the access edges
// (can-assume, can-use-key per action, can-read), computed by o.Workers
// goroutines and delivered in order. It stops at v's first error and
// when ctx is done (an interrupt: a whole organization's export runs for
// minutes), with no more work begun: the access edges' workers finish the
// key or resource each is on.
func Walk(ctx context.Context, g *graph.Graph, o Options, v Visitor) error {
	if err := o.normalize(g); err != nil {
		return err
	}
	f := newFilter(&o)
	w := &walker{ctx: ctx, g: g, o: o, f: f, v: v}
	w.among = sync.OnceValue(func() *graph.Among { return g.AmongAccounts(o.Accounts) })
	if len(o.Keys) == 0 && len(o.Principals) == 0 && len(o.Accounts) == 0 {
		// Nodes first, holding the structure edges (as many as the nodes);
		// then the access edges, streamed.
		ph := &phased{v: v}
		w.v = ph
		for _, step := range []func() error{w.org, w.principals, w.outside, w.keys, w.resources} {
			if err := w.step(step); err != nil {
				return err
			}
		}
		if err := ph.flush(); err != nil {
			return err
		}
		for _, step := range []func() error{w.assume, w.access} {
			if err := w.step(step); err != nil {
				return err
			}
		}
		return nil
	}
	return w.step(w.focused)
}

// phased passes nodes on at once and holds edges until flush: every node
// comes before every edge.
type phased struct {
	v       Visitor
	pending []Edge
	flushed bool
}

func (p *phased) Node(n Node) error { return p.v.Node(n) }

func (p *phased) Edge(e Edge) error {
	if p.flushed {
		return p.v.Edge(e)
	}
	p.pending = append(p.pending, e)
	return nil
}

func (p *phased) flush() error {
	p.flushed = true
	for _, e := range p.pending {
		if err := p.v.Edge(e); err != nil {
			return err
		}
	}
	p.pending = nil
	return nil
}

type walker struct {
	ctx context.Context
	g   *graph.Graph
	o   Options
	f   *filter
	v   Visitor
	// focus is set for a filtered export (some accounts, keys or
	// principals): its nodes are those the filters select and those its
	// edges touch (touched, once the access edges are known).
	focus   bool
	touched map[string]bool
	// among is the part of the organization who-can evaluates for targets
	// outside the accounts of an account filter, made once when first
	// needed (whoCan).
	among func() *graph.Among
}

func (w *walker) org() error {
	s := w.g.Snapshot
	if s.Organization != nil && s.Organization.Organization != nil {
		o := s.Organization
		id := o.Organization.ID
		if err := w.v.Node(Node{ID: id, Kind: KindOrganization, Label: id, Account: o.Organization.MasterAccountID}); err != nil {
			return err
		}
		for _, r := range o.Roots {
			if err := w.v.Node(Node{ID: r.ID, Kind: KindRoot, Label: nonEmpty(r.Name, r.ID)}); err != nil {
				return err
			}
			if err := w.v.Edge(Edge{From: id, To: r.ID, Kind: EdgeContains}); err != nil {
				return err
			}
		}
		for _, ou := range o.OrganizationalUnits {
			if err := w.v.Node(Node{ID: ou.ID, Kind: KindOU, Label: nonEmpty(ou.Name, ou.ID)}); err != nil {
				return err
			}
			if err := w.v.Edge(Edge{From: ou.ParentID, To: ou.ID, Kind: EdgeContains}); err != nil {
				return err
			}
		}
	}
	for _, id := range w.accounts() {
		if !w.keepAccount(id) {
			continue
		}
		n := Node{ID: id, Kind: KindAccount, Label: id, Account: id}
		if w.g.Org != nil {
			n.Label = w.g.Org.Name(id)
		}
		if err := w.v.Node(n); err != nil {
			return err
		}
		if parent := w.parent(id); parent != "" {
			if err := w.v.Edge(Edge{From: parent, To: id, Kind: EdgeContains}); err != nil {
				return err
			}
		}
	}
	return nil
}

// accounts are the organization's accounts and the snapshot's, sorted.
func (w *walker) accounts() []string {
	seen := map[string]bool{}
	var out []string
	add := func(id string) {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	if o := w.g.Snapshot.Organization; o != nil {
		for _, a := range o.Accounts {
			add(a.ID)
		}
	}
	for id := range w.g.Snapshot.Accounts {
		add(id)
	}
	sortStrings(out)
	return out
}

func (w *walker) parent(account string) string {
	if o := w.g.Snapshot.Organization; o != nil {
		for _, a := range o.Accounts {
			if a.ID == account {
				return a.ParentID
			}
		}
	}
	return ""
}

func (w *walker) principals() error {
	for _, p := range w.g.Principals() {
		if !w.keepPrincipal(p) {
			continue
		}
		kind := KindUser
		if p.Kind == arn.KindRole {
			kind = KindRole
		}
		n := Node{ID: p.ARN, Kind: kind, Label: p.Name, Account: p.Account}
		if len(p.Issues) > 0 {
			n.Attrs = map[string]string{"policies_unknown": "true"}
		}
		if err := w.v.Node(n); err != nil {
			return err
		}
		if err := w.v.Edge(Edge{From: p.Account, To: p.ARN, Kind: EdgeContains}); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) outside() error {
	for _, id := range w.g.OutsidePrincipals() {
		if w.touched != nil && !w.touched[id] {
			continue
		}
		n := Node{ID: id, Kind: KindExternal, Label: id}
		if id == "*" {
			n.Kind, n.Label = KindPublic, "anyone (*)"
		} else if p, err := arn.ParsePrincipal(id); err == nil {
			n.Account = p.AccountID
			n.Label = p.AccountID
			if p.Kind != arn.KindAccount {
				n.Label = p.AccountID + " " + label(id)
			}
		}
		if err := w.v.Node(n); err != nil {
			return err
		}
	}
	return nil
}

func (w *walker) keys() error {
	if !w.focus {
		w.g.ParseKeyPolicies() // each key's node reads its policy
	}
	for _, k := range w.g.Keys() {
		if !w.keepKey(k) {
			continue
		}
		attrs := map[string]string{"region": k.Region, "manager": k.Manager(), "state": k.State()}
		if len(k.Aliases) > 0 {
			attrs["aliases"] = strings.Join(k.Aliases, " ")
		}
		if k.Rotation != nil {
			attrs["rotation"] = boolText(*k.Rotation)
		}
		if k.Policy() == nil {
			attrs["policy_unknown"] = "true"
		}
		if !k.GrantsKnown {
			attrs["grants_unknown"] = "true"
		}
		lbl := k.ID
		if len(k.Aliases) > 0 {
			lbl = k.Aliases[0]
		}
		if err := w.v.Node(Node{ID: k.ARN, Kind: KindKey, Label: lbl, Account: k.Account, Attrs: attrs}); err != nil {
			return err
		}
		if err := w.v.Edge(Edge{From: k.Account, To: k.ARN, Kind: EdgeContains}); err != nil {
			return err
		}
		for _, gr := range k.Grants {
			ga := map[string]string{"grant_id": gr.GrantID, "operations": strings.Join(gr.Operations, " ")}
			if c := gr.Constraints; c != nil {
				var parts []string
				for _, m := range []map[string]string{c.EncryptionContextSubset, c.EncryptionContextEquals} {
					for _, kk := range sortedAttrs(m) {
						parts = append(parts, kk+"="+m[kk])
					}
				}
				ga["constraints"] = strings.Join(parts, " ")
			}
			if err := w.v.Edge(Edge{From: gr.GranteePrincipal, To: k.ARN, Kind: EdgeGrant, Attrs: ga}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) resources() error {
	if !w.focus {
		w.g.ParseResourcePolicies() // each resource's sharing reads its policy
	}
	unresolved := map[string]bool{}
	for _, r := range w.g.Resources() {
		if !w.keepResource(r) {
			continue
		}
		attrs := map[string]string{"type": r.Type, "region": r.Region}
		if len(r.SharedWith()) > 0 {
			attrs["shared_with"] = strings.Join(r.SharedWith(), " ")
		}
		if err := w.v.Node(Node{ID: r.ARN, Kind: KindResource, Label: label(r.ARN), Account: r.Account, Attrs: attrs}); err != nil {
			return err
		}
		if err := w.v.Edge(Edge{From: r.Account, To: r.ARN, Kind: EdgeContains}); err != nil {
			return err
		}
		switch {
		case r.Key != "":
			if err := w.v.Edge(Edge{From: r.ARN, To: r.Key, Kind: EdgeEncryptedBy}); err != nil {
				return err
			}
		case r.KeyRef != "":
			// A key reference the snapshot cannot resolve stays visible, as a
			// node of its own.
			if !unresolved[r.KeyRef] {
				unresolved[r.KeyRef] = true
				if err := w.v.Node(Node{ID: r.KeyRef, Kind: KindKey, Label: r.KeyRef, Attrs: map[string]string{"unresolved": "true"}}); err != nil {
					return err
				}
			}
			if err := w.v.Edge(Edge{From: r.ARN, To: r.KeyRef, Kind: EdgeEncryptedBy, Attrs: map[string]string{"unresolved": "true"}}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (w *walker) assume() error {
	for i, p := range w.g.Principals() {
		if i%4096 == 0 && w.ctx.Err() != nil {
			return w.canceled()
		}
		if p.Kind != arn.KindRole {
			continue
		}
		if w.f.accounts != nil && !w.f.accounts[p.Account] && !w.o.wholeWhoCan && !w.among().MayAssume(p) {
			continue // no edge from the accounts: none to write
		}
		assumers := w.g.AssumedBy
		if w.o.Among != nil {
			assumers = func(role string) []graph.Assumable {
				out, _ := w.g.AssumedByAmong(role, w.o.Among) // of w.g: normalize checked
				return out
			}
		}
		for _, a := range assumers(p.ARN) {
			from := a.Via[0]
			if !w.f.access(from, accountOf(from), p.Account, a.Decision) {
				continue
			}
			if err := w.v.Edge(Edge{From: from, To: p.ARN, Kind: EdgeCanAssume, Action: "sts:AssumeRole", Decision: a.Decision}); err != nil {
				return err
			}
		}
	}
	return nil
}

// access computes who can use each key (per action) and read each resource,
// on o.Workers goroutines (four times as many with escalation edges), and
// gives the edges in order.
func (w *walker) access() error {
	// The stream keeps at most one task more than its goroutines ahead of
	// the one whose edges are written next: a slow key holds back the
	// others. A key's escalation search makes its time vary much more (an
	// organization-wide key's is the slowest), so with escalation edges
	// more keys are under way at once, on as many goroutines (the runtime
	// shares the processors among them).
	n := w.o.Workers
	if w.o.Escalation {
		n *= 4
	}
	s := stream.New().WithMaxGoroutines(n)
	// The first error, in a callback; once set (or ctx done) no task
	// begins (stop.go).
	var st stopper
	st.ctx = w.ctx
	halted, written := st.halted, st.written
	// A writer that can encode edges on the workers (JSON) gets them encoded,
	// in order: the ordered part is then a copy.
	var enc EdgeEncoder
	if ph, ok := w.v.(*phased); ok && ph.flushed {
		enc, _ = ph.v.(EdgeEncoder)
	}
	emit := func(edges []Edge) {
		for _, e := range edges {
			if st.err == nil {
				written(w.v.Edge(e))
			}
		}
	}
	if enc != nil {
		emit = nil
	}
	// Encoding buffers go back to the pool once written.
	var bufs sync.Pool
	encode := func(edges []Edge) func() {
		if enc == nil {
			return func() { emit(edges) }
		}
		var buf []byte
		if b, ok := bufs.Get().(*[]byte); ok {
			buf = (*b)[:0]
		}
		b, eerr := enc.EncodeEdges(buf, edges)
		return func() {
			switch {
			case st.err != nil:
			case eerr != nil:
				written(eerr)
			default:
				written(enc.WriteEncoded(b, len(edges)))
			}
			if cap(b) <= 64<<20 { // keep ordinary buffers, not a rare giant
				bufs.Put(&b)
			}
		}
	}
	// Every key and resource, or the selected keys' (the edge filter keeps
	// the edges that touch the selected accounts).
	esc := w.escalators()
	for _, k := range w.g.Keys() {
		if halted() {
			break
		}
		if w.f.keys != nil && !w.f.keys[k.ARN] {
			continue
		}
		for _, action := range w.o.Actions {
			s.Go(func() stream.Callback {
				if halted() {
					return func() {}
				}
				begin()
				// The escalation search reads who-can's whole answer.
				who, werr := w.whoCan(action, k.ARN, k.Account, esc[action] == nil)
				if werr != nil {
					return func() { w.unanswered(k.ARN, werr) }
				}
				// The escalation edges first, so that the slice of edges
				// is made once, with room for them (an organization-wide
				// key's has every principal's).
				var more []Edge
				if sr := esc[action]; sr != nil {
					more = w.escalationEdges(sr, k, action, who)
				}
				return encode(append(w.whoEdges(who, len(more), k.ARN, k.Account, EdgeCanUseKey, action, k.ARN), more...))
			})
		}
	}
	for _, r := range w.g.Resources() {
		if halted() {
			break
		}
		if r.Key == "" || (w.f.keys != nil && !w.f.keys[r.Key]) {
			continue
		}
		s.Go(func() stream.Callback {
			if halted() {
				return func() {}
			}
			begin()
			who, werr := w.whoCan("read", r.ARN, r.Account, true)
			if werr != nil {
				return func() { w.unanswered(r.ARN, werr) }
			}
			return encode(w.whoEdges(who, 0, r.ARN, r.Account, EdgeCanRead, "read", r.Key))
		})
	}
	s.Wait()
	if st.err != nil {
		return st.err
	}
	return w.canceled()
}

func accountOf(principal string) string {
	if p, err := arn.ParsePrincipal(principal); err == nil {
		return p.AccountID
	}
	return ""
}

func nonEmpty(s, alt string) string {
	if s != "" {
		return s
	}
	return alt
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
