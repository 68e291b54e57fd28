package baseline

import (
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/diff"
)

// Statuses of an item before a baseline.
const (
	Open     = "open"     // no entry accepts it
	Accepted = "accepted" // an entry accepts it
	Expired  = "expired"  // only entries past their expiry match it
)

// Decision is what a baseline says of one item.
type Decision struct {
	Item
	Status string `json:"status"`
	// Gated is true when the gate fails on the item unless it is accepted.
	Gated bool `json:"gated"`
	// Entry accepts the item (Accepted), or matched it but expired
	// (Expired): the first such entry of the file.
	Entry *Entry `json:"entry,omitempty"`
}

// Fails reports whether the decision fails the gate.
func (d Decision) Fails() bool { return d.Gated && d.Status != Accepted }

// Outcome is a gate's verdict on a report's items under a baseline.
type Outcome struct {
	// Decisions has one decision per item, in the items' order.
	Decisions []Decision
	// Unmatched lists the entries that match no item: a warning (the risk
	// they accepted is gone, or their patterns are wrong), not a failure.
	Unmatched []Entry

	index map[any]int // report element → decision, built on first use
}

// Judge decides each item against f at now (f may be nil: no baseline).
// gated says which items the gate fails on (nil: none, when no gate is
// asked). An item is accepted by the first entry that matches it and has
// not expired; matched only by expired entries, it is Expired, and fails
// the gate as if no entry matched it, saying so.
func Judge(items []Item, f *File, now time.Time, gated func(Item) bool) *Outcome {
	o := &Outcome{Decisions: make([]Decision, 0, len(items)), Unmatched: []Entry{}}
	var entries []Entry
	if f != nil {
		entries = f.Entries
	}
	used := make([]bool, len(entries))
	for _, it := range items {
		d := Decision{Item: it, Status: Open, Gated: gated != nil && gated(it)}
		for i := range entries {
			e := &entries[i]
			if !e.Match.Matches(it) {
				continue
			}
			used[i] = true
			switch {
			case !e.Expired(now) && d.Status != Accepted:
				d.Status, d.Entry = Accepted, e
			case d.Status == Open:
				d.Status, d.Entry = Expired, e
			}
		}
		o.Decisions = append(o.Decisions, d)
	}
	for i, e := range entries {
		if !used[i] {
			o.Unmatched = append(o.Unmatched, e)
		}
	}
	return o
}

// Failed reports whether some item fails the gate.
func (o *Outcome) Failed() bool {
	for _, d := range o.Decisions {
		if d.Fails() {
			return true
		}
	}
	return false
}

// With lists the decisions of a status; gatedOnly keeps those the gate
// fails on.
func (o *Outcome) With(status string, gatedOnly bool) []Decision {
	out := []Decision{}
	for _, d := range o.Decisions {
		if d.Status == status && (d.Gated || !gatedOnly) {
			out = append(out, d)
		}
	}
	return out
}

// OfChange is the decision on an access change of the report (nil when
// none): renderers mark the report's lines with it.
func (o *Outcome) OfChange(c *diff.Change) *Decision { return o.of(c) }

// OfFinding is the decision on a finding of the report (nil when none).
func (o *Outcome) OfFinding(f *graph.Finding) *Decision { return o.of(f) }

// OfEscalation is the decision on an escalation change of the report (nil
// when none).
func (o *Outcome) OfEscalation(c *diff.EscalationChange) *Decision { return o.of(c) }

func (o *Outcome) of(p any) *Decision {
	if o == nil {
		return nil
	}
	if o.index == nil {
		o.index = map[any]int{}
		for i, d := range o.Decisions {
			switch {
			case d.Access != nil:
				o.index[d.Access] = i
			case d.Found != nil:
				o.index[d.Found] = i
			case d.KeyChange != nil:
				o.index[d.KeyChange] = i
			case d.Escalation != nil:
				o.index[d.Escalation] = i
			}
		}
	}
	if i, ok := o.index[p]; ok {
		return &o.Decisions[i]
	}
	return nil
}
