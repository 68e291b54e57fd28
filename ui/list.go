package ui

import (
	"cmp"
	"slices"
	"strconv"
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// column is one column of a list: a fixed minimum width, and a share of the
// spare width when flex > 0.
type column struct {
	title string
	min   int
	flex  int
}

// row is one line of a list. cells are plain text; the list styles them.
type row struct {
	id     string // what enter opens and y copies: an ARN, mostly
	cells  []string
	search string // lower-case text the filter looks in
	// kind colours the row's decision or severity cell (column 0).
	kind string
	ref  any // what the row stands for, for the screen that owns the list
	// sortAs, when a cell has one, is what s sorts it by instead of its
	// text ("" keeps the text): a number for "3d ago".
	sortAs []string
}

// sortKey is what column c sorts by.
func (r *row) sortKey(c int) string {
	if c < len(r.sortAs) && r.sortAs[c] != "" {
		return r.sortAs[c]
	}
	return r.cells[c]
}

// list is a virtualized, filterable, sortable table: only the rows on screen
// are rendered, and filtering narrows the rows already shown when the query
// only grows.
type list struct {
	c      *Common
	cols   []column
	widths []int
	// natural is each column's widest cell (or its title with room for
	// the sort indicator), measured once per SetRows; longest is the
	// widest cell alone.
	natural, longest []int
	// preview is the number of lines under the rows that show the full
	// text of the selected row's cut cells: reserved when a column is cut.
	preview int
	rows    []row
	shown   []int // indices into rows, in display order
	cursor  int   // index into shown
	offset  int
	width   int
	height  int
	filter  string
	// sortCol is the column sorted by (-1: the order rows were given in).
	sortCol int
	desc    bool
	// empty is what the list says without rows; one ending in "…"
	// ("computing…") says they are being computed, with the spinner.
	empty string
	// searchOf, when set, makes the search text of a row given without
	// one (else its cells and id); searched says every row has its text.
	// Made on the first filter, on every CPU, not with the rows: the
	// keys list's 120,000 texts were a tenth of its first frame (made
	// on its first keystroke, they add 0.08 s to it). Rows built in the background
	// (principals, resources) come with theirs: 505,000 principals' held
	// a first keystroke 0.4 s.
	searchOf func(r *row) string
	searched bool
}

func newList(c *Common, cols []column, empty string) *list {
	return &list{c: c, cols: cols, sortCol: -1, empty: empty}
}

// SetRows replaces the rows, keeping the filter, the sort and, when it is
// still there, the row under the cursor.
func (l *list) SetRows(rows []row) {
	keep := l.SelectedID()
	l.rows = rows
	l.natural, l.longest = make([]int, len(l.cols)), make([]int, len(l.cols))
	l.searched = false
	for i := range l.rows {
		r := &l.rows[i]
		for j, cell := range r.cells[:min(len(r.cells), len(l.cols))] {
			l.longest[j] = max(l.longest[j], cellWidth(cell))
		}
	}
	for i, c := range l.cols {
		l.natural[i] = max(l.longest[i], cellWidth(c.title)+2) // room for " ↑"
	}
	l.layout()
	l.refilter(true)
	if keep != "" {
		l.SelectID(keep)
	}
}

// SetSize sets the list's outer size: one header line and height-1 rows.
func (l *list) SetSize(w, h int) {
	l.width, l.height = w, max(h, 2)
	l.layout()
	l.clamp()
}

// layout gives each column the width its content needs: a column narrower
// than its minimum gives the rest back (an empty one keeps its title), and
// the width left is shared by flex among the columns still cut, then among
// all flex columns once nothing is cut.
func (l *list) layout() {
	n := len(l.cols)
	l.widths = make([]int, n)
	spare := l.width - 2 - (n - 1) // 2 for the cursor gutter, 1 between columns
	want := make([]int, n)
	for i, c := range l.cols {
		want[i] = c.min
		if l.natural != nil {
			want[i] = l.natural[i]
		}
		l.widths[i] = min(c.min, want[i])
		spare -= l.widths[i]
	}
	// First to the cut columns, by flex; then to the cut fixed ones.
	spare = l.share(spare, want, func(i int) int { return l.cols[i].flex })
	spare = l.share(spare, want, func(int) int { return 1 })
	// Nothing is cut: the flex columns with content take the rest, so rows
	// fill the line; an empty column stays as wide as its title.
	all := make([]int, n)
	for i := range all {
		all[i] = l.widths[i] + max(spare, 0)
	}
	l.share(spare, all, func(i int) int {
		if l.natural != nil && l.natural[i] <= cellWidth(l.cols[i].title)+2 {
			return 0
		}
		return l.cols[i].flex
	})
	// A cut column: the selected row's full text is shown under the rows.
	l.preview = 0
	for i := range l.longest {
		if l.longest[i] > l.widths[i] {
			l.preview = min(3, (l.height-2)/4)
			break
		}
	}
}

// share hands spare cells to the columns narrower than want, in proportion
// to weight, until each has what it wants or nothing is left; it returns
// what is left.
func (l *list) share(spare int, want []int, weight func(int) int) int {
	for spare > 0 {
		total := 0
		for i := range l.cols {
			if l.widths[i] < want[i] {
				total += weight(i)
			}
		}
		if total == 0 {
			return spare
		}
		given := 0
		for i := range l.cols {
			if l.widths[i] >= want[i] || weight(i) == 0 {
				continue
			}
			add := min(max(spare*weight(i)/total, 1), want[i]-l.widths[i], spare-given)
			l.widths[i] += add
			given += add
		}
		if given == 0 {
			return spare
		}
		spare -= given
	}
	return spare
}

// SetFilter shows only the rows whose text contains every word of q.
func (l *list) SetFilter(q string) {
	q = strings.ToLower(strings.TrimSpace(q))
	narrower := strings.HasPrefix(q, l.filter) && l.filter != ""
	l.filter = q
	l.refilter(!narrower)
}

func (l *list) refilter(all bool) {
	words := strings.Fields(l.filter)
	if len(words) > 0 {
		l.makeSearch()
	}
	match := func(r *row) bool {
		for _, w := range words {
			if !strings.Contains(r.search, w) {
				return false
			}
		}
		return true
	}
	var from []int
	if all {
		from = make([]int, len(l.rows))
		for i := range l.rows {
			from[i] = i
		}
		l.sortIndices(from)
	} else {
		from = l.shown
	}
	shown := from[:0:0]
	for _, i := range from {
		if match(&l.rows[i]) {
			shown = append(shown, i)
		}
	}
	l.shown = shown
	l.clamp()
}

// makeSearch gives every row without a search text its text (searchOf).
func (l *list) makeSearch() {
	if l.searched {
		return
	}
	onEveryCPU(len(l.rows), func(lo, hi int) {
		for i := lo; i < hi; i++ {
			r := &l.rows[i]
			switch {
			case r.search != "":
			case l.searchOf != nil:
				r.search = l.searchOf(r)
			default:
				r.search = strings.ToLower(strings.Join(r.cells, " ") + " " + r.id)
			}
		}
	})
	l.searched = true
}

// SortBy sorts by column col, toggling the direction when it already is.
func (l *list) SortBy(col int) {
	if col == l.sortCol {
		l.desc = !l.desc
	} else {
		l.sortCol, l.desc = col, false
	}
	keep := l.SelectedID()
	l.sortIndices(l.shown)
	l.SelectID(keep)
}

// CycleSort is what `s` does: a column sorted ascending is reversed, one
// sorted descending (or none) gives way to the next column, ascending; after
// the last column, the order the rows were given in.
func (l *list) CycleSort() {
	switch {
	case l.sortCol >= 0 && !l.desc:
		l.SortBy(l.sortCol)
	case l.sortCol+1 < len(l.cols):
		l.SortBy(l.sortCol + 1)
	default:
		keep := l.SelectedID()
		l.sortCol, l.desc = -1, false
		l.sortIndices(l.shown)
		l.SelectID(keep)
	}
}

func (l *list) sortIndices(idx []int) {
	if l.sortCol < 0 {
		slices.Sort(idx)
		return
	}
	c := l.sortCol
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := l.rows[a].sortKey(c), l.rows[b].sortKey(c)
		var r int
		xn, xerr := strconv.Atoi(x)
		yn, yerr := strconv.Atoi(y)
		if xerr == nil && yerr == nil {
			r = cmp.Compare(xn, yn)
		} else {
			r = strings.Compare(x, y)
		}
		if r == 0 {
			r = cmp.Compare(a, b)
		}
		if l.desc {
			return -r
		}
		return r
	})
}

