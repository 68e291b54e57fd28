package graphcache

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/atomicfile"
	"github.com/keyhound/keyhound/internal/version"
)

// EnvDir names the environment variable that overrides the cache
// directory.
const EnvDir = "KEYHOUND_CACHE_DIR"

// Ext ends every cache file's name.
const Ext = ".khc"

// Options say where the cache is and whether to use it.
type Options struct {
	// Dir is the cache directory; "" is $KEYHOUND_CACHE_DIR, else
	// os.UserCacheDir()/keyhound. It is created with mode 0700.
	Dir string
	// Disabled loads the snapshot's JSON and neither reads nor writes a
	// cache.
	Disabled bool
	// Progress, when not nil, is told each stage: reading the snapshot
	// (bytes), reading the cache, parsing the JSON, decoding accounts,
	// writing the cache. It is called from Load's goroutine.
	Progress func(Progress)
	// Version is the keyhound version a cache must be written by; ""
	// is version.Full(). Tests set it.
	Version string
	// Derive, when not nil, is called on a Miss or a Rebuilt, once the
	// JSON is decoded and before the cache file is written, from Load's
	// goroutine: the bytes it returns (a small result derived from the
	// snapshot, opaque to the cache) are kept in the file, section
	// "derived", checked like the others, and given back as
	// Result.Derived by a later Load that hits. It must not modify the
	// snapshot or its load errors: they are written after it returns. A
	// nil slice or an error writes the file without the section (the
	// error is the caller's to report); an empty non-nil slice is kept
	// as an empty section. It is not called when the cache is disabled
	// or its directory cannot be used.
	Derive func(*snapshot.Snapshot, []snapshot.LoadError) ([]byte, error)
}

// Progress is one step of Load.
type Progress struct {
	Stage       string
	Done, Total int64
	Unit        string // "bytes", "accounts", or "" when nothing is counted
}

// Stages Load reports (besides "reading NAME").
const (
	StageReadingCache     = "reading the cache"
	StageParsingJSON      = "parsing the JSON"
	StageDecodingAccounts = "decoding accounts"
	StageWritingCache     = "writing the cache"
)

// Status is what Load did with the cache.
type Status int

const (
	// Disabled is a load that neither read nor wrote the cache.
	Disabled Status = iota
	// Hit is a snapshot read from the cache.
	Hit
	// Miss is a snapshot with no cache file: the JSON was decoded (and a
	// cache written unless Result.Warning says why not).
	Miss
	// Rebuilt is a cache file there but not usable (Result.Reason): the
	// JSON was decoded and the cache written again.
	Rebuilt
)

func (s Status) String() string {
	return [...]string{"disabled", "hit", "miss", "rebuilt"}[s]
}

// Result says what Load did.
type Result struct {
	Status Status
	// Path is the cache file ("" when Disabled).
	Path string
	// Reason is why a cache file was not used (Rebuilt): a *StaleError or
	// *CorruptError's text.
	Reason string
	// Warning is a cache that could not be written (or its directory
	// made): the snapshot loaded all the same.
	Warning error
	// Pruned counts the other cache files removed after this one was
	// written (prune.go: unused for KeepFor, or beyond KeepMax).
	Pruned int
	// Derived is, on a Hit, a copy of the bytes Options.Derive returned
	// when the file was written (empty, not nil, when they were empty);
	// nil when the file has no such section (Derive was nil, returned
	// nil or an error) and on any other Status.
	Derived []byte
}

