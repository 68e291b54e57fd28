package ui

import (
	"strconv"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
)

// Who can decrypt each key (the keys list's DECR and EXT) is counted for
// the rows the list shows, as they come on screen, and for every row it
// shows once it is sorted by one of those columns. An organization-wide
// key's answer is most of the organization's principals (70 ms and 30 MB
// of who-can at 5,000 accounts): counting all 120,000 keys there kept a
// CPU busy for over an hour, and the heap churning, for rows nobody
// looked at. A key whose who-can fails shows "?".

// keyCounts is what the keys list knows of its DECR and EXT columns.
type keyCounts struct {
	// known[i] says row i (key i) is counted.
	known []bool
	// busy: a batch is being counted (one at a time).
	busy bool
}

// keyCountsMsg carries decrypt counts for rows of g's keys list (key i is
// row i), in the order asked, as far as the batch's time allowed.
type keyCountsMsg struct {
	g      *graph.Graph
	rows   []int
	counts [][2]int // principals that can decrypt, external ones
}

// countBatch counts, off the update loop, who can decrypt g's keys rows,
// in that order, for about budget of time (one key at least).
func countBatch(g *graph.Graph, rows []int, budget time.Duration) tea.Cmd {
	return func() tea.Msg {
		keys := g.Keys()
		start := time.Now()
		out := keyCountsMsg{g: g}
		for j, i := range rows {
			if j > 0 && time.Since(start) >= budget {
				break
			}
			n, ext := -1, 0 // -1: who-can failed
			if who, err := g.WhoCan("kms:Decrypt", keys[i].ARN, "", graph.DefaultChainDepth); err == nil {
				n = len(who)
				for _, w := range who {
					if w.External {
						ext++
					}
				}
			}
			out.rows, out.counts = append(out.rows, i), append(out.counts, [2]int{n, ext})
		}
		return out
	}
}

// countBatchBudget is how long a batch counts before the list shows it.
const countBatchBudget = 40 * time.Millisecond

// sortedByCount says the list is sorted by DECR or EXT: every row it shows
// is then counted.
func (s *keysScreen) sortedByCount() bool {
	return s.l.sortCol == keyColDecrypt || s.l.sortCol == keyColExternal
}

// wanted returns rows to count next: those on screen (the selected one
// first), then, sorted by a count, the rest of those shown.
func (s *keysScreen) wanted() []int {
	var out []int
	add := func(i int) {
		if !s.counts.known[i] && len(out) < 256 {
			out = append(out, i)
		}
	}
	if r := s.l.SelectedIndex(); r >= 0 {
		add(r)
	}
	for _, i := range s.l.OnScreen() {
		if len(out) == 0 || out[0] != i {
			add(i)
		}
	}
	if len(out) == 0 && s.sortedByCount() {
		for _, i := range s.l.shown {
			add(i)
		}
	}
	return out
}

// follow starts counting the rows wanted next, unless a batch is being
// counted or the graph's principals are still being built (who-can would
// wait for them, and start their build before the first frame). The root
// asks after each message (follower), so rows scrolled, filtered or
// sorted into view get theirs; the keys list asks on builtMsg.
func (s *keysScreen) follow() tea.Cmd {
	if s.counts.busy || !s.c.Graph.Ready() {
		return nil // builtMsg asks again
	}
	rows := s.wanted()
	if len(rows) == 0 {
		return nil
	}
	s.counts.busy = true
	return countBatch(s.c.Graph, rows, countBatchBudget)
}

// countsIn puts a batch's counts on their rows, and asks for more.
func (s *keysScreen) countsIn(msg keyCountsMsg) tea.Cmd {
	if msg.g != s.c.Graph {
		return nil // an earlier graph's
	}
	s.counts.busy = false
	for j, i := range msg.rows {
		if i >= len(s.l.rows) || s.counts.known[i] {
			continue
		}
		s.counts.known[i] = true
		n := msg.counts[j]
		cells := s.l.rows[i].cells
		if n[0] < 0 {
			cells[keyColDecrypt], cells[keyColExternal] = "?", "?"
			continue
		}
		cells[keyColDecrypt], cells[keyColExternal] = strconv.Itoa(n[0]), strconv.Itoa(n[1])
	}
	if s.sortedByCount() && s.pendingShown() == 0 {
		s.l.Resort() // sorted while counts were missing
	}
	return s.follow()
}

// pendingShown counts the rows shown (filtered) that are not counted.
func (s *keysScreen) pendingShown() int {
	n := 0
	for _, i := range s.l.shown {
		if !s.counts.known[i] {
			n++
		}
	}
	return n
}

// countsLine is the header's note on counting, "" when nothing wanted is
// left to count.
func (s *keysScreen) countsLine() string {
	if !s.counts.busy {
		return ""
	}
	if s.sortedByCount() {
		shown := len(s.l.shown)
		return s.c.pending("counting who can decrypt, to sort: " + strconv.Itoa(shown-s.pendingShown()) + "/" + strconv.Itoa(shown))
	}
	return s.c.pending("counting who can decrypt…")
}
