package ui

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
)

func click(x, y int) tea.MouseClickMsg { return tea.MouseClickMsg{X: x, Y: y, Button: tea.MouseLeft} }

// lineOf is the screen line holding text, or -1.
func (d *driver) lineOf(text string) int {
	for i, l := range strings.Split(d.screen(), "\n") {
		if strings.Contains(l, text) {
			return i
		}
	}
	return -1
}

func TestMouseClickSelectsAndOpensRow(t *testing.T) {
	d := newDriver(t, 100, 30)
	l := d.m.top().(*keysScreen).l
	y := d.lineOf("alias/rds-share")
	if y < 0 {
		t.Fatalf("no alias/rds-share row:\n%s", d.screen())
	}
	// The header and the filter line select nothing.
	d.send(click(5, d.lineOf("ALIAS")))
	d.send(click(5, d.lineOf("of 9")))
	if l.cursor != 0 {
		t.Fatalf("a click above the rows moved the cursor to %d", l.cursor)
	}
	d.send(click(5, y))
	if got := l.SelectedID(); got != l.rows[l.shown[2]].id || len(d.m.stack) != 1 {
		t.Fatalf("click: selected %q, stack %q", got, d.crumbs())
	}
	if !strings.HasPrefix(strings.Split(d.screen(), "\n")[y], "› alias/rds-share") {
		t.Fatalf("clicked row not shown selected:\n%s", d.screen())
	}
	// Below the last row: nothing.
	d.send(click(5, d.lineOf("alias/analytics-copies")+1))
	if l.cursor != 2 {
		t.Fatalf("a click below the rows moved the cursor to %d", l.cursor)
	}
	// A click on the selected row opens it.
	d.send(click(5, y))
	if got := d.crumbs(); got != "Keys › alias/rds-share" {
		t.Fatalf("second click: %q", got)
	}
	// In the key's who-can list, below its header lines.
	wl := d.m.top().(*keyScreen).lists[tabWho].l
	second := wl.rows[wl.shown[1]].cells[1]
	d.send(click(5, d.lineOf(second)))
	if wl.cursor != 1 {
		t.Fatalf("click in the key's list: cursor %d (clicked %q)\n%s", wl.cursor, second, d.screen())
	}
}

func TestMouseClickScrolledAndFiltered(t *testing.T) {
	d := newDriver(t, 100, 12) // a body of 8 lines: the list scrolls
	l := d.m.top().(*keysScreen).l
	d.keys("G")
	if l.offset == 0 {
		t.Fatal("the list did not scroll")
	}
	y := d.lineOf("alias/aws/s3")
	d.send(click(3, y))
	if got := l.Selected().cells[0]; got != "alias/aws/s3" {
		t.Fatalf("click on a scrolled list selected %q", got)
	}
	// A click while filtering ends the filter input and selects.
	d.keys("g / t:share")
	d.send(click(3, d.lineOf("alias/rds-share")))
	if d.m.top().Capturing() || l.Selected().cells[0] != "alias/rds-share" {
		t.Fatalf("click while filtering: capturing %v, selected %q", d.m.top().Capturing(), l.Selected().cells[0])
	}
}

func TestMouseClickTabBar(t *testing.T) {
	d := newDriver(t, 100, 30)
	bar := strings.Split(d.screen(), "\n")[0]
	x := strings.Index(bar, "3 Resources")
	if x < 0 {
		t.Fatalf("tab bar %q", bar)
	}
	d.send(click(x+2, 0))
	if d.m.sec != secResources {
		t.Fatalf("click on 3 Resources: section %d", d.m.sec)
	}
	d.send(click(strings.Index(bar, "Principals"), 0))
	if d.m.sec != secPrincipals {
		t.Fatalf("click on Principals: section %d", d.m.sec)
	}
	// The title, and a gap between labels, change nothing.
	d.send(click(1, 0))
	d.send(click(strings.Index(bar, "3 Resources")-2, 0))
	if d.m.sec != secPrincipals {
		t.Fatalf("click off the labels: section %d", d.m.sec)
	}
	// A right click does nothing.
	d.send(tea.MouseClickMsg{X: x + 2, Y: 0, Button: tea.MouseRight})
	if d.m.sec != secPrincipals {
		t.Fatal("a right click switched sections")
	}
}

// A principal's screen has five lines above its list: clicks land on the
// row drawn under them.
func TestMouseClickPrincipalScreen(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys("2 / t:user/dilip enter enter")
	ps, ok := d.m.top().(*principalScreen)
	if !ok {
		t.Fatalf("at %q", d.crumbs())
	}
	l := ps.lists[0].l
	if len(l.shown) < 3 {
		t.Fatalf("%d rows", len(l.shown))
	}
	third := l.rows[l.shown[2]].cells[1]
	y := d.lineOf(third)
	d.send(click(20, y))
	if l.cursor != 2 {
		t.Fatalf("click on %q (line %d): cursor %d\n%s", third, y, l.cursor, d.screen())
	}
	d.send(click(20, y))
	if !strings.HasPrefix(d.crumbs(), "Principals › dilip › why ") {
		t.Fatalf("second click: %q", d.crumbs())
	}
}

// While jumping, a click chooses a completion; a second click jumps.
func TestMouseClickCompletion(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys(": t:dilip")
	y := d.lineOf("user/dilip-no-policy")
	d.send(click(10, d.lineOf("ALIAS"))) // above the completions: nothing
	if d.m.jumpm.sel != 0 || !d.m.jumping {
		t.Fatalf("a click above the completions: selected %d", d.m.jumpm.sel)
	}
	d.send(click(10, y))
	if !strings.HasPrefix(strings.Split(d.screen(), "\n")[y], "› principal user/dilip-no-policy") {
		t.Fatalf("clicked completion not selected:\n%s", d.screen())
	}
	d.send(click(10, y))
	if p, ok := d.m.top().(*principalScreen); !ok || !strings.HasSuffix(p.p.ARN, "user/dilip-no-policy") || d.m.jumping {
		t.Fatalf("second click: at %q, jumping %v", d.crumbs(), d.m.jumping)
	}
}
