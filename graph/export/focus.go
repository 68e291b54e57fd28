package export

import "github.com/keyhound/keyhound/graph"

// A filtered export (--account, --key, --principal): the neighbourhood the
// filters select, and what the walk keeps of the organization for it.

// heldEdges is how many access edges a focused export holds in memory
// before it gives them up and computes them again after the nodes
// (Options.heldEdges overrides it): a filtered export of a large
// organization's busiest account has millions.
const heldEdges = 500_000

// focused exports the neighbourhood of some accounts, keys or principals:
// the access edges first, then the nodes the filters select or the edges
// touch, then the edges. No edge names a node the export does not have.
// The edges are held in memory up to a bound; past it, only the nodes they
// touch are kept, and the edges are computed again, in the same order, as
// they are written: memory bounded, for twice the computing.
func (w *walker) focused() error {
	// What the edges touch; w.touched only once they are all known (the
	// first pass reads it nil: keepKey keeps the selected keys' grants).
	touched := map[string]bool{}
	touch := func(id string) {
		touched[id] = true
		if p := w.g.Principal(id); p != nil {
			touched[p.Account] = true
		} else if k := w.g.Key(id); k != nil {
			touched[k.Account] = true
		}
	}
	limit := w.o.heldEdges
	if limit <= 0 {
		limit = heldEdges
	}
	mem := &collect{limit: limit, touch: func(e Edge) {
		touch(e.From)
		touch(e.To)
		for _, v := range e.Via {
			touch(v)
		}
	}}
	out := w.v
	w.v = mem
	w.focus = true
	edges := func() error {
		switch {
		case len(w.o.Principals) > 0:
			return w.principalEdges()
		case len(w.o.Keys) == 0:
			// Accounts: the roles assumed from them, or in them.
			if err := w.assume(); err != nil {
				return err
			}
		}
		return w.access()
	}
	if err := edges(); err != nil {
		return err
	}
	if err := w.keys(); err != nil { // the selected keys' grants
		return err
	}
	for _, r := range w.g.Resources() {
		if touched[r.ARN] {
			touched[r.Account] = true
		}
	}
	for _, p := range w.o.Principals {
		touch(p)
	}
	w.touched = touched
	guard := &complete{v: out, ids: map[string]bool{}}
	ph := &phased{v: guard}
	w.v = ph
	for _, step := range []func() error{w.org, w.principals, w.outside, w.keys, w.resources} {
		if err := step(); err != nil {
			return err
		}
	}
	if err := ph.flush(); err != nil {
		return err
	}
	if mem.over {
		w.v = guard
		return edges()
	}
	for _, e := range mem.edges {
		// The selected keys' edges (contains, grants) were written with
		// the nodes: the access edges only.
		if e.Kind != EdgeGrant && e.Kind != EdgeContains {
			if err := guard.Edge(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// complete passes on nodes, and the edges whose two ends it has passed on.
type complete struct {
	v   Visitor
	ids map[string]bool
}

func (c *complete) Node(n Node) error {
	c.ids[n.ID] = true
	return c.v.Node(n)
}

func (c *complete) Edge(e Edge) error {
	if !c.ids[e.From] || !c.ids[e.To] {
		return nil
	}
	return c.v.Edge(e)
}

// keepAccount, keepPrincipal, keepKey and keepResource say which nodes an
// export has: every one, or in a focused export those the filters select
// and those its edges touch.
func (w *walker) keepAccount(id string) bool {
	return !w.focus || w.f.accounts == nil || w.f.accounts[id] || w.touched[id]
}

func (w *walker) keepPrincipal(p *graph.Principal) bool {
	if !w.focus {
		return true
	}
	f := w.f
	selected := f.principals[p.ARN] || (f.principals == nil && f.keys == nil && f.accounts[p.Account])
	return selected || w.touched[p.ARN]
}

func (w *walker) selectedKey(k *graph.Key) bool {
	return (w.f.keys != nil || w.f.accounts != nil) && w.f.key(k)
}

func (w *walker) keepKey(k *graph.Key) bool {
	return !w.focus || w.selectedKey(k) || w.touched[k.ARN]
}

// selectedResource: a resource of a selected key, or of (or encrypted by a
// key of) a selected account.
func (w *walker) selectedResource(r *graph.Resource) bool {
	f := w.f
	if f.keys == nil && f.accounts == nil {
		return false
	}
	if f.keys != nil && !f.keys[r.Key] {
		return false
	}
	if f.accounts != nil && !f.accounts[r.Account] {
		k := w.g.Key(r.Key)
		return k != nil && f.accounts[k.Account]
	}
	return true
}

func (w *walker) keepResource(r *graph.Resource) bool {
	return !w.focus || w.selectedResource(r) || w.touched[r.ARN]
}

// principalEdges are the keys the focused principals can use, and the roles
// they can assume.
func (w *walker) principalEdges() error {
	for _, p := range w.o.Principals {
		if err := w.canceled(); err != nil {
			return err
		}
		begin()
		for _, action := range w.o.Actions {
			what, err := w.g.WhatCan(p, action, w.o.ChainDepth)
			if err != nil {
				return err
			}
			for _, x := range what {
				if !w.f.decisions[x.Decision] {
					continue
				}
				e := Edge{From: p, To: x.Key, Kind: EdgeCanUseKey, Action: action, Decision: x.Decision, Conditions: x.Conditions}
				w.used(&e, x.Key, action)
				for _, path := range x.Paths {
					if len(path.Via) > 1 {
						e.Via = path.Via
						break
					}
				}
				if err := w.v.Edge(e); err != nil {
					return err
				}
			}
		}
		for _, a := range w.g.Assumables(p, w.o.ChainDepth) {
			if len(a.Via) == 2 && w.f.decisions[a.Decision] {
				if err := w.v.Edge(Edge{From: p, To: a.Role, Kind: EdgeCanAssume, Action: "sts:AssumeRole", Decision: a.Decision}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// collect is a Visitor that tells touch of every edge and keeps them in
// memory, up to limit: past it (over), it keeps none.
type collect struct {
	edges []Edge
	limit int
	over  bool
	touch func(Edge)
}

func (c *collect) Node(Node) error { return nil }

func (c *collect) Edge(e Edge) error {
	c.touch(e)
	switch {
	case c.over:
	case len(c.edges) >= c.limit:
		c.over, c.edges = true, nil
	default:
		c.edges = append(c.edges, e)
	}
	return nil
}
