package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/atomicfile"
	"github.com/keyhound/keyhound/internal/plural"
	"github.com/keyhound/keyhound/scanner"
)

// Never losing a scan (docs/scan.md): -o is checked before anything is
// collected; a partial scan does not replace an existing snapshot (it is
// written beside it, NAME.partial.json.gz, unless --force); accounts are
// journaled as they finish (NAME.journal) until the snapshot is written;
// --resume keeps what an earlier snapshot or journal holds complete.

// prepare runs before any AWS call: it checks the output path, loads what
// --resume names, and refuses to start over a journal it was not asked to
// resume. Notes go to f.log.
func (f *scanFlags) prepare() error {
	if f.out != "" {
		if err := atomicfile.Check(f.out); err != nil {
			return fmt.Errorf("-o %w", err)
		}
	}
	journal := ""
	if f.out != "" {
		journal = scanner.JournalPath(f.out)
	}
	if f.resume == "" {
		if journal != "" && exists(journal) {
			return fmt.Errorf("%s exists: a scan writing %s was interrupted; finish it with --resume %s (the same flags), or remove the journal to scan afresh", journal, f.out, journal)
		}
		return nil
	}
	old, err := f.loadResume(journal)
	if err != nil {
		return err
	}
	f.so.Resume = old
	return scanner.CheckResume(f.so)
}

// loadResume reads what --resume names: a snapshot or a journal (told by
// its content), or, for a snapshot that does not exist, its journal. The
// journal beside -o, when there is one, is read too: its accounts are
// newer.
func (f *scanFlags) loadResume(outJournal string) (*snapshot.Snapshot, error) {
	src := f.resume
	var old *snapshot.Snapshot
	var read string // the journal read, if any
	switch {
	case scanner.IsJournal(src):
		s, err := f.readJournal(src)
		if err != nil {
			return nil, err
		}
		old, read = s, src
	case exists(src):
		s, err := loadResumeSnapshot(src, f.log)
		if err != nil {
			return nil, err
		}
		old = s
	case exists(scanner.JournalPath(src)):
		j := scanner.JournalPath(src)
		s, err := f.readJournal(j)
		if err != nil {
			return nil, err
		}
		old, read = s, j
	default:
		return nil, fmt.Errorf("--resume %s: no such snapshot or journal (nor %s)", src, scanner.JournalPath(src))
	}
	if outJournal != "" && exists(outJournal) && !samePath(outJournal, read) {
		s, err := f.readJournal(outJournal)
		if err != nil {
			return nil, err
		}
		for id, a := range s.Accounts {
			old.Accounts[id] = a
		}
	}
	return old, nil
}

// readJournal reads a journal for --resume, checking it is of the same
// scan, and says so.
func (f *scanFlags) readJournal(path string) (*snapshot.Snapshot, error) {
	r, err := scanner.ReadJournal(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	if h := r.Header; h != nil {
		var regions []string
		if h.Scope != nil {
			regions = h.Scope.Regions
		}
		// With --profiles the accounts are known once the profiles are read.
		sameAccounts := f.profiles != "" || sameList(h.Accounts, f.so.Accounts)
		if h.Org != f.so.Org || !sameAccounts || !sameList(regions, f.so.Regions) {
			return nil, fmt.Errorf("--resume: %s is of another scan (%s); give the same --org, --accounts (or --profiles) and --regions", path, describeScan(h.Org, h.Accounts, regions))
		}
	}
	torn := ""
	if r.Torn {
		torn = " (its last line, cut short, left out)"
	}
	_, _ = fmt.Fprintf(f.log, "keyhound: resuming from %s: %s finished by an interrupted scan%s\n", path, plural.Count(len(r.Snapshot.Accounts), "account"), torn)
	return r.Snapshot, nil
}

// loadResumeSnapshot loads a snapshot for --resume. An account with a part
// that does not load is read again rather than kept without it.
func loadResumeSnapshot(path string, log io.Writer) (*snapshot.Snapshot, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--resume: %w", err)
	}
	defer func() { _ = file.Close() }()
	s, lerrs, err := snapshot.Load(file)
	if err != nil {
		return nil, fmt.Errorf("--resume %s: %w", path, err)
	}
	dropped := map[string]bool{}
	for _, e := range lerrs {
		if e.Account != "" && s.Accounts[e.Account] != nil {
			delete(s.Accounts, e.Account)
			dropped[e.Account] = true
			_, _ = fmt.Fprintf(log, "keyhound: --resume %s: %s; account %s will be read again\n", path, e.Error(), e.Account)
		}
	}
	_, _ = fmt.Fprintf(log, "keyhound: resuming from %s: %s\n", path, plural.Count(len(s.Accounts), "account"))
	return s, nil
}

