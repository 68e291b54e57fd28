package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/escalation"
	"github.com/keyhound/keyhound/graph/eval"
	"github.com/keyhound/keyhound/ui/styles"
)

const (
	reportsKey = "arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001"
	deployer   = "arn:aws:iam::222222222222:role/Deployer"
)

// keyTop is the key screen on top of the stack.
func (d *driver) keyTop() *keyScreen {
	d.t.Helper()
	ks, ok := d.m.top().(*keyScreen)
	if !ok {
		d.t.Fatalf("top screen is %T (%s), not a key", d.m.top(), d.crumbs())
	}
	return ks
}

// With tui --escalation the Who-can tab lists, after those who can decrypt
// now, the demo's escalation path (role/Deployer may rewrite its own
// policy), marked with its own glyph and word, its number of steps and
// first call, and the blast radius counts it.
func TestWhoCanEscalationEntries(t *testing.T) {
	d := newDriver(t, 120, 40, WithEscalation())
	d.keys("/ t:reports enter enter")
	ks := d.keyTop()
	if !ks.escDone || ks.escBusy || ks.escErr != nil {
		t.Fatalf("escalation search: done %v, busy %v, err %v", ks.escDone, ks.escBusy, ks.escErr)
	}
	rows := ks.lists[tabWho].l.rows
	last := rows[len(rows)-1]
	if last.kind != kindEscalation || last.id != deployer {
		t.Fatalf("last row %+v, want Deployer's escalation entry", last)
	}
	for i, r := range rows[:len(rows)-1] {
		if r.kind == kindEscalation {
			t.Errorf("row %d (%s) is an escalation entry before those who can now", i, r.id)
		}
	}
	v := d.screen()
	for _, want := range []string{
		"⇡ CAN GAIN", "role/Deployer", "2 steps: PutRolePolicy on role/Deployer, then Decrypt",
		"⇡ 1 more can gain", "Who can decrypt 9",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the Who-can tab lacks %q:\n%s", want, v)
		}
	}
	// The filter finds it by its word.
	d.keys("/ t:escalation enter")
	if n, _ := ks.lists[tabWho].l.Len(); n != 1 {
		t.Errorf("filtering on \"escalation\" shows %d rows, want 1", n)
	}
	// The step keys are the path view's: the key's help does not list them.
	d.keys("?")
	if v := d.screen(); strings.Contains(v, "next step") || !strings.Contains(v, "⇡ CAN GAIN") {
		t.Errorf("the key's help lists the path view's keys, or lacks the ⇡ legend:\n%s", v)
	}
}

// The escalation mark has a colour of its own, not one of the decisions'
// (and the word and glyph say it without colour).
func TestEscalationStyleIsItsOwn(t *testing.T) {
	for _, dark := range []bool{true, false} {
		st := styles.DefaultStyles(dark)
		c := &Common{Styles: st}
		esc := c.kindStyle(kindEscalation).GetForeground()
		for name, other := range map[string]lipgloss.Style{"ALLOW": st.Allowed, "CONDITIONAL": st.Conditional, "DENY": st.Denied, "external": st.External} {
			if esc == other.GetForeground() {
				t.Errorf("dark %v: the escalation colour is %s's", dark, name)
			}
		}
	}
}

// The search runs in a command, never in Update: the Who-can tab shows who
// can now at once, a spinner in the blast radius while the search runs;
// the answer is kept per key (a key opened again shows it at once) and one
// Searcher serves every key of a graph.
func TestEscalationInBackground(t *testing.T) {
	d := newDriver(t, 120, 40, WithEscalation())
	c := d.m.c
	k := c.Graph.Key(reportsKey)
	ks := newKeyScreen(c, k)
	ks.SetSize(120, 36)
	who := ks.Init()().(whoMsg)
	_, cmd := ks.Update(who)
	if cmd == nil || !ks.escBusy || !ks.Busy() {
		t.Fatalf("after who-can: cmd %v, escBusy %v, Busy %v; want the search started", cmd != nil, ks.escBusy, ks.Busy())
	}
	if v := ansi.Strip(ks.View()); !strings.Contains(v, "searching escalation") || strings.Contains(v, "CAN GAIN") {
		t.Errorf("while the search runs:\n%s", v)
	}
	if n, _ := ks.lists[tabWho].l.Len(); n != 8 {
		t.Errorf("%d rows while the search runs, want who can now (8)", n)
	}
	msg := cmd().(escalationMsg)
	if len(msg.paths) != 1 || msg.paths[0].Principal != deployer {
		t.Fatalf("paths %+v, want Deployer's", msg.paths)
	}
	// Stale answers: another key's, another graph's.
	ks.Update(escalationMsg{g: c.Graph, key: "arn:aws:kms:us-east-1:111111111111:key/other", paths: msg.paths})
	ks.Update(escalationMsg{g: demoGraph(t), key: reportsKey, paths: msg.paths})
	if ks.escDone {
		t.Fatal("an answer about another key or graph was taken")
	}
	ks.Update(msg)
	if ks.escBusy || ks.Busy() || !ks.escDone {
		t.Errorf("after the answer: escBusy %v, Busy %v, escDone %v", ks.escBusy, ks.Busy(), ks.escDone)
	}
	if n, _ := ks.lists[tabWho].l.Len(); n != 9 {
		t.Errorf("%d rows after the search, want 9", n)
	}

	// Opened again: the answer is there, no search.
	again := newKeyScreen(c, k)
	if _, cmd := again.Update(who); cmd != nil || !again.escDone || again.escBusy {
		t.Errorf("a key opened again searched again (cmd %v, done %v)", cmd != nil, again.escDone)
	}
	e := c.escalationOf()
	sr := e.searcher()
	if c.escalationOf() != e || e.searcher() != sr {
		t.Error("the graph's Searcher was built twice")
	}
	// A new graph (a scan ended) gets its own.
	c.Graph = demoGraph(t)
	if c.escalationOf() == e {
		t.Error("a new graph kept the old graph's escalation search")
	}
}

