package ui

import (
	"strings"
	"testing"
)

// Opening what the breadcrumb already shows returns to it instead of
// stacking it twice: enter on a finding in a key's Findings tab once gave
// Findings › alias/open › alias/open.
func TestBreadcrumbNeverRepeats(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys("1 / t:open enter enter")
	if got := d.crumbs(); got != "Keys › alias/open" {
		t.Fatalf("open the key: %q", got)
	}
	ks := d.m.top().(*keyScreen)
	d.send(pushMsg{newKeyScreen(d.m.c, ks.key)})
	if got := d.crumbs(); got != "Keys › alias/open" {
		t.Errorf("pushing the key on top of itself: %q", got)
	}
	if d.m.top() != ks {
		t.Error("the key's screen was replaced, losing its state")
	}
	d.keys("esc")
	if got := d.crumbs(); got != "Keys" {
		t.Errorf("esc: %q, want one step back", got)
	}
}

func TestBreadcrumbFromFindingsTab(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.keys("4 enter enter tab tab tab tab enter")
	if got := d.crumbs(); strings.Count(got, "alias/open") > 1 {
		t.Errorf("breadcrumb repeats the key: %q", got)
	}
}