// openJournal starts the journal beside -o (or goes on with the one
// resumed) and has the scan record each account in it.
func (f *scanFlags) openJournal() error {
	if f.out == "" {
		return nil
	}
	path := scanner.JournalPath(f.out)
	existed := exists(path)
	j, err := scanner.OpenJournal(path, scanner.NewJournalHeader(f.so))
	if err != nil {
		return err
	}
	f.journal, f.journalExisted = j, existed
	f.so.OnAccount = func(id string, a *snapshot.Account) { _ = j.Add(id, a) }
	return nil
}

// finish writes a scan's snapshot where it belongs and settles the
// journal: removed once the snapshot is written, kept otherwise (a failed
// scan, a failed write) unless it holds nothing.
func (f *scanFlags) finish(d scanDone) scanDone {
	if d.err == nil && f.out != "" {
		d.written = f.out
		if !d.res.Complete && !f.force && !absent(f.out) {
			d.written = partialPath(f.out)
		}
		d.err = scanner.WriteFile(d.written, d.snap)
		if d.err != nil {
			d.written = ""
		}
	}
	if j := f.journal; j != nil {
		d.journalErr = j.Err()
		switch {
		case d.written != "":
			if err := j.Remove(); err != nil && d.journalErr == nil {
				d.journalErr = err
			}
		case j.Added() == 0 && !f.journalExisted:
			_ = j.Remove() // a scan that failed before any account: nothing to keep
		default:
			_ = j.Close()
			d.journal = j.Path()
		}
	}
	return d
}

// partialPath is where a partial scan is written when a snapshot is at
// path: beside it, ".partial" before its extension (x.json.gz →
// x.partial.json.gz, x.json → x.partial.json).
func partialPath(path string) string {
	ext := filepath.Ext(path)
	for _, e := range []string{".json.gz", ".json", ".gz"} {
		if strings.HasSuffix(path, e) && len(path) > len(e) {
			ext = e
			break
		}
	}
	return strings.TrimSuffix(path, ext) + ".partial" + ext
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// absent reports whether nothing is at path (anything else, or a path that
// cannot be told, counts as there).
func absent(path string) bool {
	_, err := os.Lstat(path)
	return errors.Is(err, fs.ErrNotExist)
}

func samePath(a, b string) bool {
	if a == "" || b == "" {
		return false
	}
	x, err1 := filepath.Abs(a)
	y, err2 := filepath.Abs(b)
	return err1 == nil && err2 == nil && x == y
}

func sameList(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func describeScan(org bool, accounts, regions []string) string {
	var parts []string
	if org {
		parts = append(parts, "--org")
	}
	if len(accounts) > 0 {
		parts = append(parts, "--accounts "+strings.Join(accounts, ","))
	}
	if len(regions) > 0 {
		parts = append(parts, "--regions "+strings.Join(regions, ","))
	} else {
		parts = append(parts, "every enabled Region")
	}
	return strings.Join(parts, " ")
}

// reportWritten says where the snapshot went, and why when it is not -o.
func reportWritten(w io.Writer, out string, d scanDone) {
	kept := ""
	if d.res.Kept > 0 {
		kept = fmt.Sprintf(" (%d kept from --resume)", d.res.Kept)
	}
	if d.written != out {
		_, _ = fmt.Fprintf(w, "keyhound: the scan is partial and %s exists: not replaced (--force replaces it); written beside it\n", out)
	}
	_, _ = fmt.Fprintf(w, "keyhound: wrote %s: %s%s, %s\n", d.written, plural.Count(d.res.Accounts, "account"), kept, plural.Count(d.res.Errors, "error"))
}
