package ui

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/usage"
)

// WithUsage adds CloudTrail usage (graph/usage, joined by the caller) to
// the who-can lists: how many calls each principal made on the key, and
// when it last made one.
func WithUsage(r *usage.Report) Option {
	return func(m *Model) { m.c.usage = newUsageIndex(r) }
}

// edgeUse is the calls on a key by a principal (or an account, or anyone),
// any operation.
type edgeUse struct {
	count int
	last  time.Time
}

func (e *edgeUse) add(u *usage.Use) {
	e.count += u.Count
	if u.Last.After(e.last) {
		e.last = u.Last
	}
}

// usageIndex is a usage report indexed for the who-can lists.
type usageIndex struct {
	report    *usage.Report
	byEdge    map[[2]string]*edgeUse // principal, key
	byAccount map[[2]string]*edgeUse // account, key
	byKey     map[string]*edgeUse
}

func newUsageIndex(r *usage.Report) *usageIndex {
	ix := &usageIndex{report: r, byEdge: map[[2]string]*edgeUse{}, byAccount: map[[2]string]*edgeUse{}, byKey: map[string]*edgeUse{}}
	get := func(m map[[2]string]*edgeUse, k [2]string) *edgeUse {
		e := m[k]
		if e == nil {
			e = &edgeUse{}
			m[k] = e
		}
		return e
	}
	for i := range r.Uses {
		u := &r.Uses[i]
		get(ix.byEdge, [2]string{u.Principal, u.Key}).add(u)
		if a := principalAccount(u.Principal); a != "" {
			get(ix.byAccount, [2]string{a, u.Key}).add(u)
		}
		e := ix.byKey[u.Key]
		if e == nil {
			e = &edgeUse{}
			ix.byKey[u.Key] = e
		}
		e.add(u)
	}
	return ix
}

// of is the calls w made on key: an account's are its principals', the
// public's everyone's.
func (ix *usageIndex) of(w graph.Who, key string) edgeUse {
	var e *edgeUse
	switch w.Kind {
	case "public":
		e = ix.byKey[key]
	case "account":
		e = ix.byAccount[[2]string{w.Account, key}]
	default:
		e = ix.byEdge[[2]string{w.Principal, key}]
	}
	if e == nil {
		return edgeUse{}
	}
	return *e
}

// usageColumns are the who-can list's columns when usage is loaded.
var usageColumns = []column{{"USES", 5, 0}, {"LAST USED", 9, 0}}

// whoColumnsFor are the who-can list's columns: with USES and LAST USED
// when usage is loaded.
func whoColumnsFor(c *Common) []column {
	if c.usage == nil {
		return whoColumns
	}
	return append(append([]column(nil), whoColumns...), usageColumns...)
}

// usageCells are a who-can row's USES and LAST USED cells for key, or nil
// when usage is not loaded; age is the LAST USED cell's sort key (seconds
// since, never last).
func (c *Common) usageCells(w graph.Who, key string) (cells []string, age string) {
	if c.usage == nil {
		return nil, ""
	}
	if w.Principal == graph.AnyGrantee || key == "" {
		return []string{"", ""}, ""
	}
	e := c.usage.of(w, key)
	if e.count == 0 {
		return []string{"0", "never"}, strconv.Itoa(math.MaxInt32)
	}
	now := c.clock()
	return []string{strconv.Itoa(e.count), ago(now, e.last)}, strconv.Itoa(int(now.Sub(e.last) / time.Second))
}

// usageSortAs is a who-can row's sortAs: LAST USED by age.
func usageSortAs(cells []string, age string) []string {
	if age == "" {
		return nil
	}
	out := make([]string, len(cells))
	out[len(out)-1] = age
	return out
}

// clock is the time relative times are measured from.
func (c *Common) clock() time.Time {
	if c.now != nil {
		return c.now()
	}
	return time.Now()
}

// ago is how long before now t was: "5m ago", "3h ago", "3d ago".
func ago(now, t time.Time) string {
	d := now.Sub(t)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return strconv.Itoa(int(d/time.Minute)) + "m ago"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d/time.Hour)) + "h ago"
	}
	return strconv.Itoa(int(d/(24*time.Hour))) + "d ago"
}

// usageSearch is the usage cells' text for a row's filter.
func usageSearch(cells []string) string {
	if cells == nil {
		return ""
	}
	return " " + strings.ToLower(strings.Join(cells, " "))
}
