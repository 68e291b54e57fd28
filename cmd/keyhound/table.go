package main

import (
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"
)

// tablePadding is the number of spaces that at least follow a column's widest
// cell: tabwriter's padding in tabwriterTable, which writes it on its own so
// that the tests hold writeTable to tabwriter, not to this constant.
const tablePadding = 2

// writeTable writes tab-separated rows as aligned columns, without trailing
// spaces. Its output is tabwriterTable's, byte for byte (table_test.go checks
// it by fuzzing), made in two passes over the rows with no copy of them: a
// who-can at 5,000 accounts prints 113,000 rows, which tabwriter took 0.3 s
// over. Rows holding a byte tabwriter treats specially ('\v', '\f', its
// Escape '\xff') go through tabwriterTable.
//
// The rules, tabwriter's for minwidth 0, padding 2, padchar ' ' and no
// flags: a row is one line or several ('\n'); a line's cells are the text
// between its tabs, every one but the last tab-terminated. Column c's blocks
// are the maximal runs of consecutive lines with more than c tab-terminated
// cells; in a block, a tab-terminated cell c is padded with spaces to the
// block's width, its widest cell's rune count plus tablePadding. The last
// cell of a line is never padded, and spaces ending a line are dropped.
func writeTable(w io.Writer, rows []string) error {
	if len(rows) == 0 {
		rows = []string{""} // as tabwriterTable: the text "\n", one empty line
	}
	blocks, size, ok := tableBlocks(rows)
	if !ok {
		return tabwriterTable(w, rows)
	}
	return writeBlocks(w, rows, blocks, size)
}

// A tableBlock is one block of a column: the lines it spans are told by the
// order blocks open in, which tableBlocks and writeBlocks both follow.
type tableBlock struct {
	width int // the widest cell's rune count plus tablePadding
	cells int // how many cells it pads, for the size of the output
}

// tableBlocks measures the column blocks of rows, in the order they open
// going down the lines, and the output's size before trailing spaces are
// dropped. It reports false when a row holds a byte tabwriter treats
// specially, for which these rules are not its.
func tableBlocks(rows []string) (blocks []tableBlock, size int, ok bool) {
	var open []int // open[c]: the block of column c the previous line is in, an index of blocks
	for _, row := range rows {
		if strings.IndexByte(row, '\v') >= 0 || strings.IndexByte(row, '\f') >= 0 || strings.IndexByte(row, tabwriter.Escape) >= 0 {
			return nil, 0, false
		}
		for rest, more := row, true; more; {
			var line string
			line, rest, more = strings.Cut(rest, "\n")
			c := 0
			for {
				i := strings.IndexByte(line, '\t')
				if i < 0 {
					break
				}
				n := utf8.RuneCountInString(line[:i])
				if c == len(open) {
					open = append(open, len(blocks))
					blocks = append(blocks, tableBlock{})
				}
				b := &blocks[open[c]]
				b.width = max(b.width, n+tablePadding)
				b.cells++
				size += i - n // bytes beyond one per rune; the block adds the width
				line = line[i+1:]
				c++
			}
			open = open[:c]
			size += len(line) + 1
		}
	}
	for _, b := range blocks {
		size += b.width * b.cells
	}
	return blocks, size, true
}

// spaces is padding to append from; wider padding takes it several times.
const spaces = "                                                                "

// tableChunk is how much of a table writeBlocks writes at a time: a small
// table in one Write, a large one without holding all its text.
const tableChunk = 64 << 10

// writeBlocks writes the lines of rows to w laid out in blocks, the column
// blocks tableBlocks measured of the same rows, whose output is at most size
// bytes. A cell's padding is appended only once text follows it on its line,
// so that no line ends in padding; spaces ending the cells' own text are
// dropped at the line's end.
func writeBlocks(w io.Writer, rows []string, blocks []tableBlock, size int) error {
	// Room for a chunk and the line that crosses its end (a longer line
	// grows buf, once); a chunk is written before the line that follows it,
	// so that the last Write holds the last line.
	buf := make([]byte, 0, min(size, 2*tableChunk))
	var open []int // as in tableBlocks
	next := 0      // the block that opens next
	for _, row := range rows {
		for rest, more := row, true; more; {
			var line string
			line, rest, more = strings.Cut(rest, "\n")
			if len(buf) >= tableChunk {
				if _, err := w.Write(buf); err != nil {
					return err
				}
				buf = buf[:0]
			}
			start := len(buf)
			pad, c := 0, 0 // pad: spaces owed before the next text
			for {
				i := strings.IndexByte(line, '\t')
				if i < 0 {
					break
				}
				if c == len(open) {
					open = append(open, next)
					next++
				}
				if i > 0 {
					buf = appendSpaces(buf, pad)
					buf = append(buf, line[:i]...)
					pad = 0
				}
				pad += blocks[open[c]].width - utf8.RuneCountInString(line[:i])
				line = line[i+1:]
				c++
			}
			open = open[:c]
			if line != "" {
				buf = appendSpaces(buf, pad)
				buf = append(buf, line...)
			}
			for len(buf) > start && buf[len(buf)-1] == ' ' {
				buf = buf[:len(buf)-1]
			}
			buf = append(buf, '\n')
		}
	}
	_, err := w.Write(buf)
	return err
}

// appendSpaces appends n spaces to buf.
func appendSpaces(buf []byte, n int) []byte {
	for n > len(spaces) {
		buf = append(buf, spaces...)
		n -= len(spaces)
	}
	return append(buf, spaces[:n]...)
}

// tabwriterTable writes rows as writeTable does, through text/tabwriter: the
// rows writeTable cannot lay out itself, and the reference its tests hold it to.
func tabwriterTable(w io.Writer, rows []string) error {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	if _, err := io.WriteString(tw, strings.Join(rows, "\n")+"\n"); err != nil {
		return err
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return writeTrimmed(w, b.String())
}

// writeTrimmed writes text with trailing spaces removed from every line.
func writeTrimmed(w io.Writer, text string) error {
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
	}
	_, err := io.WriteString(w, strings.Join(lines, "\n"))
	return err
}
