package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
	"github.com/keyhound/keyhound/internal/graphcache"
	"github.com/keyhound/keyhound/ui"
)

// TestMain points the graph cache at a temporary directory: the tests
// never write into the user's cache.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "keyhound-cache-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.Setenv(graphcache.EnvDir, dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

func cacheEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestSecondRunHitsTheCache: a command's second run on a snapshot reads
// the cache its first wrote, and prints the same.
func TestSecondRunHitsTheCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(graphcache.EnvDir, dir)
	path := writeGenSnapshot(t)
	for _, args := range [][]string{
		{"stats", "--snapshot", path},
		{"findings", "--snapshot", path, "--json"},
	} {
		code1, out1, err1 := runCLI(t, "", args...)
		names := cacheEntries(t, dir)
		if len(names) != 1 || !strings.HasSuffix(names[0], graphcache.Ext) {
			t.Fatalf("%v: cache directory holds %q", args, names)
		}
		code2, out2, err2 := runCLI(t, "", args...)
		if code1 != code2 || out1 != out2 || err1 != err2 || out1 == "" {
			t.Errorf("%v: second run differs: exit %d/%d\n%s\n---\n%s\nstderr %q / %q", args, code1, code2, out1, out2, err1, err2)
		}
		code3, out3, _ := runCLI(t, "", append(args, "--no-cache")...)
		if code3 != code1 || out3 != out1 {
			t.Errorf("%v --no-cache differs", args)
		}
	}
	var stages []string
	if _, err := readGraph(context.Background(), path, func(p ui.LoadProgress) {
		if len(stages) == 0 || stages[len(stages)-1] != p.Stage {
			stages = append(stages, p.Stage)
		}
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"reading org.json.gz", "reading the cache", "decoding accounts", "building the access graph"}
	if !slices.Equal(stages, want) {
		t.Errorf("cached stages = %q, want %q", stages, want)
	}
}

// TestNoCacheWritesNothing: with --no-cache no cache file appears.
func TestNoCacheWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(graphcache.EnvDir, dir)
	path := writeGenSnapshot(t)
	if code, _, errOut := runCLI(t, "", "stats", "--no-cache", "--snapshot", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if names := cacheEntries(t, dir); len(names) != 0 {
		t.Errorf("--no-cache wrote %q", names)
	}
	// The flag lasts one run: the next writes the cache.
	if code, _, errOut := runCLI(t, "", "stats", "--snapshot", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if names := cacheEntries(t, dir); len(names) != 1 {
		t.Errorf("cache directory holds %q", names)
	}
}

// TestUnwritableCacheWarns: a cache that cannot be written is one line on
// stderr; the answer is the same.
func TestUnwritableCacheWarns(t *testing.T) {
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	path := writeGenSnapshot(t)
	_, want, _ := runCLI(t, "", "stats", "--no-cache", "--snapshot", path)
	t.Setenv(graphcache.EnvDir, filepath.Join(notDir, "cache"))
	code, out, errOut := runCLI(t, "", "stats", "--snapshot", path)
	if code != 0 || out != want || !strings.Contains(errOut, "the graph cache was not written") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
}

// TestCorruptCacheIsRebuilt: a damaged cache file changes nothing in the
// answer, and is written again whole.
func TestCorruptCacheIsRebuilt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(graphcache.EnvDir, dir)
	path := writeGenSnapshot(t)
	_, want, _ := runCLI(t, "", "stats", "--snapshot", path)
	names := cacheEntries(t, dir)
	if len(names) != 1 {
		t.Fatalf("cache directory holds %q", names)
	}
	file := filepath.Join(dir, names[0])
	good, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	bad := slices.Clone(good)
	bad[len(bad)/2] ^= 0xff
	if err := os.WriteFile(file, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "", "stats", "--snapshot", path)
	if code != 0 || out != want || errOut != "" {
		t.Errorf("exit %d, stderr %q, output differs: %v", code, errOut, out != want)
	}
	if now, err := os.ReadFile(file); err != nil || !slices.Equal(now, good) {
		t.Error("the corrupt cache was not written again")
	}
}

