package snapshot

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"slices"
)

// Write writes s as JSON, gzip-compressed when compress is set. Sections
// that were not collected (nil) are left out; collected empty lists are
// written as [].
//
// The text is json.Encoder's with SetIndent("", " ") for the whole
// snapshot (TestWriteIsTheEncoders holds it to that), but it is made one
// account at a time: the encoder holds the whole document twice, compact
// and indented, which at 10,000 accounts was 7 GB of a generator's 11 GB
// and most of its time. On an error, w may have part of the text: write
// to an atomic file, as every caller does.
func Write(w io.Writer, s *Snapshot, compress bool) error {
	if s.Format == "" {
		s.Format = Format
	}
	out := w
	var zw *gzip.Writer
	if compress {
		zw = gzip.NewWriter(w)
		out = zw
	}
	bw := bufio.NewWriterSize(out, 1<<16)
	if err := writeJSON(bw, s); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	}
	return nil
}

// accountsNull is how the envelope ends, indented, without its accounts:
// they are written in its place.
const accountsNull = `"accounts": null` + "\n}"

// writeJSON writes the snapshot's envelope (every field but the accounts)
// as the encoder would, then each account in ID order, indented as deep as
// the encoder indents it.
func writeJSON(w *bufio.Writer, s *Snapshot) error {
	env := *s
	env.Accounts = nil
	compact, err := json.Marshal(&env)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, compact, "", " "); err != nil {
		return err
	}
	head, ok := bytes.CutSuffix(buf.Bytes(), []byte(accountsNull))
	if !ok {
		return fmt.Errorf("the envelope does not end with its accounts: %q", buf.Bytes()[max(buf.Len()-40, 0):])
	}
	if _, err := w.Write(head); err != nil {
		return err
	}
	if _, err := w.WriteString(`"accounts": `); err != nil {
		return err
	}
	switch {
	case s.Accounts == nil:
		_, _ = w.WriteString("null")
	case len(s.Accounts) == 0:
		_, _ = w.WriteString("{}")
	default:
		_ = w.WriteByte('{')
		ids := make([]string, 0, len(s.Accounts))
		for id := range s.Accounts {
			ids = append(ids, id)
		}
		slices.Sort(ids) // the encoder's order for a map's keys
		var item bytes.Buffer
		for i, id := range ids {
			if i > 0 {
				_ = w.WriteByte(',')
			}
			_, _ = w.WriteString("\n  ")
			key, err := json.Marshal(id)
			if err != nil {
				return err
			}
			_, _ = w.Write(key)
			_, _ = w.WriteString(": ")
			compact, err := json.Marshal(s.Accounts[id])
			if err != nil {
				return fmt.Errorf("account %s: %w", id, err)
			}
			item.Reset()
			if err := json.Indent(&item, compact, "  ", " "); err != nil {
				return err
			}
			// The writer's first error stops the walk: the accounts after
			// it would be encoded for nothing.
			if _, err := w.Write(item.Bytes()); err != nil {
				return err
			}
		}
		_, _ = w.WriteString("\n }")
	}
	_, err = w.WriteString("\n}\n")
	return err // a bufio.Writer keeps its first error: Flush reports it
}
