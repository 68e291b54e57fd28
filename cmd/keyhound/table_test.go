package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// tableCases are tables whose layout is easy to get wrong: blocks that a
// line without tabs, or with fewer cells, breaks; rune widths; padding that
// ends a line; and the bytes tabwriter treats specially.
var tableCases = [][]string{
	nil,
	{},
	{""},
	{"", ""},
	{"a"},
	{"a\tb"},
	{"ALLOW\trole\tarn:aws:iam::111111111111:role/admin\t", "CONDITIONAL\tuser\tarn:aws:iam::111111111111:user/bob\tvia x"},
	// A line with no tab ends every block; the next starts afresh.
	{"a\tb\tc", "heading", "longer cell\tb\tc", "x\ty"},
	{"a\tb", "", "ccc\td"},
	// Ragged: the line with one tab breaks the second column's block, not the first's.
	{"a\tbb\tc", "aaaa\tb", "a\tb\tc", "a\tbbbbbbb\tc\td\te"},
	{"1\t2\t3\t4", "1\t2", "1\t2\t3\t4", "1", "1\t2\t3\t4"},
	{"x\t\t\ty", "\t\t\t", "\t", "\t\tz"},
	// Trailing tabs: the last cell is empty, the padding before it dropped.
	{"a\t", "bbbbbb\t", "c\td\t"},
	// Rune widths: é and → and 世 are one column each, however many bytes.
	{"é\tx", "ee\tx", "→→→\ty", "世界\tz", "a\u0301\tcombining"},
	// Invalid UTF-8: each stray byte counts as one rune.
	{"\x80\tx", "\xe4\xb8\ty", "ok\tz", "\xc3\t\xc3"},
	// Spaces in the text: ending a line they go, inside it they stay.
	{"a \tb ", "c  \t", "  \t  ", "d\t  e  "},
	{"trailing   ", "   leading\tx", "mid  dle\t"},
	// Rows holding newlines are several lines, in the same blocks.
	{"a\tb\nccc\td", "eeeee\tf\n\ng\th", "\n", "i\n"},
	{"a\tb\n"},
	// The bytes tabwriter treats specially: the whole table goes through it.
	{"a\vb\tc", "dd\te"},
	{"a\tb\fc\td", "eee\tf"},
	{"a\xff\t\xffb\tc", "dd\te"},
	{"a\xffb\tc", "d\te"},
	{"x\tsome\fform\ffeed\t"},
	// HTML is plain text without tabwriter.FilterHTML.
	{"<b>bold</b>\t&amp;", "x\ty"},
	{"\r\tcarriage\r", "\x00\tnul"},
	{strings.Repeat("w", 150) + "\tx", "y\tz"},
	{strings.Repeat("\t", 70) + "x", strings.Repeat("a\t", 70)},
}

// checkTable fails t when writeTable's output for rows is not tabwriterTable's.
func checkTable(t *testing.T, rows []string) {
	t.Helper()
	var want, got bytes.Buffer
	if err := tabwriterTable(&want, rows); err != nil {
		t.Fatal(err)
	}
	if err := writeTable(&got, rows); err != nil {
		t.Fatal(err)
	}
	if got.String() != want.String() {
		t.Errorf("rows %q:\n got %q\nwant %q", rows, got.String(), want.String())
	}
	// The size writeBlocks's buffer starts at is enough.
	if _, size, ok := tableBlocks(rows); ok && len(rows) > 0 && got.Len() > size {
		t.Errorf("rows %q: %d bytes written, %d measured", rows, got.Len(), size)
	}
}

// writeTable prints what text/tabwriter and trimming printed (tabwriterTable).
func TestWriteTableMatchesTabwriter(t *testing.T) {
	for _, rows := range tableCases {
		checkTable(t, rows)
	}
	// Each case also as one row and as the rows of its lines.
	for _, rows := range tableCases {
		text := strings.Join(rows, "\n")
		checkTable(t, []string{text})
		checkTable(t, strings.Split(text, "\n"))
	}
}