// Load reads the snapshot file path and returns it with its load errors,
// from the cache when a sound one was written for these very bytes (and
// this keyhound), else from its JSON, writing the cache for next time. An
// error is the snapshot's (it cannot be read, or is not a snapshot:
// nothing is written) or ctx's; a cache that cannot be read, written or
// trusted is never one. Errors name the file; one that is not a snapshot
// wraps snapshot.ErrNotSnapshot.
func Load(ctx context.Context, path string, o Options) (*snapshot.Snapshot, []snapshot.LoadError, Result, error) {
	report := func(p Progress) {
		if o.Progress != nil {
			o.Progress(p)
		}
	}
	if !o.Disabled && o.Version == "" {
		// A dev build hashes its own executable (buildID): on another
		// CPU while the snapshot is read and hashed (115 MB: 80 ms).
		go buildID()
	}
	var res Result
	dir, err := o.dir()
	if o.Disabled || err != nil {
		if !o.Disabled {
			res.Warning = err
		}
		data, err := readFile(ctx, path, report)
		if err != nil {
			return nil, nil, Result{}, err
		}
		s, errs, err := decodeJSON(path, data, report)
		return s, errs, res, err
	}
	// A hit needs a file's hash, not its bytes: they are read again on a
	// miss (30 MB of heap at 5,000 accounts that a hit never used). A
	// pipe can be read once: whole, and hashed.
	var data []byte
	var sum [sha256.Size]byte
	var size int64
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		sum, size, err = hashFile(ctx, path, report)
		if err != nil {
			return nil, nil, Result{}, err
		}
	} else {
		if data, err = readFile(ctx, path, report); err != nil {
			return nil, nil, Result{}, err
		}
		sum, size = sha256.Sum256(data), int64(len(data))
	}
	id := identity{Version: o.Version, Fingerprint: Fingerprint(), Snapshot: sum}
	if id.Version == "" {
		id.Version = buildID()
	}
	res.Path = filepath.Join(dir, fileName(id))
	res.Status = Miss
	if cached, mapped, err := readCacheFile(res.Path, int(size)); err == nil {
		report(Progress{Stage: StageReadingCache})
		s, errs, derived, err := decodeFile(ctx, cached, mapped, id, func(done, total int) {
			report(Progress{Stage: StageDecodingAccounts, Done: int64(done), Total: int64(total), Unit: "accounts"})
		})
		if err == nil {
			res.Status, res.Derived = Hit, derived
			touch(res.Path, time.Now())
			return s, errs, res, nil
		}
		if ctx.Err() != nil {
			return nil, nil, res, ctx.Err()
		}
		res.Status, res.Reason = Rebuilt, err.Error()
	} else if !errors.Is(err, fs.ErrNotExist) {
		res.Status, res.Reason = Rebuilt, err.Error()
	}
	if data == nil {
		if data, err = readFile(ctx, path, report); err != nil {
			return nil, nil, Result{}, err
		}
		// The key is the hash of the bytes decoded: a file changed since
		// it was hashed gets a cache of what was read.
		if again := sha256.Sum256(data); again != id.Snapshot {
			id.Snapshot = again
			res.Path = filepath.Join(dir, fileName(id))
		}
	}
	s, errs, err := decodeJSON(path, data, report)
	if err != nil {
		return nil, nil, res, err
	}
	var derived []byte
	if o.Derive != nil {
		if d, err := o.Derive(s, errs); err == nil {
			derived = d
		}
	}
	report(Progress{Stage: StageWritingCache})
	if err := writeCache(res.Path, s, errs, derived, id); err != nil {
		res.Warning = err
	} else {
		res.Pruned = prune(dir, res.Path, time.Now())
	}
	return s, errs, res, nil
}

// decodeJSON decodes the snapshot's bytes (gzip-compressed or not); an
// error names the file.
func decodeJSON(path string, data []byte, report func(Progress)) (*snapshot.Snapshot, []snapshot.LoadError, error) {
	report(Progress{Stage: StageParsingJSON})
	s, errs, err := snapshot.LoadReporting(bytes.NewReader(data), func(done, total int) {
		report(Progress{Stage: StageDecodingAccounts, Done: int64(done), Total: int64(total), Unit: "accounts"})
	})
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, errs, nil
}