// Without --escalation nothing changes: no search, no escalation entry, no
// word of escalation in the view, the footer or the help.
func TestNoEscalationByDefault(t *testing.T) {
	d := newDriver(t, 120, 40)
	d.keys("/ t:reports enter enter")
	ks := d.keyTop()
	if ks.escBusy || ks.escDone || d.m.c.esc != nil {
		t.Fatalf("an escalation search ran without --escalation")
	}
	for _, r := range ks.lists[tabWho].l.rows {
		if r.kind == kindEscalation {
			t.Errorf("escalation entry %s without --escalation", r.id)
		}
	}
	check := func(where string) {
		v := strings.ToLower(d.screen())
		for _, no := range []string{"escalation", "⇡", "can gain", "next step"} {
			if strings.Contains(v, no) {
				t.Errorf("%s says %q without --escalation:\n%s", where, no, v)
			}
		}
	}
	check("the Who-can tab")
	d.keys("?")
	check("the help")
}

// enter on an escalation entry opens its path: the steps in order, each
// with principal, action, target, decision and why-trace; ] and [ select a
// step, enter goes to its target or principal, esc goes back.
func TestEscalationPathView(t *testing.T) {
	d := newDriver(t, 120, 60, WithEscalation())
	d.keys("/ t:reports enter enter G enter")
	if got, want := d.crumbs(), "Keys › alias/reports › escalation Deployer"; got != want {
		t.Fatalf("enter on the escalation entry reached %q, want %q", got, want)
	}
	v := d.screen()
	for _, want := range []string{
		"⇡ CAN GAIN  role/Deployer → kms:Decrypt on alias/reports",
		"› Step 1 of 2  ✓ ALLOW  iam:PutRolePolicy",
		`deploy-app-roles, statement 0 "ManageAppRoles" allows`,
		"  Step 2 of 2  ✓ ALLOW  kms:Decrypt  (after the steps above)",
		"target      key alias/reports",
		`key policy, statement 2 "AnalyticsAccountUse"`,
		"enter go to role/Deployer", "] next step",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the path view lacks %q:\n%s", want, v)
		}
	}
	if i, j := strings.Index(v, "Step 1 of 2"), strings.Index(v, "Step 2 of 2"); i > j {
		t.Error("the steps are out of order")
	}
	ps := d.m.top().(*escalationPathScreen)
	d.keys("]")
	if ps.sel != 1 || !strings.Contains(d.screen(), "› Step 2 of 2") {
		t.Errorf("] selected step %d, want 2", ps.sel+1)
	}
	d.keys("] [ [")
	if ps.sel != 0 {
		t.Errorf("] [ [ left step %d selected, want 1", ps.sel+1)
	}
	if ps.Selected() != deployer {
		t.Errorf("y would copy %q, want the step's target", ps.Selected())
	}
	d.keys("enter")
	if got, want := d.crumbs(), "Keys › alias/reports › escalation Deployer › Deployer"; got != want {
		t.Errorf("enter on a step reached %q, want %q", got, want)
	}
	d.keys("esc")
	if got, want := d.crumbs(), "Keys › alias/reports › escalation Deployer"; got != want {
		t.Errorf("esc reached %q, want %q", got, want)
	}
	d.keys("esc")
	if got, want := d.crumbs(), "Keys › alias/reports"; got != want {
		t.Errorf("esc reached %q, want %q", got, want)
	}
	// The help lists the step keys where they work.
	d.keys("G enter ?")
	if v := d.screen(); !strings.Contains(v, "next step") || !strings.Contains(v, "⇡ CAN GAIN") {
		t.Errorf("the path view's help lacks its keys or the ⇡ legend:\n%s", v)
	}
}

