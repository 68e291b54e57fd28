package scanner

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/keyhound/keyhound/graph/arn"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/atomicfile"
)

// A scan's journal holds the accounts it has finished, so that a scan that
// dies (killed, out of memory, the laptop lid closed) loses only the
// accounts in flight: a file of JSON lines beside the snapshot
// (JournalPath), mode 0600, its first line a JournalHeader, then one
// {"account", "data"} line per account as it completes (the snapshot's
// Account shape), each appended and synced before the next account may be.
// It holds what the snapshot holds, never credentials. The last entry of an
// account wins.

// JournalFormat names the journal format, in its header.
const JournalFormat = "keyhound.scan-journal/v1"

// JournalPath is the journal of a scan writing the snapshot out.
func JournalPath(out string) string { return out + ".journal" }

// JournalHeader is a journal's first line: what the scan was asked, for a
// resume to check it asks the same.
type JournalHeader struct {
	Format    string          `json:"format"`
	StartedAt string          `json:"started_at,omitempty"`
	Tool      *snapshot.Tool  `json:"tool,omitempty"`
	Org       bool            `json:"org,omitempty"`
	Accounts  []string        `json:"accounts,omitempty"`
	Scope     *snapshot.Scope `json:"scope,omitempty"`
}

// NewJournalHeader describes a scan with these options.
func NewJournalHeader(o Options) JournalHeader {
	return JournalHeader{
		Format: JournalFormat, StartedAt: time.Now().UTC().Format(time.RFC3339),
		Tool: &snapshot.Tool{Name: "keyhound", Version: o.Version}, Org: o.Org, Accounts: o.Accounts,
		Scope: &snapshot.Scope{Regions: o.Regions, Services: slices.Clone(scannedServices)},
	}
}

type journalEntry struct {
	Account string            `json:"account"`
	Data    *snapshot.Account `json:"data"`
}

// Journal appends finished accounts to a journal file; safe for concurrent
// use.
type Journal struct {
	mu   sync.Mutex
	f    *os.File
	path string
	n    int
	err  error // the first failure
}

// OpenJournal starts the journal at path with header h, or, when one is
// there, goes on appending to it (after its last whole line: a line cut
// short by a crash is dropped).
func OpenJournal(path string, h JournalHeader) (*Journal, error) {
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("journal: %w", err)
		}
		j := &Journal{f: f, path: path}
		if err := j.line(h); err != nil {
			_ = f.Close()
			_ = os.Remove(path)
			return nil, err
		}
		atomicfile.SyncDir(filepath.Dir(path))
		return j, nil
	case err != nil:
		return nil, fmt.Errorf("journal: %w", err)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("journal %s: not a regular file", path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{f: f, path: path}
	// Cut a torn last line, so that the next entry starts a line of its own.
	whole := int64(bytes.LastIndexByte(data, '\n') + 1)
	if err := f.Truncate(whole); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("journal: %w", err)
	}
	if whole == 0 { // nothing whole, not even the header
		if err := j.line(h); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return j, nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// line appends v as one JSON line and syncs it.
func (j *Journal) line(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("journal %s: %w", j.path, err)
	}
	return nil
}

// Add records a finished account. A failure is kept (Err) and returned;
// the entries after it are still tried.
func (j *Journal) Add(id string, a *snapshot.Account) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	err := j.line(journalEntry{Account: id, Data: a})
	if err != nil && j.err == nil {
		j.err = err
	}
	if err == nil {
		j.n++
	}
	return err
}

// Added counts the accounts recorded by this Journal.
func (j *Journal) Added() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.n
}

// Err is the first failure to record an account.
func (j *Journal) Err() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Close closes the journal, keeping the file.
func (j *Journal) Close() error { return j.f.Close() }

// Remove closes the journal and deletes it: its accounts are in a written
// snapshot.
func (j *Journal) Remove() error {
	_ = j.f.Close()
	if err := os.Remove(j.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("journal: %w", err)
	}
	return nil
}

// JournalRead is what ReadJournal found.
type JournalRead struct {
	// Header is nil when not even the header was written whole.
	Header *JournalHeader
	// Snapshot holds the journal's accounts (the last entry of each), and
	// the header's scope.
	Snapshot *snapshot.Snapshot
	// Entries counts the account lines; Torn is set when the last line was
	// cut short (a crash while it was written) and left out.
	Entries int
	Torn    bool
}

// ReadJournal reads a journal. A line that is not what a journal holds is
// an error naming the file and line.
func ReadJournal(path string) (JournalRead, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return JournalRead{}, err
	}
	res := JournalRead{Snapshot: &snapshot.Snapshot{Format: snapshot.Format, Accounts: map[string]*snapshot.Account{}}}
	whole := bytes.LastIndexByte(data, '\n') + 1
	res.Torn = whole < len(data)
	if whole == 0 {
		return res, nil // not even the header was written whole
	}
	for n, line := range bytes.Split(data[:whole-1], []byte("\n")) {
		if n == 0 {
			var h JournalHeader
			if err := json.Unmarshal(line, &h); err != nil || h.Format != JournalFormat {
				return JournalRead{}, fmt.Errorf("%s line 1: not a keyhound scan journal (want format %q)", path, JournalFormat)
			}
			res.Header = &h
			res.Snapshot.Scope, res.Snapshot.Tool = h.Scope, h.Tool
			continue
		}
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		var e journalEntry
		if err := json.Unmarshal(line, &e); err != nil {
			return JournalRead{}, fmt.Errorf("%s line %d: %w", path, n+1, err)
		}
		if !arn.IsAccountID(e.Account) || e.Data == nil {
			return JournalRead{}, fmt.Errorf("%s line %d: account: want a 12-digit account ID and its data", path, n+1)
		}
		res.Snapshot.Accounts[e.Account] = e.Data
		res.Entries++
	}
	return res, nil
}

// IsJournal reports whether the file at path is a scan journal (told by
// its first line).
func IsJournal(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer func() { _ = f.Close() }()
	buf := make([]byte, 512)
	n, _ := f.Read(buf)
	line, _, _ := bytes.Cut(buf[:n], []byte("\n"))
	return bytes.Contains(line, []byte(`"format":"`+JournalFormat+`"`))
}
