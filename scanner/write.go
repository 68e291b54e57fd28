package scanner

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
)

// WriteFile writes a snapshot atomically with mode 0600: to a temporary file
// in the same directory, synced, then renamed, so a crash never leaves half a
// file. A name ending in .gz is gzip-compressed.
func WriteFile(path string, s *snapshot.Snapshot) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, ".keyhound-snapshot-*")
	if err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	tmp := f.Name()
	defer func() { _ = os.Remove(tmp) }() // no-op once renamed
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := snapshot.Write(f, s, strings.HasSuffix(path, ".gz")); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write snapshot: %w", err)
	}
	return nil
}
