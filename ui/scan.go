package ui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/scanner"
)

// ScanSource is a scan running in the background: its events, its end, and
// how to cancel it. The command that starts the scan owns it.
type ScanSource struct {
	Events <-chan scanner.Event
	Done   <-chan ScanDone // receives once, when the scan ends
	Cancel context.CancelFunc
	// Output is where the snapshot is written, if anywhere ("" for none).
	Output string
}

// ScanDone is how a scan ended.
type ScanDone struct {
	Snapshot *snapshot.Snapshot
	Result   scanner.Result
	Err      error
	// Written is the file the snapshot was written to: ScanSource.Output,
	// or beside it for a partial scan that did not replace it ("" for none).
	Written string
}

// scanEventMsg is one scan event; scanEndedMsg the end of the events.
type (
	scanEventMsg scanner.Event
	scanEndedMsg struct{}
	scanDoneMsg  ScanDone
	// graphMsg carries a graph rebuilt from a finished scan.
	graphMsg struct {
		g    *graph.Graph
		snap *snapshot.Snapshot
	}
)

func waitForEvent(ch <-chan scanner.Event) tea.Cmd {
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return scanEndedMsg{}
		}
		return scanEventMsg(e)
	}
}

func waitForDone(ch <-chan ScanDone) tea.Cmd {
	return func() tea.Msg { return scanDoneMsg(<-ch) }
}

// accountProgress is one account's line in the scan view.
type accountProgress struct {
	phase, region, message string
	// errors counts the account's failed calls so far; lastErr is the
	// newest, shown while the account is still running.
	errors  int
	lastErr string
	// errs are the account's error events, every one (scandetail.go).
	errs []scanner.Event
}

// scanScreen shows a live scan: accounts done, per-account status, errors;
// ctrl+x cancels it (what was collected is kept).
type scanScreen struct {
	listView
	src       *ScanSource
	accounts  map[string]*accountProgress
	order     []string
	events    int
	errors    int
	done      bool
	cancelled bool
	result    *ScanDone
	last      scanner.Event
}

func newScanScreen(c *Common, src *ScanSource) *scanScreen {
	return &scanScreen{
		src: src, accounts: map[string]*accountProgress{},
		listView: newListView(c, []column{{"STATUS", 11, 0}, {"ACCOUNT", 14, 2}, {"PHASE", 12, 1}, {"DETAIL", 16, 4}}, "waiting for the first account…"),
	}
}

func (s *scanScreen) Init() tea.Cmd {
	return tea.Batch(waitForEvent(s.src.Events), waitForDone(s.src.Done))
}

func (s *scanScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg := msg.(type) {
	case scanEventMsg:
		s.apply(scanner.Event(msg))
		return s, waitForEvent(s.src.Events)
	case scanEndedMsg:
		return s, nil
	case scanDoneMsg:
		d := ScanDone(msg)
		s.done, s.result = true, &d
		return s, nil
	case tea.KeyPressMsg:
		if key.Matches(msg, s.c.Keys.Cancel) && !s.done && s.src.Cancel != nil {
			s.src.Cancel()
			s.cancelled = true
			return s, status("scan cancelled: what was collected is kept", false)
		}
	}
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if id := s.l.SelectedID(); id != "" {
			return s, push(newScanDetailScreen(s.c, s, id))
		}
	}
	return s, nil
}

func (s *scanScreen) apply(e scanner.Event) {
	s.events++
	s.last = e
	s.errors = max(s.errors, e.Errors)
	if e.Account == "" || e.Phase == "progress" || e.Phase == "organization" {
		return
	}
	a := s.accounts[e.Account]
	if a == nil {
		a = &accountProgress{}
		s.accounts[e.Account] = a
		s.order = append(s.order, e.Account)
	}
	switch e.Phase {
	case "error":
		// A failed call: the account goes on, so its phase stays.
		a.errors++
		a.errs = append(a.errs, e)
		a.lastErr = strings.TrimSpace(strings.TrimSpace(e.Region+" "+e.Message) + ": " + e.Err)
	case "done":
		a.phase, a.errors = e.Phase, e.AccountErrors
		a.region, a.message = e.Region, e.Message
	default:
		a.phase = e.Phase
		a.region, a.message = e.Region, e.Message
	}
	s.refreshRows()
}

