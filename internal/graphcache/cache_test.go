package graphcache

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// writeOrg writes a generated organization to a gzip-compressed snapshot
// file and returns its path.
func writeOrg(t *testing.T, seed uint64) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "org.json.gz")
	writeOrgTo(t, path, seed)
	return path
}

func writeOrgTo(t *testing.T, path string, seed uint64) {
	t.Helper()
	var buf bytes.Buffer
	org := gen.Organization(gen.Options{Accounts: 6, Regions: 2, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 1, Seed: seed, EscalationShare: 0.3})
	if err := snapshot.Write(&buf, org, true); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

// fromJSON loads path without the cache: what every load must equal.
func fromJSON(t *testing.T, path string) (*snapshot.Snapshot, []snapshot.LoadError) {
	t.Helper()
	s, errs, res, err := Load(context.Background(), path, Options{Disabled: true})
	if err != nil || res.Status != Disabled || res.Path != "" {
		t.Fatalf("disabled load: %v, %+v", err, res)
	}
	return s, errs
}

func load(t *testing.T, path string, o Options) (*snapshot.Snapshot, []snapshot.LoadError, Result) {
	t.Helper()
	s, errs, res, err := Load(context.Background(), path, o)
	if err != nil {
		t.Fatal(err)
	}
	if res.Warning != nil {
		t.Fatalf("warning: %v", res.Warning)
	}
	return s, errs, res
}

// writeCacheOf loads path once into dir, which writes its cache file, and
// returns that file's path.
func writeCacheOf(t *testing.T, path, dir string) string {
	t.Helper()
	_, _, res := load(t, path, Options{Dir: dir})
	if res.Status != Miss || res.Path == "" {
		t.Fatalf("first load: %+v", res)
	}
	return res.Path
}

func cacheFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestSecondLoadHits(t *testing.T) {
	path := writeOrg(t, 1)
	want, wantErrs := fromJSON(t, path)
	dir := filepath.Join(t.TempDir(), "cache", "keyhound")
	o := Options{Dir: dir}
	s, errs, res := load(t, path, o)
	if res.Status != Miss || !strings.HasSuffix(res.Path, Ext) || filepath.Dir(res.Path) != dir {
		t.Fatalf("first load: %+v", res)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("first load differs from the JSON's")
	}
	sameLoadErrors(t, errs, wantErrs)
	var stages []string
	o.Progress = func(p Progress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	}
	s, errs, res = load(t, path, o)
	if res.Status != Hit {
		t.Fatalf("second load: %+v", res)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("cached load differs from the JSON's")
	}
	sameLoadErrors(t, errs, wantErrs)
	if want := []string{"reading org.json.gz", StageReadingCache, StageDecodingAccounts}; !slices.Equal(stages, want) {
		t.Errorf("stages %q, want %q", stages, want)
	}
	// Mode 0600, directory 0700, and nothing else in it.
	fi, err := os.Stat(res.Path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("cache file mode %v, %v", fi.Mode(), err)
	}
	di, err := os.Stat(dir)
	if err != nil || di.Mode().Perm() != 0o700 {
		t.Errorf("cache directory mode %v, %v", di.Mode(), err)
	}
	if names := cacheFiles(t, dir); len(names) != 1 {
		t.Errorf("cache directory holds %q", names)
	}
}

// TestGraphFromCacheIsTheSame: the graph built from the cached snapshot
// answers as the one built from the JSON.
func TestGraphFromCacheIsTheSame(t *testing.T) {
	path := writeOrg(t, 5)
	s, errs := fromJSON(t, path)
	want := graph.Build(s, errs)
	o := Options{Dir: t.TempDir()}
	load(t, path, o)
	cs, cerrs, res := load(t, path, o)
	if res.Status != Hit {
		t.Fatalf("%+v", res)
	}
	got := graph.Build(cs, cerrs)
	if !reflect.DeepEqual(got.Stats(), want.Stats()) {
		t.Errorf("stats %+v, want %+v", got.Stats(), want.Stats())
	}
	if !reflect.DeepEqual(got.Findings(), want.Findings()) {
		t.Error("findings differ")
	}
	if !reflect.DeepEqual(got.Issues, want.Issues) {
		t.Error("issues differ")
	}
	keys := want.Keys()
	if len(keys) < 3 {
		t.Fatalf("only %d keys", len(keys))
	}
	for _, k := range keys[:3] {
		w, err := want.WhoCan("kms:Decrypt", k.ARN, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		g, err := got.WhoCan("kms:Decrypt", k.ARN, "", 2)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(g, w) || len(w) == 0 {
			t.Errorf("who can decrypt %s: %d answers from the cache, %d from the JSON", k.ARN, len(g), len(w))
		}
	}
}

func TestChangedSnapshotMisses(t *testing.T) {
	path := writeOrg(t, 1)
	o := Options{Dir: t.TempDir()}
	_, _, first := load(t, path, o)
	writeOrgTo(t, path, 2)
	want, _ := fromJSON(t, path)
	s, _, res := load(t, path, o)
	if res.Status != Miss || res.Path == first.Path {
		t.Fatalf("changed snapshot: %+v (first %s)", res, first.Path)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("changed snapshot loaded as the old one")
	}
	// A cache file of another snapshot under this one's name (copied,
	// renamed) is told apart by the hash it holds.
	old, err := os.ReadFile(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(res.Path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, res = load(t, path, o)
	if res.Status != Rebuilt || !strings.Contains(res.Reason, "another snapshot") {
		t.Fatalf("another snapshot's cache: %+v", res)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("another snapshot's cache was trusted")
	}
	if _, _, res = load(t, path, o); res.Status != Hit {
		t.Errorf("after the rebuild: %+v", res)
	}
}

func TestOtherVersionRebuilds(t *testing.T) {
	path := writeOrg(t, 1)
	want, _ := fromJSON(t, path)
	dir := t.TempDir()
	v1, v2 := Options{Dir: dir, Version: "v1.0.0 (commit aaaaaaa)"}, Options{Dir: dir, Version: "v1.1.0 (commit bbbbbbb)"}
	_, _, first := load(t, path, v1)
	// Two versions used in turn keep a file each: no rewriting.
	if _, _, res := load(t, path, v2); res.Status != Miss || res.Path == first.Path {
		t.Fatalf("other version, first load: %+v (v1's %s)", res, first.Path)
	}
	for _, o := range []Options{v1, v2} {
		if _, _, res := load(t, path, o); res.Status != Hit {
			t.Errorf("%s in turn: %+v", o.Version, res)
		}
	}
	// One version's file under the other's name is told apart by the
	// version it holds.
	_, _, second := load(t, path, v2)
	old, err := os.ReadFile(first.Path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(second.Path, old, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, res := load(t, path, v2)
	if res.Status != Rebuilt || !strings.Contains(res.Reason, "written by keyhound v1.0.0") {
		t.Fatalf("other version's file: %+v", res)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("other version's cache differs")
	}
	if _, _, res = load(t, path, v2); res.Status != Hit {
		t.Errorf("after the rebuild: %+v", res)
	}
}

func TestOtherTypeFingerprintRebuilds(t *testing.T) {
	path := writeOrg(t, 1)
	want, wantErrs := fromJSON(t, path)
	dir := t.TempDir()
	_, _, res := load(t, path, Options{Dir: dir, Version: "dev"})
	// The same version, written by a build whose snapshot types differ.
	raw, err := os.ReadFile(res.Path)
	if err != nil {
		t.Fatal(err)
	}
	id, _, _, err := parseHeader(raw)
	if err != nil {
		t.Fatal(err)
	}
	id.Fingerprint = "0123456789abcdef"
	var buf bytes.Buffer
	if err := encodeFile(&buf, want, wantErrs, nil, id); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(res.Path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, res := load(t, path, Options{Dir: dir, Version: "dev"})
	if res.Status != Rebuilt || !strings.Contains(res.Reason, "other snapshot types") {
		t.Fatalf("other fingerprint: %+v", res)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("snapshot differs")
	}
}

// TestCorruptCacheRebuilds flips a byte in the header and in each
// section (a derived one too), and cuts the file short at several places:
// each is detected (the section named), the snapshot loads as from its
// JSON, and the cache is written again.
func TestCorruptCacheRebuilds(t *testing.T) {
	path := writeOrg(t, 3)
	want, wantErrs := fromJSON(t, path)
	o := Options{Dir: t.TempDir(), Derive: func(*snapshot.Snapshot, []snapshot.LoadError) ([]byte, error) {
		return []byte("derived"), nil
	}}
	_, _, res := load(t, path, o)
	good, secs, data := cacheSections(t, res.Path)
	dataStart := len(good) - len(data)
	type damage struct {
		name    string
		bytes   []byte
		section string // named in the reason
	}
	var cases []damage
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x5a
		return b
	}
	for _, i := range []int{0, len(magic) + 5, dataStart / 2, dataStart - 1} {
		cases = append(cases, damage{"header byte " + strconv.Itoa(i), flip(i), "header"})
	}
	// The format version is read before the header's checksum (another
	// version's header may be laid out otherwise): stale, not corrupt.
	cases = append(cases, damage{"format version", flip(len(magic) + 1), "cache format"})
	if len(secs) < 10 {
		t.Fatalf("only %d sections", len(secs))
	}
	for name, s := range secs {
		if s.Len == 0 {
			t.Fatalf("section %s is empty", name)
		}
		cases = append(cases, damage{"section " + name, flip(dataStart + int(s.Off+s.Len/2)), name})
	}
	for _, n := range []int{0, 3, len(magic) + 6, dataStart - 2, dataStart, dataStart + 1, len(good) / 2, len(good) - 1} {
		cases = append(cases, damage{"truncated at " + strconv.Itoa(n), good[:n], ""})
	}
	for _, c := range cases {
		if err := os.WriteFile(res.Path, c.bytes, 0o600); err != nil {
			t.Fatal(err)
		}
		s, errs, r := load(t, path, o)
		if r.Status != Rebuilt || !strings.Contains(r.Reason, c.section) {
			t.Errorf("%s: %+v", c.name, r)
		}
		if !reflect.DeepEqual(s, want) {
			t.Errorf("%s: snapshot differs", c.name)
		}
		sameLoadErrors(t, errs, wantErrs)
		if now, err := os.ReadFile(res.Path); err != nil || !bytes.Equal(now, good) {
			t.Errorf("%s: the cache was not written again", c.name)
		}
	}
}

// TestFailedWriteLeavesNothing: a cache that cannot be written is a
// warning; the snapshot loads, and no file (not even a temporary one) is
// left behind.
func TestFailedWriteLeavesNothing(t *testing.T) {
	path := writeOrg(t, 1)
	want, _ := fromJSON(t, path)
	dir := t.TempDir()
	// The cache file's name is taken by a directory: the rename fails.
	_, _, res := load(t, path, Options{Dir: dir})
	if err := os.Remove(res.Path); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(res.Path, 0o700); err != nil {
		t.Fatal(err)
	}
	s, _, res, err := Load(context.Background(), path, Options{Dir: dir})
	if err != nil || res.Warning == nil {
		t.Fatalf("err %v, warning %v", err, res.Warning)
	}
	if !reflect.DeepEqual(s, want) {
		t.Error("snapshot differs")
	}
	if names := cacheFiles(t, dir); len(names) != 1 || names[0] != filepath.Base(res.Path) {
		t.Errorf("cache directory holds %q", names)
	}
	// The cache directory cannot be made (a file is in the way).
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	s, _, res, err = Load(context.Background(), path, Options{Dir: filepath.Join(notDir, "cache")})
	if err != nil || res.Warning == nil || !reflect.DeepEqual(s, want) {
		t.Errorf("unusable directory: err %v, warning %v", err, res.Warning)
	}
}

// TestNotASnapshotWritesNothing: a file that does not load is an error,
// and leaves no cache.
func TestNotASnapshotWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(path, []byte(`{"not":"a snapshot"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, _, _, err := Load(context.Background(), path, Options{Dir: dir}); err == nil {
		t.Fatal("no error")
	}
	if names := cacheFiles(t, dir); len(names) != 0 {
		t.Errorf("cache directory holds %q", names)
	}
	if _, _, _, err := Load(context.Background(), filepath.Join(dir, "absent"), Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "open snapshot") {
		t.Errorf("absent file: %v", err)
	}
}

// TestConcurrentLoaders: loaders of one snapshot at once all load it, and
// leave one sound cache file.
func TestConcurrentLoaders(t *testing.T) {
	path := writeOrg(t, 4)
	want, _ := fromJSON(t, path)
	dir := t.TempDir()
	var wg sync.WaitGroup
	results := make([]*snapshot.Snapshot, 4)
	errs := make([]error, 4)
	for i := range results {
		wg.Go(func() {
			s, _, res, err := Load(context.Background(), path, Options{Dir: dir})
			if err == nil && res.Warning != nil {
				err = res.Warning
			}
			results[i], errs[i] = s, err
		})
	}
	wg.Wait()
	for i := range results {
		if errs[i] != nil || !reflect.DeepEqual(results[i], want) {
			t.Errorf("loader %d: %v", i, errs[i])
		}
	}
	if names := cacheFiles(t, dir); len(names) != 1 || !strings.HasSuffix(names[0], Ext) {
		t.Errorf("cache directory holds %q", names)
	}
	if _, _, res := load(t, path, Options{Dir: dir}); res.Status != Hit {
		t.Errorf("after the race: %+v", res)
	}
}

func TestEnvDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "env")
	t.Setenv(EnvDir, dir)
	_, _, res := load(t, writeOrg(t, 1), Options{})
	if filepath.Dir(res.Path) != dir {
		t.Errorf("cache in %s, want %s", res.Path, dir)
	}
}

func TestCanceledLoad(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := Load(ctx, writeOrg(t, 1), Options{Dir: t.TempDir()}); err == nil {
		t.Error("a canceled load succeeded")
	}
}

// A hit hashes the snapshot as it reads it, and holds none of its bytes:
// they were 30 MB of heap at 5,000 accounts that only a miss decodes.
func TestHitDoesNotHoldTheSnapshotsBytes(t *testing.T) {
	var buf bytes.Buffer
	org := gen.Organization(gen.Options{Accounts: 2, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 3})
	if err := snapshot.Write(&buf, org, false); err != nil {
		t.Fatal(err)
	}
	const padding = 32 << 20 // JSON's whitespace: the same snapshot, a large file
	text := buf.Bytes()
	padded := append(append(append([]byte{}, text[:1]...), bytes.Repeat([]byte{' '}, padding)...), text[1:]...)
	path := filepath.Join(t.TempDir(), "org.json")
	if err := os.WriteFile(path, padded, 0o600); err != nil {
		t.Fatal(err)
	}
	o := Options{Dir: t.TempDir()}
	writeCacheOf(t, path, o.Dir)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, _, res := load(t, path, o)
	runtime.ReadMemStats(&after)
	if res.Status != Hit {
		t.Fatalf("second load: %+v", res)
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > padding/4 {
		t.Errorf("a hit on a %d-byte snapshot allocated %d bytes", len(padded), got)
	}
}
