package ui

import (
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/plural"
)

// scanDetailScreen is one account of a scan: its status, every error (the
// service, Region, call and message), the Regions skipped, the counts. It
// follows the scan while it runs; once it ends, the snapshot's record of
// the account is the source.
type scanDetailScreen struct {
	c    *Common
	scan *scanScreen
	id   string
	pane
}

func newScanDetailScreen(c *Common, sc *scanScreen, id string) *scanDetailScreen {
	s := &scanDetailScreen{c: c, scan: sc, id: id}
	s.pane = newPane(c, s.render)
	return s
}

func (s *scanDetailScreen) Init() tea.Cmd { return nil }

func (s *scanDetailScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	switch msg.(type) {
	case tea.BackgroundColorMsg, scanEventMsg, scanDoneMsg:
		// The Scan view has taken the event first (sections before the
		// stack): render it again.
		s.refresh()
		return s, nil
	}
	s.update(msg)
	return s, nil
}

// account is the account's record in the finished scan's snapshot, or nil
// while the scan runs.
func (s *scanDetailScreen) account() *snapshot.Account {
	if r := s.scan.result; r != nil && r.Snapshot != nil {
		return r.Snapshot.Accounts[s.id]
	}
	return nil
}

// scanError is one failed call, as the detail lists it.
type scanError struct{ region, call, message string }

func (s *scanDetailScreen) errors() []scanError {
	var out []scanError
	if a := s.account(); a != nil {
		for _, e := range a.Errors {
			call := strings.TrimSpace(e.Service + " " + e.Operation)
			if e.Resource != "" {
				call += " " + e.Resource
			}
			msg := e.Message
			if e.Code != "" {
				msg = strings.TrimSuffix(e.Code+": "+e.Message, ": ")
			}
			out = append(out, scanError{e.Region, call, msg})
		}
		return out
	}
	if p := s.scan.accounts[s.id]; p != nil {
		for _, e := range p.errs {
			out = append(out, scanError{e.Region, e.Message, e.Err})
		}
	}
	return out
}

func (s *scanDetailScreen) render(w int) []string {
	st := s.c.Styles
	p := s.scan.accounts[s.id]
	if p == nil {
		p = &accountProgress{}
	}
	out := wrap(st.Bold.Render("Account "+s.c.accountLabel(s.id)), w)
	out = append(out, "")
	errs := s.errors()
	state := "… running"
	switch {
	case p.phase == "done" && len(errs) == 0 && p.errors == 0:
		state = st.Allowed.Render("✓ done")
	case p.phase == "done":
		state = st.Denied.Render("✗ partial: some calls failed")
	}
	out = append(out, field(s.c, "status", state, w)...)
	if p.phase != "" && p.phase != "done" {
		out = append(out, field(s.c, "phase", strings.TrimSpace(p.phase+" "+p.region+" "+p.message), w)...)
	}
	if p.phase == "done" && p.message != "" {
		out = append(out, field(s.c, "summary", p.message, w)...)
	}
	a := s.account()
	counts := plural.Count(len(errs), "error")
	if a != nil {
		counts = plural.Count(len(a.Regions), "Region") + " scanned · " + plural.Count(len(a.RegionsSkipped), "Region") + " skipped" + " · " + counts
	}
	out = append(out, field(s.c, "counts", counts, w)...)

	out = append(out, "", st.Header.Render("Errors ("+strconv.Itoa(len(errs))+")"))
	if len(errs) == 0 {
		out = append(out, indented("none", 2, w)...)
	}
	for i, e := range errs {
		head := strconv.Itoa(i+1) + ". " + strings.TrimPrefix(e.region+" · ", " · ") + e.call
		out = append(out, indented(head, 2, w)...)
		out = append(out, indented(e.message, 5, w)...)
	}
	if a == nil {
		out = append(out, "", st.Muted.Render("Regions skipped: known when the scan ends"))
		return out
	}
	out = append(out, "", st.Header.Render("Regions skipped ("+strconv.Itoa(len(a.RegionsSkipped))+")"))
	if len(a.RegionsSkipped) == 0 {
		out = append(out, indented("none", 2, w)...)
	}
	for _, k := range a.RegionsSkipped {
		what := k.Region
		if k.Service != "" {
			what += " · " + strings.TrimSpace(k.Service+" "+k.Operation)
		}
		what += " (" + k.Reason
		if len(k.Policies) > 0 {
			what += ": " + strings.Join(k.Policies, ", ")
		}
		what += ")"
		out = append(out, indented(what, 2, w)...)
		if k.Message != "" {
			out = append(out, indented(k.Message, 5, w)...)
		}
	}
	return out
}

func (s *scanDetailScreen) View() string              { return s.view() }
func (s *scanDetailScreen) SetSize(w, h int)          { s.setSize(w, h) }
func (s *scanDetailScreen) Crumb() string             { return s.c.accountName(s.id) }
func (s *scanDetailScreen) Capturing() bool           { return false }
func (s *scanDetailScreen) Selected() string          { return s.id }
func (s *scanDetailScreen) Item() string              { return "scan account " + s.id }
func (s *scanDetailScreen) ShortHelp() []key.Binding  { return s.help() }
func (s *scanDetailScreen) FullHelp() [][]key.Binding { return [][]key.Binding{scrollKeys(s.c)} }
