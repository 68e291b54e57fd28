package ui

// The program as a whole and its views (denied, diff, help, footer,
// breadcrumb) through Update.

import (
	"context"
	"image/color"
	"io"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/diff"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// The whole program starts, renders and quits without a terminal.
func TestProgramSmoke(t *testing.T) {
	g := demoGraph(t)
	m := New(g, g.Snapshot, "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	p := tea.NewProgram(m, tea.WithInput(nil), tea.WithOutput(io.Discard), tea.WithWindowSize(80, 24), tea.WithContext(ctx))
	go p.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final, err := p.Run()
	if err != nil {
		t.Fatal(err)
	}
	if !final.(*Model).quitting {
		t.Fatal("the program ended without quitting")
	}
}

// Styles follow the terminal's background; the trace is redrawn with them.
func TestLightBackground(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys("/ t:reports enter enter enter")
	why, ok := d.m.top().(*whyScreen)
	if !ok {
		t.Fatalf("not on a trace: %s", d.crumbs())
	}
	before := strings.Join(why.lines, "\n")
	d.send(tea.BackgroundColorMsg{Color: color.White})
	if d.m.c.Styles.IsDark {
		t.Fatal("a white background should give the light styles")
	}
	if strings.Join(why.lines, "\n") == before {
		t.Error("the trace was not redrawn with the light styles")
	}
	if ansi.Strip(strings.Join(why.lines, "\n")) != ansi.Strip(before) {
		t.Error("the trace's text changed with the background")
	}
}

// The on-call path: paste an AccessDenied error, read the layers and the
// fix; a message that hides the caller asks for it.
func TestDeniedView(t *testing.T) {
	d := newDriver(t, 120, 40)
	d.keys("5")
	ds, ok := d.m.top().(*deniedScreen)
	if !ok || !ds.Capturing() {
		t.Fatalf("5 should open the AccessDenied input: %s", d.crumbs())
	}
	d.send(tea.PasteMsg{Content: "User: arn:aws:iam::444444444444:role/Tinkerer is not authorized to perform: kms:Decrypt on resource: arn:aws:kms:us-east-1:111111111111:key/1d6a2f4e-0000-4000-8000-00000000a001 with an explicit deny in a service control policy"})
	d.keys("enter")
	screen := d.screen()
	for _, want := range []string{"an explicit deny in a service control policy", "✗ DENY", "denied by scp (explicit deny)", "✓ agrees with the message", "Smallest fix", "aws organizations update-policy"} {
		if !strings.Contains(screen, want) {
			t.Errorf("lacks %q:\n%s", want, screen)
		}
	}
	golden(t, "denied-scp-120x40", screen)
	// Keys go to the report now: q quits, / pastes another.
	d.keys("/")
	if !ds.Capturing() {
		t.Fatal("/ should reopen the input")
	}
	d.send(tea.PasteMsg{Content: "User: *** is not authorized to perform: kms:Decrypt on the resource associated with this ciphertext because no identity-based policy allows the kms:Decrypt action"})
	d.keys("enter")
	if ds.asking != "principal" {
		t.Fatalf("a hidden caller should be asked for, asking %q: %v", ds.asking, ds.err)
	}
	d.send(tea.PasteMsg{Content: "arn:aws:iam::222222222222:user/dilip"})
	d.keys("enter")
	if ds.asking != "key" {
		t.Fatalf("a hidden key should be asked for, asking %q: %v", ds.asking, ds.err)
	}
	d.send(tea.PasteMsg{Content: "arn:aws:s3:::kh-demo-legacy-exports"})
	d.keys("enter")
	if ds.report == nil || !strings.Contains(d.screen(), "AWS managed key cannot be used from another account") {
		t.Fatalf("no remedy for the aws/s3 bucket:\n%s", d.screen())
	}
}

// The diff view: the new access, and the statement behind it.
func TestDiffView(t *testing.T) {
	old := demoGraph(t)
	s, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	keys := s.Accounts["111111111111"].Regions["us-east-1"].KMS.Keys
	for i := range keys {
		if strings.HasSuffix(keys[i].KeyMetadata.Arn, "a004") {
			p := strings.Replace(*keys[i].Policy, `"Statement": [`, `"Statement": [{"Sid":"CopierDecrypts","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/SnapshotCopier"},"Action":"kms:Decrypt","Resource":"*"},`, 1)
			if p == *keys[i].Policy {
				p = strings.Replace(*keys[i].Policy, `"Statement":[`, `"Statement":[{"Sid":"CopierDecrypts","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:role/SnapshotCopier"},"Action":"kms:Decrypt","Resource":"*"},`, 1)
			}
			keys[i].Policy = &p
		}
	}
	cur := graph.Build(s, nil)
	r, err := diff.Compare(context.Background(), old, cur, diff.Options{})
	if err != nil || len(r.Changes) != 1 {
		t.Fatalf("diff: %v, %d changes", err, len(r.Changes))
	}
	d := &driver{t: t, m: New(cur, cur.Snapshot, "new.json", WithDiff(r, "old.json"))}
	d.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	d.run(d.m.Init())
	screen := d.screen()
	for _, want := range []string{"7 Diff", "+1 new", "role/SnapshotCopier", "alias/secrets", "statement added", "CopierDecrypts"} {
		if !strings.Contains(screen, want) {
			t.Errorf("lacks %q:\n%s", want, screen)
		}
	}
	golden(t, "diff-120x30", screen)
	d.keys("enter")
	if got := d.crumbs(); got != "Diff › alias/secrets" {
		t.Fatalf("enter on a change: %q", got)
	}
	// A click on the selected change opens it too: the list is found
	// above the change's causes.
	d.keys("esc")
	d.send(click(5, d.lineOf("role/SnapshotCopier")))
	if got := d.crumbs(); got != "Diff › alias/secrets" {
		t.Fatalf("click on the selected change: %q\n%s", got, d.screen())
	}
}

// Without colour or attributes (TERM=dumb, NO_COLOR: Bubble Tea's ASCII
// profile drops both), the active tab is still told apart: bracketed, at
// the same width as the others, so the tab bar does not shift.
func TestActiveTabVisibleWithoutColour(t *testing.T) {
	d := newDriver(t, 120, 30)
	d.keys("2")
	bar := strings.SplitN(ansi.Strip(d.screen()), "\n", 2)[0]
	if !strings.Contains(bar, "[2 Principals]") || strings.Contains(bar, "[1 Keys]") {
		t.Fatalf("tab bar %q", bar)
	}
	d.keys("1")
	again := strings.SplitN(ansi.Strip(d.screen()), "\n", 2)[0]
	if !strings.Contains(again, "[1 Keys]") || len(again) != len(bar) {
		t.Fatalf("tab bar %q, then %q", bar, again)
	}
}

// While a text input has the keyboard (the list filter, the jump, the
// access-denied paste), the footer lists only the keys that work there —
// not ?, q, : or tab, which are typed into the input — and tab or
// shift+tab leave the input: the filter is kept, the jump cancelled, the
// pasted text stays.
func TestInputsFooterAndTabLeaves(t *testing.T) {
	footer := func(d *driver) string {
		lines := strings.Split(strings.TrimRight(ansi.Strip(d.screen()), "\n "), "\n")
		return lines[len(lines)-1]
	}
	lying := []string{"? help", "q quit", ": jump", "tab next tab", "s sort"}
	check := func(d *driver, what string, want ...string) {
		t.Helper()
		f := footer(d)
		for _, l := range lying {
			if strings.Contains(f, l) {
				t.Errorf("%s: footer lists %q, which the input takes as text: %q", what, l, f)
			}
		}
		for _, w := range append(want, "ctrl+c quit") {
			if !strings.Contains(f, w) {
				t.Errorf("%s: footer lacks %q: %q", what, w, f)
			}
		}
	}
	for _, leave := range []string{"tab", "shift+tab"} {
		d := newDriver(t, 160, 48)
		d.keys("/ r e p")
		check(d, "filter", "enter/tab keep filter", "esc clear")
		d.keys(leave)
		if d.m.top().Capturing() || !strings.Contains(ansi.Strip(d.screen()), "rep") {
			t.Errorf("%s did not leave the filter keeping it", leave)
		}
		if f := footer(d); !strings.Contains(f, "? help") {
			t.Errorf("out of the filter, the footer is the list's again: %q", f)
		}

		d.keys(":")
		check(d, "jump", "enter jump", "esc/tab cancel")
		d.keys(leave)
		if d.m.jumping {
			t.Errorf("%s did not leave the jump", leave)
		}

		d.keys("5")
		if !d.m.top().Capturing() {
			t.Fatal("the access-denied view does not open on its input")
		}
		check(d, "access denied", "enter explain", "esc/tab leave the input")
		d.keys(leave)
		if d.m.top().Capturing() {
			t.Errorf("%s did not leave the access-denied input", leave)
		}
	}
}

// ? help fits 80×24: every group whole (the list's own keys included, on a
// row of their own when the width runs out), each key once, and the
// sections the tab bar shows — no scan or diff section without its tab.
func TestHelpFits80x24(t *testing.T) {
	for _, path := range []string{"?", "enter ?"} {
		d := newDriver(t, 80, 24)
		d.keys(path)
		screen := ansi.Strip(d.screen())
		for _, want := range []string{"1 keys", "5 access denied", "next tab", "jump to any name", "y copy ARN", "e export", "q quit", "↑/k up", "/   filter", "sort/reverse", "✓ ALLOW"} {
			if !strings.Contains(screen, want) {
				t.Errorf("%s: help lacks %q:\n%s", path, want, screen)
			}
		}
		for _, unwanted := range []string{"6 scan", "7 diff"} {
			if strings.Contains(screen, unwanted) {
				t.Errorf("%s: help shows %q:\n%s", path, unwanted, screen)
			}
		}
		for _, line := range strings.Split(screen, "\n") {
			if strings.HasSuffix(strings.TrimSpace(line), "…") {
				t.Errorf("%s: a line is cut: %q", path, line)
			}
		}
		if n := strings.Count(screen, " open"); n != 1 {
			t.Errorf("%s: enter listed %d times:\n%s", path, n, screen)
		}
	}
}

// TestBreadcrumbKeepsWhereYouAre: a breadcrumb wider than the terminal
// drops its middle crumbs for "…", keeping the section and the screen on
// top, rather than cutting the end (where you are).
func TestBreadcrumbKeepsWhereYouAre(t *testing.T) {
	d := newDriver(t, 30, 24)
	d.keys("/ t:reports enter enter")
	top := d.m.top().Crumb()
	d.keys("enter") // who can decrypt → why
	if d.m.top().Crumb() == top {
		t.Fatalf("enter opened nothing: %q", d.crumbs())
	}
	line := ansi.Strip(strings.Split(d.screen(), "\n")[1])
	want := d.m.top().Crumb()
	if len(want) > 30 {
		want = want[:30]
	}
	if !strings.HasPrefix(line, "Keys › … › ") || !strings.Contains(line, want) {
		t.Errorf("breadcrumb %q: want Keys › … › %s…", line, want)
	}
}