// A longer path: three steps, one CONDITIONAL with its conditions, a target
// outside the snapshot (enter falls back to the principal), the last step
// on the key (enter goes to the principal, not back to the key). The rows
// say MAY GAIN for a path that depends on the request.
func TestEscalationPathSteps(t *testing.T) {
	d := newDriver(t, 100, 80, WithEscalation())
	c := d.m.c
	batch := "arn:aws:iam::222222222222:role/Batch"
	cond, err := c.Graph.Can(graph.Query{Principal: batch, Action: "kms:Decrypt", Resource: reportsKey})
	if err != nil || cond.Decision != eval.Conditional || len(cond.Conditions) == 0 {
		t.Fatalf("Batch on the reports key: %v %v, want CONDITIONAL with conditions", cond, err)
	}
	outside := "arn:aws:iam::333333333333:role/Elsewhere"
	p := escalation.Path{Principal: deployer, Decision: eval.Conditional, Steps: []escalation.Step{
		{Principal: deployer, Action: "iam:UpdateAssumeRolePolicy", Kind: "UpdateAssumeRolePolicy", Target: outside, Decision: eval.Allow},
		{Principal: deployer, Action: "sts:AssumeRole", Kind: "AssumeRole", Target: batch, Decision: eval.Allow},
		{Principal: batch, Action: "kms:Decrypt", Target: reportsKey, Decision: eval.Conditional, Reasons: cond.Reasons, Conditions: cond.Conditions},
	}}
	rows := escalationRows(c, []escalation.Path{p})
	if got := rows[0].cells[0]; got != "⇡ MAY GAIN" {
		t.Errorf("a CONDITIONAL path's cell is %q, want ⇡ MAY GAIN", got)
	}
	if got, want := rows[0].cells[3], "3 steps: UpdateAssumeRolePolicy on role/Elsewhere, then AssumeRole on role/Batch, then Decrypt; allowed only if"; !strings.HasPrefix(got, want) {
		t.Errorf("summary %q, want it to start with %q", got, want)
	}
	d.send(push(newEscalationPathScreen(c, reportsKey, p))())
	ps := d.m.top().(*escalationPathScreen)
	if want := []string{deployer, batch, batch}; strings.Join(ps.dests, " ") != strings.Join(want, " ") {
		t.Errorf("enter's destinations %v, want %v", ps.dests, want)
	}
	v := d.screen()
	for _, want := range []string{
		"⇡ MAY GAIN", "Step 1 of 3", "iam:UpdateAssumeRolePolicy", "target      " + outside,
		"Step 3 of 3  ? CONDITIONAL  kms:Decrypt", "Conditions only the live request can settle",
		"kms:EncryptionContext:department",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("the path view lacks %q:\n%s", want, v)
		}
	}
	d.keys("] ] enter")
	if got := d.crumbs(); !strings.HasSuffix(got, "escalation Deployer › Batch") {
		t.Errorf("enter on the last step reached %q, want its principal", got)
	}
}

// The Who-can tab with an escalation entry and the path view, at 80×24 and
// 160×48.
func TestEscalationGolden(t *testing.T) {
	cases := []struct{ name, keys string }{
		{"key-who-escalation", "/ t:reports enter enter G"},
		{"escalation-path", "/ t:reports enter enter G enter"},
	}
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		for _, tc := range cases {
			name := tc.name + "-" + itoa(size[0]) + "x" + itoa(size[1])
			t.Run(name, func(t *testing.T) {
				d := newDriver(t, size[0], size[1], WithEscalation())
				d.keys(tc.keys)
				got := d.screen()
				if n := strings.Count(got, "\n"); n != size[1] {
					t.Errorf("%d lines, want %d", n, size[1])
				}
				for i, l := range strings.Split(got, "\n") {
					if w := ansi.StringWidth(l); w > size[0] {
						t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, size[0], l)
					}
				}
				golden(t, name, got)
			})
		}
	}
}

// A resize re-wraps the path and keeps the selected step's lines known.
func TestEscalationPathResize(t *testing.T) {
	d := newDriver(t, 120, 40, WithEscalation())
	d.keys("/ t:reports enter enter G enter ]")
	ps := d.m.top().(*escalationPathScreen)
	wide := ps.starts[1]
	d.send(tea.WindowSizeMsg{Width: 40, Height: 12})
	if ps.starts[1] <= wide {
		t.Errorf("at 40 columns step 2 starts on line %d, not below %d at 120", ps.starts[1], wide)
	}
	d.keys("[ ]")
	if ps.offset == 0 || ps.offset > ps.starts[1] {
		t.Errorf("] at 40×12 scrolled to %d, want step 2 (line %d) on screen", ps.offset, ps.starts[1])
	}
}