// TestCachedIssuesAnswerAsBuilt: the cache keeps the graph's issues, and a
// load that hits takes them instead of parsing every resource's policy
// (derived.go): the count on stderr, the findings, the counts and the
// answers through a resource whose policy does not parse are the ones the
// JSON gives.
func TestCachedIssuesAnswerAsBuilt(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(graphcache.EnvDir, dir)
	s := gen.Organization(gen.Options{Accounts: 4, Regions: 1, RolesPerAccount: 3, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 5})
	reg := s.Accounts["100000000002"].Regions["us-east-1"]
	bad := "{"
	reg.S3.Buckets[0].Policy = &bad
	reg.SecretsManager.Secrets[0].ResourcePolicy = &bad
	bucket := "arn:aws:s3:::" + reg.S3.Buckets[0].Name
	path := writeSnapshotFile(t, s)
	key := "" // one with data under it
	whole := graph.Build(s, nil)
	for _, k := range whole.Keys() {
		if k.Account == "100000000002" && len(whole.ResourcesOf(k.ARN)) > 0 {
			key = k.ARN
			break
		}
	}
	if key == "" {
		t.Fatal("no key of the account encrypts a resource")
	}
	role := s.Accounts["100000000002"].IAM.RoleDetailList[0].Arn
	for _, args := range [][]string{
		{"findings", "--json"},
		{"stats"},
		{"who-can", "decrypt", bucket},
		// On a key: the resources of its Regions only (the resource index).
		{"who-can", "decrypt", key},
		{"who-can", "decrypt", key, "--json"},
		// About a principal and a key: the resources are left unbuilt.
		{"can", role, "kms:Decrypt", key},
		{"can", role, "kms:Decrypt", key, "--json"},
		{"can", role, "s3:GetObject", bucket + "/o"},
		{"denied", "User: " + role + " is not authorized to perform: kms:Decrypt on resource: " + key + " because no identity-based policy allows the kms:Decrypt action"},
	} {
		args = append(args, "--snapshot", path)
		code0, want, wantErr := runCLI(t, "", append(args, "--no-cache")...)
		if !strings.Contains(wantErr, "2 snapshot issues") {
			t.Fatalf("%v: stderr %q does not count the two policies", args, wantErr)
		}
		for run := range 2 { // the miss, then the hit
			code, out, errOut := runCLI(t, "", args...)
			if code != code0 || out != want || errOut != wantErr {
				t.Errorf("%v, run %d: exit %d/%d, stderr %q/%q, output differs: %v", args, run, code, code0, errOut, wantErr, out != want)
			}
		}
	}
	g, _, res, err := loadCached(context.Background(), path, nil, buildWhole)
	if err != nil {
		t.Fatal(err)
	}
	d, ok := decodeDerived(res.Derived)
	issues := d.Issues
	if len(d.ResourceIndex) == 0 {
		t.Error("the cache kept no resource index")
	}
	if res.Status != graphcache.Hit || !ok || len(issues) != 2 || !slices.Equal(g.Issues, issues) {
		t.Errorf("hit: status %v, issues kept %v (%v), graph's %v", res.Status, issues, ok, g.Issues)
	}
	// A question about a key: the resources under it only, through the
	// cache's resource index.
	kg, _, _, err := loadCached(context.Background(), path, nil, modeFor(key))
	if err != nil {
		t.Fatal(err)
	}
	if data, err := kg.WhoCanReadData("kms:Decrypt", key, graph.DefaultChainDepth); err != nil || len(data) == 0 || kg.ResourcesBuilt() {
		t.Errorf("who reads the data under the key: %d resources, err %v; every resource built: %v", len(data), err, kg.ResourcesBuilt())
	}
	// The TUI's load: its principals and resources are built behind it.
	lg, _, _, err := loadCached(context.Background(), path, nil, buildListing)
	if err != nil {
		t.Fatal(err)
	}
	<-lg.Built()
	if !reflect.DeepEqual(lg.Counts(), g.Counts()) || !slices.Equal(lg.Issues, g.Issues) {
		t.Errorf("the TUI's graph: %+v, want %+v", lg.Counts(), g.Counts())
	}
}

// decodeDerived takes nothing, or what does not decode, as unknown: the
// graph is then built whole.
func TestDecodeDerived(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("{"), []byte("null"), []byte(`{"path":"x"}`), []byte(`[]`), []byte(`{"resource_index":"AQ=="}`)} {
		if _, ok := decodeDerived(b); ok {
			t.Errorf("decodeDerived(%q): ok", b)
		}
	}
	g := graph.Build(&snapshot.Snapshot{}, nil)
	b, err := encodeDerived(g)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := decodeDerived(b); !ok || len(d.Issues) != 0 || !bytes.Equal(d.ResourceIndex, g.ResourceIndex()) {
		t.Errorf("no issues: decoded %+v, %v; want known, none, the graph's index", d, ok)
	}
}

// aboutKey tells a key or alias from another service's resource: only the
// former leave the graph's resources unbuilt (buildForKey).
func TestAboutKey(t *testing.T) {
	for ref, want := range map[string]bool{
		"arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab": true,
		"arn:aws-cn:kms:cn-north-1:111111111111:alias/app":                            true,
		"alias/app":                            true,
		"1234abcd-12ab-34cd-56ef-1234567890ab": true,
		"arn:aws:s3:::bucket/key":              false,
		"arn:aws:sqs:us-east-1:111111111111:q": false,
		"arn:aws:kms":                          false,
		"":                                     false,
	} {
		if got := aboutKey(ref); got != want {
			t.Errorf("aboutKey(%q) = %v, want %v", ref, got, want)
		}
		if got := modeFor(ref); (got == buildForKey) != want || (got != buildForKey && got != buildWhole) {
			t.Errorf("modeFor(%q) = %v", ref, got)
		}
	}
}