// Move moves the cursor by n rows.
func (l *list) Move(n int) {
	l.cursor += n
	l.clamp()
}

// Top and Bottom move the cursor to the first or last row.
func (l *list) Top()    { l.cursor = 0; l.clamp() }
func (l *list) Bottom() { l.cursor = len(l.shown) - 1; l.clamp() }

// Page is the number of rows on screen.
func (l *list) Page() int { return max(l.height-1-l.preview, 1) }

func (l *list) clamp() {
	l.cursor = max(min(l.cursor, len(l.shown)-1), 0)
	page := l.Page()
	if l.cursor < l.offset {
		l.offset = l.cursor
	}
	if l.cursor >= l.offset+page {
		l.offset = l.cursor - page + 1
	}
	l.offset = max(min(l.offset, len(l.shown)-page), 0)
}

// Selected returns the row under the cursor, or nil.
func (l *list) Selected() *row {
	if len(l.shown) == 0 {
		return nil
	}
	return &l.rows[l.shown[l.cursor]]
}

// SelectedIndex returns the index into the rows given of the row under the
// cursor, or -1.
func (l *list) SelectedIndex() int {
	if len(l.shown) == 0 {
		return -1
	}
	return l.shown[l.cursor]
}

// OnScreen returns the rows on screen, as indices into the rows given, in
// display order.
func (l *list) OnScreen() []int {
	return l.shown[l.offset:min(l.offset+l.Page(), len(l.shown))]
}

