package ui

import (
	"encoding/json"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/keyhound/keyhound/graph/diff"
)

// diffScreen lists the effective-access changes between two snapshots;
// the change under the cursor shows the policy changes behind it.
type diffScreen struct {
	listView
	report *diff.Report
	old    string
	width  int
}

// WithDiff shows a diff of effective access (computed by the caller from
// OLD to the graph being browsed) in its own section.
func WithDiff(r *diff.Report, oldName string) Option {
	return func(m *Model) { m.diff = newDiffScreen(m.c, r, oldName) }
}

func newDiffScreen(c *Common, r *diff.Report, old string) *diffScreen {
	s := &diffScreen{report: r, old: old, listView: newListView(c, []column{{"CHANGE", 22, 0}, {"PRINCIPAL", 18, 3}, {"ON", 16, 3}, {"ACTION", 11, 1}}, "no change in effective access")}
	rows := make([]row, 0, len(r.Changes))
	for i, ch := range r.Changes {
		what, kind := ch.Old+" → "+ch.New, "CONDITIONAL"
		switch ch.Change {
		case diff.NewAccess:
			what, kind = "+ "+ch.New, "DENY" // new access is what a reviewer must look at
		case diff.RemovedAccess:
			what, kind = "- was "+ch.Old, "ALLOW"
		}
		if !ch.Wider() && ch.Change == diff.DecisionChanged {
			kind = "ALLOW"
		}
		who := shortPrincipal(ch.Principal)
		if ch.Public {
			who += " ⚠ public"
		} else if ch.External {
			who += " ⇱ external"
		}
		rows = append(rows, row{
			id: ch.Target, kind: kind, cells: []string{what, who, c.label(ch.Target), ch.Action},
			search: strings.ToLower(ch.Change + " " + ch.Principal + " " + ch.Target + " " + ch.Action + " " + c.label(ch.Target)),
			ref:    i,
		})
	}
	s.l.SetRows(rows)
	return s
}

func (s *diffScreen) Init() tea.Cmd { return nil }

func (s *diffScreen) Update(msg tea.Msg) (screen, tea.Cmd) {
	if cmd, ok := s.update(msg); ok {
		return s, cmd
	}
	if msg, ok := msg.(tea.KeyPressMsg); ok && key.Matches(msg, s.c.Keys.Enter) {
		if r := s.l.Selected(); r != nil {
			return s, jumpTo(s.c, r.id)
		}
	}
	return s, nil
}

func (s *diffScreen) View() string {
	st := s.c.Styles
	sum := s.report.Summary
	head := st.Bold.Render("Effective access since "+s.old) + "  " +
		st.Denied.Render("+"+strconv.Itoa(sum.NewAccess)+" new") + " · " +
		st.Allowed.Render("-"+strconv.Itoa(sum.RemovedAccess)+" removed") + " · " +
		st.Conditional.Render("~"+strconv.Itoa(sum.DecisionChanged)+" changed")
	if sum.NewExternal > 0 {
		head += " · " + st.External.Render(strconv.Itoa(sum.NewExternal)+" new external")
	}
	if sum.KeysChanged+sum.NewFindings > 0 {
		head += st.Muted.Render(" · " + strconv.Itoa(sum.KeysChanged) + " keys changed · " + strconv.Itoa(sum.NewFindings) + " new findings")
	}
	causes := st.Muted.Render("(no change selected)")
	if r := s.l.Selected(); r != nil {
		ch := s.report.Changes[r.ref.(int)]
		if len(ch.Causes) == 0 {
			causes = st.Muted.Render("no policy change on its path: a change elsewhere (a role it assumes, the organization's structure)")
		} else {
			var lines []string
			for _, c := range ch.Causes {
				where := c.Where
				if i := strings.LastIndex(where, " of "); i >= 0 {
					where = where[:i+4] + s.c.label(where[i+4:])
				}
				lines = append(lines, fit("← "+where+": "+c.Change+" "+statementSummary(c.Statement), s.width))
			}
			causes = strings.Join(lines[:min(len(lines), 3)], "\n")
		}
	}
	return head + "\n" + s.filterLine() + "\n" + s.l.View() + "\n" + causes
}

func (s *diffScreen) SetSize(w, h int) {
	s.width = w
	s.l.SetSize(w, h-5)
	s.input.SetWidth(w / 2)
}
func (s *diffScreen) Crumb() string             { return "Diff" }
func (s *diffScreen) Capturing() bool           { return s.filtering }
func (s *diffScreen) Selected() string          { return s.l.SelectedID() }
func (s *diffScreen) ShortHelp() []key.Binding  { return s.helpBindings() }
func (s *diffScreen) FullHelp() [][]key.Binding { return [][]key.Binding{s.helpBindings()} }

// statementSummary puts a statement's Sid first, where a truncated line
// still shows it.
func statementSummary(stmt string) string {
	var m map[string]any
	if json.Unmarshal([]byte(stmt), &m) != nil {
		return stmt
	}
	if sid, ok := m["Sid"].(string); ok && sid != "" {
		return strconv.Quote(sid) + " " + stmt
	}
	return stmt
}
