package policy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// policyTexts collects the policy documents of a JSON file: strings that
// hold a JSON object (plain or URL-encoded), and objects with a Statement
// key, marshalled compact and indented.
func policyTexts(data []byte) []string {
	var v any
	if json.Unmarshal(data, &v) != nil {
		return nil
	}
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case string:
			s := strings.TrimSpace(t)
			if strings.HasPrefix(s, "{") || strings.HasPrefix(s, "%7B") {
				out = append(out, t)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case map[string]any:
			if _, ok := t["Statement"]; ok {
				b, _ := json.Marshal(t)
				ind, _ := json.MarshalIndent(t, "", "  ")
				out = append(out, string(b), string(ind))
			}
			for _, e := range t {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// fixtureFiles returns the JSON files under the module's test data, demo
// and example directories.
func fixtureFiles(t testing.TB) map[string][]byte {
	t.Helper()
	root := filepath.Join("..", "..")
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".json") {
			return nil
		}
		if !strings.Contains(path, "testdata") && !strings.Contains(path, "examples") && !strings.Contains(path, "demo") {
			return nil
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files[path] = data
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no fixture files found")
	}
	return files
}

// generatedTexts returns the distinct policy documents of a generated
// organization, or of the gzip-compressed snapshot KEYHOUND_BENCH_SNAPSHOT
// names.
func generatedTexts(t testing.TB, opts gen.Options) []string {
	t.Helper()
	var raw []byte
	if path := os.Getenv("KEYHOUND_BENCH_SNAPSHOT"); path != "" {
		gz, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		if raw, err = io.ReadAll(zr); err != nil {
			t.Fatal(err)
		}
	} else {
		var buf bytes.Buffer
		if err := snapshot.Write(&buf, gen.Organization(opts), false); err != nil {
			t.Fatal(err)
		}
		raw = buf.Bytes()
	}
	seen := map[string]bool{}
	var out []string
	for _, s := range policyTexts(raw) {
		if !seen[s] && strings.Contains(s, "Statement") {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}