// Resort sorts the rows shown again, by the column sorted by, for cells
// that changed since; the cursor stays on its row.
func (l *list) Resort() {
	keep := l.SelectedID()
	l.sortIndices(l.shown)
	l.SelectID(keep)
}

// SelectedID returns the id of the row under the cursor, or "".
func (l *list) SelectedID() string {
	if r := l.Selected(); r != nil {
		return r.id
	}
	return ""
}

// SelectID puts the cursor on the row with that id, if it is shown.
func (l *list) SelectID(id string) {
	for i, ri := range l.shown {
		if l.rows[ri].id == id {
			l.cursor = i
			l.clamp()
			return
		}
	}
}

// Len is the number of rows shown (after filtering) and in all.
func (l *list) Len() (shown, all int) { return len(l.shown), len(l.rows) }

// RowAt is the index into the shown rows of the row at line y of View (0
// is the header), or -1 when no row is there.
func (l *list) RowAt(y int) int {
	i := l.offset + y - 1
	if y < 1 || y > l.Page() || i >= len(l.shown) {
		return -1
	}
	return i
}

// View renders the header and the rows on screen.
func (l *list) View() string {
	s := l.c.Styles
	var b strings.Builder
	hdr := make([]string, len(l.cols))
	for i, c := range l.cols {
		hdr[i] = fit(c.title, l.widths[i])
		if i == l.sortCol {
			// The indicator replaces the title's tail when the column is
			// too narrow for both: the header stays aligned.
			arrow := " ↑"
			if l.desc {
				arrow = " ↓"
			}
			w := l.widths[i]
			hdr[i] = fit(fit(c.title, max(w-2, 0))+arrow, w)
			if cellWidth(c.title)+2 <= w {
				hdr[i] = fit(c.title+arrow, w)
			}
		}
	}
	b.WriteString(s.Header.Render("  " + strings.Join(hdr, " ")))
	if len(l.shown) == 0 {
		msg := l.empty
		switch {
		case l.filter != "":
			msg = "nothing matches “" + l.filter + "”"
		case strings.HasSuffix(msg, "…"):
			// "computing…": the rows are on their way.
			b.WriteString("\n  " + l.c.pending(msg))
			return b.String()
		}
		b.WriteString("\n" + s.Muted.Render("  "+msg))
		return b.String()
	}
	end := min(l.offset+l.Page(), len(l.shown))
	for i := l.offset; i < end; i++ {
		r := &l.rows[l.shown[i]]
		cells := make([]string, len(l.cols))
		for j := range l.cols {
			text := ""
			if j < len(r.cells) {
				text = r.cells[j]
			}
			cells[j] = fit(text, l.widths[j])
			if j == 0 && r.kind != "" {
				cells[j] = l.c.kindStyle(r.kind).Render(cells[j])
			}
		}
		line := strings.Join(cells, " ")
		b.WriteString("\n")
		if i == l.cursor {
			b.WriteString(s.Selected.Render("› " + line))
		} else {
			b.WriteString("  " + line)
		}
	}
	if l.preview > 0 {
		for _, p := range l.previewLines() {
			b.WriteString("\n" + p)
		}
	}
	return b.String()
}

// previewLines are the selected row's cut cells in full, wrapped, each
// after its column's title, in the lines reserved under the rows (right
// under the last one shown); what does not fit there ends in "…".
func (l *list) previewLines() []string {
	r := l.Selected()
	if r == nil {
		return nil
	}
	var src []textLine
	for j, cell := range r.cells[:min(len(r.cells), len(l.cols))] {
		if cellWidth(cell) > l.widths[j] {
			src = append(src, hanging(l.c.Styles.Muted.Render("  ↳ "+l.cols[j].title+" "), cell))
		}
	}
	lines := wrapLines(src, l.width)
	if len(lines) > l.preview {
		lines = lines[:l.preview]
		lines[l.preview-1] = ansi.Truncate(lines[l.preview-1], max(l.width-1, 0), "") + "…"
	}
	return lines
}

// cellWidth is the width of s in cells; plain ASCII (most cells) is
// measured without parsing, so measuring 100k rows stays cheap.
func cellWidth(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return lipgloss.Width(s)
		}
	}
	return len(s)
}

// fit truncates or pads s to exactly w cells.
func fit(s string, w int) string {
	if w <= 0 {
		return ""
	}
	if lipgloss.Width(s) > w {
		return ansi.Truncate(s, w, "…")
	}
	return s + strings.Repeat(" ", w-lipgloss.Width(s))
}