// dir is the cache directory, created 0700 when absent.
func (o Options) dir() (string, error) {
	dir, err := o.dirName()
	if err != nil {
		return "", err
	}
	// The directory is the user's choice (option, environment) or theirs
	// by default: nothing to sanitize.
	if err := os.MkdirAll(dir, 0o700); err != nil { //nolint:gosec // G703: see above
		return "", fmt.Errorf("cache directory: %w", err)
	}
	if err := checkDir(dir); err != nil {
		return "", fmt.Errorf("cache directory not used: %w", err)
	}
	return dir, nil
}

// dirName is the cache directory's name: o.Dir, $KEYHOUND_CACHE_DIR, else
// os.UserCacheDir()/keyhound.
func (o Options) dirName() (string, error) {
	dir := o.Dir
	if dir == "" {
		dir = os.Getenv(EnvDir)
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("cache directory: %w (set %s)", err, EnvDir)
		}
		dir = filepath.Join(base, "keyhound")
	}
	return dir, nil
}

// writeCache writes the cache file atomically (derived as its "derived"
// section unless nil): a reader sees no file or the whole of it; on
// failure nothing is left.
func writeCache(path string, s *snapshot.Snapshot, errs []snapshot.LoadError, derived []byte, id identity) error {
	f, err := atomicfile.CreateIn(filepath.Dir(path))
	if err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	defer f.Abort()
	w := bufio.NewWriterSize(f, 1<<20)
	if err := encodeFile(w, s, errs, derived, id); err != nil {
		return fmt.Errorf("write cache %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write cache %s: %w", path, err)
	}
	// A link or anything else planted under the cache file's name is
	// replaced, not followed.
	if err := f.CommitAs(path); err != nil {
		return fmt.Errorf("write cache: %w", err)
	}
	return nil
}

// openSnapshot opens the snapshot file at path, with the progress of
// reading it (Total: its size when it is a regular file).
func openSnapshot(path string) (*os.File, Progress, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, Progress{}, fmt.Errorf("open snapshot: %w", err)
	}
	var size int64
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, Progress{Stage: "reading " + filepath.Base(path), Total: size, Unit: "bytes"}, nil
}

// snapshotReader reads an open snapshot file at most 4 MiB a call,
// telling report each read (when the file's size is known) and stopping
// once ctx is done: hashFile's and readFile's reads.
type snapshotReader struct {
	ctx    context.Context //nolint:containedctx // the reader's own: io.Reader takes none
	f      *os.File
	path   string
	p      Progress
	report func(Progress)
}

func (r *snapshotReader) Read(b []byte) (int, error) {
	if err := r.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.f.Read(b[:min(len(b), 4<<20)])
	r.p.Done += int64(n)
	if r.p.Total > 0 {
		r.report(r.p)
	}
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%s: read snapshot: %w", r.path, err)
	}
	return n, err
}

// openReader opens the snapshot file at path for hashFile or readFile.
func openReader(ctx context.Context, path string, report func(Progress)) (*snapshotReader, error) {
	f, p, err := openSnapshot(path)
	if err != nil {
		return nil, err
	}
	return &snapshotReader{ctx: ctx, f: f, path: path, p: p, report: report}, nil
}

// hashFile returns the SHA-256 of path's bytes and their number, read a
// MiB at a time, telling progress as readFile does.
func hashFile(ctx context.Context, path string, report func(Progress)) (sum [sha256.Size]byte, n int64, err error) {
	r, err := openReader(ctx, path, report)
	if err != nil {
		return sum, 0, err
	}
	defer func() { _ = r.f.Close() }()
	h := sha256.New()
	if n, err = io.CopyBuffer(h, r, make([]byte, 1<<20)); err != nil {
		return sum, 0, err
	}
	h.Sum(sum[:0])
	return sum, n, nil
}