func (s *scanScreen) refreshRows() {
	rows := make([]row, 0, len(s.order))
	for _, id := range s.order {
		a := s.accounts[id]
		st, kind := "… running", "CONDITIONAL"
		switch {
		case a.phase == "done" && a.errors == 0:
			st, kind = "✓ done", "ALLOW"
		case a.phase == "done":
			st, kind = "✗ partial", "DENY"
		}
		detail := a.message
		if a.region != "" {
			detail = a.region + " " + detail
		}
		if a.phase != "done" && a.errors > 0 {
			st, kind = "… "+plural.Count(a.errors, "error"), "CONDITIONAL"
			detail = "last: " + a.lastErr
		}
		rows = append(rows, row{id: id, kind: kind, cells: []string{st, id, a.phase, detail}})
	}
	s.l.SetRows(rows)
}

func (s *scanScreen) View() string {
	st := s.c.Styles
	e := s.last
	total := e.AccountsTotal
	if total == 0 {
		total = len(s.accounts)
	}
	head := fmt.Sprintf("Accounts %d/%d done · %s · %d throttled · %s · %s",
		e.AccountsDone, total, plural.Count(e.Calls, "call"), e.Throttles, plural.Count(s.errors, "error"), scanETA(e))
	switch {
	case s.result != nil && s.result.Err != nil:
		head = st.Error.Render("✗ scan failed: "+s.result.Err.Error()) + "\n" + head
	case s.result != nil:
		state := st.Allowed.Render("✓ scan complete")
		if !s.result.Result.Complete {
			state = st.Conditional.Render("? scan partial: " + plural.Count(s.result.Result.Errors, "call") + " failed (recorded in the snapshot)")
		}
		switch {
		case s.result.Written != "" && s.result.Written != s.src.Output:
			state += st.Muted.Render(" · written to " + s.result.Written + " (" + s.src.Output + " kept)")
		case s.result.Written != "":
			state += st.Muted.Render(" · written to " + s.result.Written)
		}
		head = state + "\n" + head
	case s.cancelled:
		head = st.Conditional.Render("? cancelling: finishing the calls in flight…") + "\n" + head
	default:
		head = st.Bold.Render("Scanning…") + st.Muted.Render(" (ctrl+x cancels; the other views fill in when it ends)") + "\n" + head
	}
	return head + "\n" + s.filterLine() + "\n" + s.l.View()
}

// scanETA estimates the time left from the rate accounts finish at.
func scanETA(e scanner.Event) string {
	if e.AccountsDone == 0 || e.AccountsTotal == 0 {
		return "elapsed " + e.Elapsed.Round(time.Second).String()
	}
	if e.AccountsDone >= e.AccountsTotal {
		return "took " + e.Elapsed.Round(time.Second).String()
	}
	left := time.Duration(float64(e.Elapsed) / float64(e.AccountsDone) * float64(e.AccountsTotal-e.AccountsDone))
	return "about " + left.Round(time.Second).String() + " left"
}

func (s *scanScreen) SetSize(w, h int) { s.l.SetSize(w, h-3); s.input.SetWidth(w / 2) }
func (s *scanScreen) Crumb() string    { return "Scan" }
func (s *scanScreen) Capturing() bool  { return s.filtering }
func (s *scanScreen) Selected() string { return s.l.SelectedID() }
func (s *scanScreen) ShortHelp() []key.Binding {
	b := s.helpBindings()
	if !s.done {
		b = append([]key.Binding{s.c.Keys.Cancel}, b...)
	}
	return b
}
func (s *scanScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.ShortHelp()} }

// rebuildCmd builds the access graph of a finished scan's snapshot.
func rebuildCmd(snap *snapshot.Snapshot) tea.Cmd {
	return func() tea.Msg { return graphMsg{g: graph.Build(snap, nil), snap: snap} }
}
