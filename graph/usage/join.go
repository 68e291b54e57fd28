package usage

import (
	"slices"
	"strings"
	"time"

	"github.com/keyhound/keyhound/graph"
)

// Triple is one access edge as used: a principal, a key, an operation.
type Triple struct {
	Principal string `json:"principal"`
	Key       string `json:"key"`
	Action    string `json:"action"`
}

// Use is the events of one triple.
type Use struct {
	Triple
	// Count counts calls: the copies of a cross-account call (the caller's
	// and the key owner's, linked by sharedEventID) count once.
	Count int       `json:"count"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
	// Via counts the calls made through each service; Direct the others.
	Via    []ViaCount `json:"via,omitempty"`
	Direct int        `json:"direct"`
	// ContextKeys are the encryption-context keys seen (at most 16).
	ContextKeys []string `json:"context_keys,omitempty"`

	all, direct copies
	via         []viaCopies
	service     bool
	account     string
}

// copies counts events so that the two copies of a cross-account call
// count once: plain events, and the key owner's and the caller's copies of
// shared ones (when both trails are read they are as many; when one is,
// the other is zero).
type copies struct{ plain, owner, caller int }

func (c copies) calls() int { return c.plain + max(c.owner, c.caller) }

func (c *copies) add(o copies) {
	c.plain += o.plain
	c.owner += o.owner
	c.caller += o.caller
}

type viaCopies struct {
	service string
	n       copies
}

// ViaCount is how many calls came through a service.
type ViaCount struct {
	Service string `json:"service"`
	Count   int    `json:"count"`
}

const maxContextKeys = 16

// Stats count what the joiner saw.
type Stats struct {
	Events int `json:"events"`
	// KMS events: successful, failed, and those whose key or caller the
	// snapshot does not hold.
	KMS          int       `json:"kms"`
	Failed       int       `json:"failed"`
	Denied       int       `json:"denied"`
	KeyUnknown   int       `json:"key_not_in_snapshot"`
	NoKey        int       `json:"no_key"`
	Other        int       `json:"other_services"`
	OtherFailed  int       `json:"other_failed"`
	DistinctUses int       `json:"distinct_uses"`
	First        time.Time `json:"first,omitzero"`
	Last         time.Time `json:"last,omitzero"`
}

// Joiner accumulates events. It is not safe for concurrent use: run one
// per goroutine and Merge them.
type Joiner struct {
	g       *graph.Graph
	uses    map[Triple]*Use
	keys    map[keyRef]*graph.Key
	ids     map[string][]*graph.Principal
	denials map[denialSig]*denialAcc
	stats   Stats
}

// New returns a joiner for g.
func New(g *graph.Graph) *Joiner {
	return &Joiner{g: g, uses: map[Triple]*Use{}, denials: map[denialSig]*denialAcc{}}
}

// Add joins one event.
func (j *Joiner) Add(e *Event) {
	j.stats.Events++
	if j.stats.First.IsZero() || e.Time.Before(j.stats.First) {
		j.stats.First = e.Time
	}
	if e.Time.After(j.stats.Last) {
		j.stats.Last = e.Time
	}
	if e.Source != "kms.amazonaws.com" {
		j.stats.Other++
		if e.Failed() {
			j.stats.OtherFailed++
			j.addDenial(e, Caller{}, nil)
		}
		return
	}
	j.stats.KMS++
	c := j.caller(e)
	k := j.key(e, c.Account)
	if e.Failed() {
		j.stats.Failed++
		j.addDenial(e, c, k)
		return
	}
	if k == nil {
		if e.KeyID == "" && len(e.Resources) == 0 {
			j.stats.NoKey++
		} else {
			j.stats.KeyUnknown++
		}
		return
	}
	t := Triple{Principal: c.Principal, Key: k.ARN, Action: "kms:" + e.Name}
	u := j.uses[t]
	if u == nil {
		u = &Use{Triple: t, First: e.Time, Last: e.Time, service: c.Service, account: c.Account}
		j.uses[t] = u
	}
	var n copies
	switch {
	case e.SharedEventID == "":
		n.plain = 1
	case e.RecipientAccount == k.Account:
		n.owner = 1
	default:
		n.caller = 1
	}
	u.all.add(n)
	if e.Time.Before(u.First) {
		u.First = e.Time
	}
	if e.Time.After(u.Last) {
		u.Last = e.Time
	}
	u.addVia(c.Via, n)
	for ck := range e.EncryptionContext {
		u.addContextKey(ck)
	}
}

// addContextKey keeps the maxContextKeys first keys in sorted order, so
// that which are kept does not depend on the order of events.
func (u *Use) addContextKey(k string) {
	i, found := slices.BinarySearch(u.ContextKeys, k)
	if found || i >= maxContextKeys {
		return
	}
	u.ContextKeys = slices.Insert(u.ContextKeys, i, k)
	if len(u.ContextKeys) > maxContextKeys {
		u.ContextKeys = u.ContextKeys[:maxContextKeys]
	}
}

// Merge adds o's events to j (o must join to the same graph).
func (j *Joiner) Merge(o *Joiner) {
	s := &j.stats
	s.Events += o.stats.Events
	s.KMS += o.stats.KMS
	s.Failed += o.stats.Failed
	s.KeyUnknown += o.stats.KeyUnknown
	s.NoKey += o.stats.NoKey
	s.Other += o.stats.Other
	s.OtherFailed += o.stats.OtherFailed
	if !o.stats.First.IsZero() && (s.First.IsZero() || o.stats.First.Before(s.First)) {
		s.First = o.stats.First
	}
	if o.stats.Last.After(s.Last) {
		s.Last = o.stats.Last
	}
	for t, ou := range o.uses {
		u := j.uses[t]
		if u == nil {
			j.uses[t] = ou
			continue
		}
		u.all.add(ou.all)
		u.direct.add(ou.direct)
		for _, v := range ou.via {
			u.addVia(v.service, v.n)
		}
		if ou.First.Before(u.First) {
			u.First = ou.First
		}
		if ou.Last.After(u.Last) {
			u.Last = ou.Last
		}
		for _, ck := range ou.ContextKeys {
			u.addContextKey(ck)
		}
	}
	for sig, od := range o.denials {
		d := j.denials[sig]
		if d == nil {
			j.denials[sig] = od
			continue
		}
		d.merge(od)
	}
}

// Uses returns the triples seen, sorted by key, principal and action.
func (j *Joiner) Uses() []Use {
	out := make([]Use, 0, len(j.uses))
	for _, u := range j.uses {
		c := *u
		c.Count, c.Direct = u.all.calls(), u.direct.calls()
		c.Via = make([]ViaCount, 0, len(u.via))
		for _, v := range u.via {
			c.Via = append(c.Via, ViaCount{Service: v.service, Count: v.n.calls()})
		}
		c.ContextKeys = slices.Clone(u.ContextKeys)
		slices.SortFunc(c.Via, func(a, b ViaCount) int { return strings.Compare(a.Service, b.Service) })
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b Use) int {
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if c := strings.Compare(a.Principal, b.Principal); c != 0 {
			return c
		}
		return strings.Compare(a.Action, b.Action)
	})
	return out
}

// Stats returns the counts so far.
func (j *Joiner) Stats() Stats {
	s := j.stats
	s.DistinctUses = len(j.uses)
	for _, d := range j.denials {
		s.Denied += d.count
	}
	return s
}

func (u *Use) addVia(service string, n copies) {
	if service == "" {
		u.direct.add(n)
		return
	}
	i := slices.IndexFunc(u.via, func(v viaCopies) bool { return v.service == service })
	if i < 0 {
		u.via = append(u.via, viaCopies{service: service})
		i = len(u.via) - 1
	}
	u.via[i].n.add(n)
}
