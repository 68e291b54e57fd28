package export

import "github.com/keyhound/keyhound/graph"

// A filtered export (--account, --key, --principal): the neighbourhood the
// filters select, and what the walk keeps of the organization for it.

// focused exports the neighbourhood of some accounts, keys or principals:
// the access edges first (held in memory: they are those of a part of the
// organization), then the nodes the filters select or the edges touch, then
// the edges. No edge names a node the export does not have.
func (w *walker) focused() error {
	var access []Edge
	mem := &collect{edges: &access}
	out := w.v
	w.v = mem
	w.focus = true
	switch {
	case len(w.o.Principals) > 0:
		if err := w.principalEdges(); err != nil {
			return err
		}
	default:
		if len(w.o.Keys) == 0 {
			// Accounts: the roles assumed from them, or in them.
			if err := w.assume(); err != nil {
				return err
			}
		}
		if err := w.access(); err != nil {
			return err
		}
	}
	if err := w.keys(); err != nil { // the selected keys' grants
		return err
	}
	w.touched = map[string]bool{}
	touch := func(id string) {
		w.touched[id] = true
		if p := w.g.Principal(id); p != nil {
			w.touched[p.Account] = true
		} else if k := w.g.Key(id); k != nil {
			w.touched[k.Account] = true
		}
	}
	for _, e := range access {
		touch(e.From)
		touch(e.To)
		for _, v := range e.Via {
			touch(v)
		}
	}
	for _, r := range w.g.Resources() {
		if w.touched[r.ARN] {
			w.touched[r.Account] = true
		}
	}
	for _, p := range w.o.Principals {
		touch(p)
	}
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
	for _, e := range access {
		if e.Kind != EdgeGrant {
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

// collect is a Visitor that keeps edges in memory.
type collect struct{ edges *[]Edge }

func (c *collect) Node(Node) error   { return nil }
func (c *collect) Edge(e Edge) error { *c.edges = append(*c.edges, e); return nil }
