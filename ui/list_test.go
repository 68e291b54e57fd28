package ui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/keyhound/keyhound/ui/styles"
)

func testList(cols []column, rows ...[]string) *list {
	l := newList(&Common{Styles: styles.DefaultStyles(true)}, cols, "none")
	var rs []row
	for i, cells := range rows {
		rs = append(rs, row{id: itoa(i), cells: cells})
	}
	l.SetRows(rs)
	return l
}

// Columns take the width their content needs: an empty column shrinks to
// its title (with room for the sort indicator), a short one gives its
// minimum back, and the long ones are not cut while there is room.
func TestColumnWidthsFollowTheContent(t *testing.T) {
	l := testList([]column{{"ALIAS", 12, 3}, {"ACCOUNT", 12, 3}, {"STATE", 8, 1}, {"NOTE", 10, 3}},
		[]string{"alias/a-rather-long-alias-name", "", "PendingDeletion", "short"},
		[]string{"alias/b", "", "Enabled", ""})
	l.SetSize(100, 10)
	if l.widths[1] != len("ACCOUNT")+2 {
		t.Errorf("empty ACCOUNT is %d wide, want its title and the indicator (%d)", l.widths[1], len("ACCOUNT")+2)
	}
	got := ansi.Strip(l.View())
	for _, want := range []string{"alias/a-rather-long-alias-name", "PendingDeletion"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q is cut at 100 columns:\n%s", want, got)
		}
	}
	if sum := l.widths[0] + l.widths[1] + l.widths[2] + l.widths[3] + 2 + 3; sum != 100 {
		t.Errorf("the columns take %d cells, want the full 100", sum)
	}
	// Too narrow for all: the fixed minimums hold, the flex columns are cut.
	l.SetSize(40, 10)
	if l.widths[2] < 8 || l.widths[0] < 12 {
		t.Errorf("at 40 columns the widths %v break the minimums", l.widths)
	}
}

// The sort indicator never moves the columns after it: at any width the
// header's titles start where the rows' cells do.
func TestSortIndicatorKeepsTheHeaderAligned(t *testing.T) {
	for _, w := range []int{20, 30, 40, 80} {
		l := testList([]column{{"DECISION", 8, 0}, {"PRINCIPAL", 4, 2}, {"VIA", 3, 1}},
			[]string{"✓ ALLOW", "role/a-long-role-name", "via role/x"})
		l.SetSize(w, 5)
		for range 2 { // ascending, then descending
			l.CycleSort()
			lines := strings.Split(ansi.Strip(l.View()), "\n")
			hdr, first := lines[0], lines[1]
			if !strings.Contains(hdr, "↑") && !strings.Contains(hdr, "↓") {
				t.Errorf("width %d: no indicator in %q", w, hdr)
			}
			if ansi.StringWidth(hdr) != ansi.StringWidth(first) {
				t.Errorf("width %d: header %q and row %q differ in width", w, hdr, first)
			}
			col := 2 + l.widths[0] + 1 // the cursor gutter, DECISION, a space
			if got := ansi.Cut(first, col, col+1); got != "r" {
				t.Errorf("width %d: the row's PRINCIPAL does not start at cell %d in %q", w, col, first)
			}
			if got := ansi.Cut(hdr, col, col+1); got != "P" {
				t.Errorf("width %d: PRINCIPAL does not start at cell %d in %q (%q there)", w, col, hdr, got)
			}
		}
	}
}

// A cut cell of the selected row is shown in full under the rows, wrapped;
// moving the cursor shows the next row's.
func TestPreviewShowsTheSelectedRowsCutText(t *testing.T) {
	long := "allowed only if kms:EncryptionContext:department EncryptionContextSubset finance"
	l := testList([]column{{"PRINCIPAL", 10, 1}, {"VIA / CONDITION", 10, 1}},
		[]string{"role/Batch", long},
		[]string{"role/Other", "via role/KeyAdmin and then a long chain of roles that is cut"},
		[]string{"role/Short", "short"})
	l.SetSize(60, 14)
	if l.preview == 0 || l.Page() != 14-1-l.preview {
		t.Fatalf("no lines reserved for the preview: preview %d, page %d", l.preview, l.Page())
	}
	got := ansi.Strip(l.View())
	if !strings.Contains(got, "↳ VIA / CONDITION") || !strings.Contains(squeeze(got), squeeze(long)) {
		t.Errorf("the selected row's condition is not shown in full:\n%s", got)
	}
	if strings.Contains(got, "chain of roles that") {
		t.Errorf("another row's text is in the preview:\n%s", got)
	}
	l.Move(1)
	if got := ansi.Strip(l.View()); !strings.Contains(squeeze(got), squeeze("a long chain of roles that is cut")) {
		t.Errorf("the preview does not follow the cursor:\n%s", got)
	}
	l.Move(1)
	if got := ansi.Strip(l.View()); strings.Contains(got, "↳") {
		t.Errorf("nothing of this row is cut, yet a preview shows:\n%s", got)
	}
	// What does not fit in the lines reserved ends in "…".
	l.SetRows([]row{{id: "x", cells: []string{"role/Long", strings.Repeat("condition ", 40)}}})
	lines := strings.Split(ansi.Strip(l.View()), "\n")
	if last := strings.TrimRight(lines[len(lines)-1], " "); !strings.HasSuffix(last, "condition…") && !strings.HasSuffix(last, " …") {
		t.Errorf("a cut preview should end in one …: %q", last)
	}
	// Nothing cut in any row: no room is taken.
	l = testList([]column{{"A", 3, 1}}, []string{"x"})
	l.SetSize(40, 14)
	if l.preview != 0 {
		t.Errorf("preview %d with nothing cut", l.preview)
	}
}

// In the demo, the CONDITIONAL grant's condition is one keystroke away
// from the who-can list at 80×24: the preview line shows it in full.
func TestWhoListPreviewShowsTheCondition(t *testing.T) {
	d := newDriver(t, 80, 24)
	d.keys("/ t:reports enter enter / t:Batch enter")
	if got := d.screen(); !strings.Contains(squeeze(got), squeeze("kms:EncryptionContext:department EncryptionContextSubset finance")) {
		t.Errorf("the condition is not in the preview:\n%s", got)
	}
}