// readFile reads path whole, telling progress in bytes of its size, and
// stops once ctx is done.
func readFile(ctx context.Context, path string, report func(Progress)) ([]byte, error) {
	r, err := openReader(ctx, path, report)
	if err != nil {
		return nil, err
	}
	defer func() { _ = r.f.Close() }()
	buf := bytes.NewBuffer(make([]byte, 0, r.p.Total+1))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var fingerprint = sync.OnceValue(func() string {
	var parts []string
	seen := map[reflect.Type]bool{}
	for _, v := range []any{meta{}, (*snapshot.Organization)(nil), []loadError(nil), snapshot.LoadError{}, (*snapshot.Account)(nil)} {
		layout(reflect.TypeOf(v), seen, &parts)
	}
	slices.Sort(parts)
	sum := sha256.Sum256([]byte(fmt.Sprintf("format %d\n%s", FormatVersion, strings.Join(parts, "\n"))))
	return hex.EncodeToString(sum[:8])
})

// Fingerprint identifies the layout of the types a cache file holds
// (every field's name and type, found by reflection): a build whose
// snapshot types differ rejects the other's cache even when their version
// strings are the same (two dev builds).
func Fingerprint() string { return fingerprint() }

// maxCacheRatio bounds a cache file's size by its snapshot's: a cache is
// smaller than the snapshot's JSON (a fifth of it), and the JSON is at
// most a few hundred times its gzip; a larger file is not ours.
const maxCacheRatio = 1024

// readCacheFile returns the bytes of a cache file that openCacheFile
// accepts and whose size is plausible for a snapshot of snapshotSize
// bytes: mapped read-only where the system can (mapped true: they never
// change, and the decoded strings can be them, mapFile), else read into
// memory. Mapping a 5,000-account organization's cache saves reading
// 180 MB into the heap and copying its 140 MB of strings out again.
func readCacheFile(path string, snapshotSize int) (b []byte, mapped bool, err error) {
	f, size, err := openCacheFile(path)
	if err != nil {
		return nil, false, err
	}
	defer func() { _ = f.Close() }()
	if limit := int64(snapshotSize)*maxCacheRatio + 1<<20; size > limit {
		return nil, false, fmt.Errorf("%s: %d bytes, more than a cache of this snapshot can be", path, size)
	}
	if b, err := mapFile(f, size); err == nil {
		return b, true, nil
	}
	buf := make([]byte, size)
	if _, err := io.ReadFull(f, buf); err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	return buf, false, nil
}

// fileName is a cache file's name: the snapshot's SHA-256, then a short
// hash of the keyhound that writes it (version and type fingerprint), so
// that two keyhounds used in turn on one snapshot keep a file each rather
// than rewriting one.
func fileName(id identity) string {
	build := sha256.Sum256([]byte(id.Version + "\x00" + id.Fingerprint))
	return hex.EncodeToString(id.Snapshot[:]) + "-" + hex.EncodeToString(build[:buildHashLen/2]) + Ext
}

// buildHashLen is the number of hex digits of the build's hash in a name.
const buildHashLen = 12

// buildID names this keyhound in a cache file: its version, and when the
// version does not name its code exactly (a dev build, a dirty tree, a
// build without version control) the SHA-256 of its own executable too, so
// that a build of changed code never trusts a cache an earlier one wrote.
var buildID = sync.OnceValue(func() string {
	v := version.Full()
	if exactVersion(v) {
		return v
	}
	exe, err := os.Executable()
	if err != nil {
		return v + " (executable unknown)"
	}
	f, err := os.Open(exe) //nolint:gosec // G304: our own executable
	if err != nil {
		return v + " (executable unreadable)"
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return v + " (executable unreadable)"
	}
	return v + " (executable " + hex.EncodeToString(h.Sum(nil)[:8]) + ")"
})

// exactVersion reports whether v, version.Full()'s, names released code:
// not "dev", not a dirty tree.
func exactVersion(v string) bool {
	return !strings.HasPrefix(v, "dev") && !strings.Contains(v, "dirty")
}