// writeTable's output spelled out: columns two spaces apart in their blocks,
// é one column wide, no line ending in a space.
func TestWriteTableLayout(t *testing.T) {
	var b bytes.Buffer
	rows := []string{"ALLOW\trole\tarn:aws:iam::1:role/a\t", "CONDITIONAL\tuser\tarn:aws:iam::1:user/é\tvia x", "note", "a\tb"}
	if err := writeTable(&b, rows); err != nil {
		t.Fatal(err)
	}
	want := "ALLOW        role  arn:aws:iam::1:role/a\n" +
		"CONDITIONAL  user  arn:aws:iam::1:user/é  via x\n" +
		"note\n" +
		"a  b\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

// writeCounter counts the Write calls it takes, failing them with err.
type writeCounter struct {
	writes int
	err    error
}

func (w *writeCounter) Write(p []byte) (int, error) {
	w.writes++
	if w.err != nil {
		return 0, w.err
	}
	return len(p), nil
}

// writeTable writes a table of up to tableChunk bytes in one call, a larger
// one in chunks of that size, and returns the writer's error.
func TestWriteTableWrites(t *testing.T) {
	for _, tc := range []struct {
		rows   []string
		writes int
	}{
		{whoCanRows(100), 1},
		{whoCanRows(10_000), 17}, // 1,056,367 bytes
	} {
		var w writeCounter
		if err := writeTable(&w, tc.rows); err != nil || w.writes != tc.writes {
			t.Errorf("writeTable of %d rows: %d writes, error %v; want %d, nil", len(tc.rows), w.writes, err, tc.writes)
		}
	}
	broken := errors.New("broken pipe")
	for _, rows := range [][]string{{"a\tb"}, {"a\vb"}, whoCanRows(10_000)} {
		if err := writeTable(&writeCounter{err: broken}, rows); !errors.Is(err, broken) {
			t.Errorf("writeTable of %d rows to a failing writer: %v, want %v", len(rows), err, broken)
		}
	}
}

// FuzzWriteTable holds writeTable to tabwriterTable on any text, as rows of
// one line each and as one row. The seed corpus runs with go test.
func FuzzWriteTable(f *testing.F) {
	for _, rows := range tableCases {
		f.Add(strings.Join(rows, "\n"))
	}
	f.Fuzz(func(t *testing.T, text string) {
		checkTable(t, strings.Split(text, "\n"))
		checkTable(t, []string{text})
	})
}

// Random tables of the pieces that matter to the layout, with fixed seeds,
// so that every go test explores beyond tableCases: as tabwriterTable.
func TestWriteTableRandom(t *testing.T) {
	pieces := []string{"\t", "\t", "\t", "\n", "a", "bbbb", "é", "世", "→", " ", "  ", "\x80", "\xe4\xb8", ""}
	r := rand.New(rand.NewPCG(2, 2026))
	for range 3000 {
		rows := make([]string, r.IntN(8))
		for i := range rows {
			var b strings.Builder
			for range r.IntN(12) {
				b.WriteString(pieces[r.IntN(len(pieces))])
			}
			rows[i] = b.String()
		}
		checkTable(t, rows)
		if t.Failed() {
			return
		}
	}
}

// whoCanRows are n rows shaped like a who-can's at 5,000 accounts: three
// padded cells, then notes on one row in three.
func whoCanRows(n int) []string {
	decisions := []string{"ALLOW", "CONDITIONAL"}
	kinds := []string{"role", "user", "account", "service"}
	rows := make([]string, n)
	for i := range rows {
		account := 100000000001 + i%5000
		row := fmt.Sprintf("%s\t%s\tarn:aws:iam::%d:role/role-%d\t", decisions[i%7/6], kinds[i%4], account, i%97)
		if i%3 == 0 {
			row += fmt.Sprintf("via arn:aws:iam::%d:role/x → arn:aws:iam::%d:role/y; kms:EncryptionContext:aws:s3:arn is arn:aws:s3:::bucket-%d", account+1, account, i%11)
		}
		rows[i] = row
	}
	return rows
}

// BenchmarkWriteTable lays out the 113,000 rows of a who-can at 5,000
// accounts, with tabwriter and trimming (the old writeTable) and without.
// Run: go test -run '^$' -bench WriteTable -benchmem ./cmd/keyhound/
func BenchmarkWriteTable(b *testing.B) {
	rows := whoCanRows(113_000)
	for _, bc := range []struct {
		name  string
		write func(io.Writer, []string) error
	}{
		{"tabwriter", tabwriterTable},
		{"aligned", writeTable},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var out bytes.Buffer
			if err := bc.write(&out, rows); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(out.Len()))
			for b.Loop() {
				if err := bc.write(io.Discard, rows); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
