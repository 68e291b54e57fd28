package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/internal/graphcache"
)

// TestCacheCommand: `keyhound cache` lists the file a load wrote, `cache
// clear` removes it and says so, in text and JSON, and then nothing is
// left; the next load writes the cache again.
func TestCacheCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	t.Setenv(graphcache.EnvDir, dir)
	list := func() cacheReport {
		t.Helper()
		code, out, errOut := runCLI(t, "", "cache", "--json")
		if code != 0 {
			t.Fatalf("cache: exit %d: %s", code, errOut)
		}
		var r cacheReport
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return r
	}
	if r := list(); r.Dir != dir || len(r.Files) != 0 {
		t.Fatalf("before any load: %+v", r)
	}
	path := writeGenSnapshot(t)
	if code, _, errOut := runCLI(t, "", "stats", "--snapshot", path); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	r := list()
	if len(r.Files) != 1 || !strings.HasSuffix(r.Files[0].Name, graphcache.Ext) || r.Bytes != r.Files[0].Size || r.Bytes == 0 {
		t.Fatalf("after a load: %+v", r)
	}
	code, out, errOut := runCLI(t, "", "cache")
	if code != 0 || !strings.Contains(out, dir+": 1 file") || !strings.Contains(out, r.Files[0].Name) {
		t.Errorf("cache: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = runCLI(t, "", "cache", "clear")
	if code != 0 || !strings.Contains(out, dir+": removed 1 file") || !strings.Contains(out, r.Files[0].Name) {
		t.Errorf("cache clear: exit %d\n%s%s", code, out, errOut)
	}
	if names := cacheEntries(t, dir); len(names) != 0 {
		t.Errorf("left after clear: %q", names)
	}
	code, out, _ = runCLI(t, "", "cache", "clear", "--json")
	var cleared cacheReport
	if err := json.Unmarshal([]byte(out), &cleared); code != 0 || err != nil || len(cleared.Files) != 0 {
		t.Errorf("clearing an empty cache: exit %d, %v: %s", code, err, out)
	}
	if code, _, errOut := runCLI(t, "", "stats", "--snapshot", path); code != 0 || len(cacheEntries(t, dir)) != 1 {
		t.Errorf("the next load wrote no cache: exit %d: %s", code, errOut)
	}
}
