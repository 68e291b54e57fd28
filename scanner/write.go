package scanner

import (
	"io"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/atomicfile"
)

// WriteFile writes a snapshot atomically with mode 0600 (internal/atomicfile):
// to a temporary file in the same directory, synced, then renamed, so a
// crash never leaves half a file and a failed write leaves an existing file
// as it was. A name ending in .gz is gzip-compressed.
func WriteFile(path string, s *snapshot.Snapshot) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		return snapshot.Write(w, s, strings.HasSuffix(path, ".gz"))
	})
}
