package snapshot

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
)

// Write writes s as JSON, gzip-compressed when compress is set. Sections
// that were not collected (nil) are left out; collected empty lists are
// written as [].
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
	enc := json.NewEncoder(out)
	enc.SetIndent("", " ")
	if err := enc.Encode(s); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if zw != nil {
		if err := zw.Close(); err != nil {
			return fmt.Errorf("write snapshot: %w", err)
		}
	}
	return nil
}
