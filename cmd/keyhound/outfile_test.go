//go:build unix

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// mode0600 fails unless path is a regular file of mode 0600.
func mode0600(t *testing.T, path string) {
	t.Helper()
	st, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v, want a regular file 0600", path, st.Mode())
	}
}

func noTemporaryFiles(t *testing.T, dir string) {
	t.Helper()
	if m, _ := filepath.Glob(filepath.Join(dir, ".keyhound-*")); len(m) != 0 {
		t.Errorf("temporary files left in %s: %v", dir, m)
	}
}

// Every file keyhound writes has mode 0600, even with a permissive umask
// and over a world-readable file: export (one file, and neo4j-csv's two),
// gen, demo --write. (keyhound scan's: TestScanCommandFakeAWS; the TUI's
// export: ui's TestExportWritesTheSnapshot.)
func TestOutputFilesAre0600(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	existing := filepath.Join(dir, "existing.json")
	if err := os.WriteFile(existing, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		args  []string
		files []string
	}{
		{"export", []string{"export", "--snapshot", "@demo", "--format", "cypher", "-o", filepath.Join(dir, "org.cypher")}, []string{"org.cypher"}},
		{"export over a file", []string{"export", "--snapshot", "@demo", "--format", "json", "-o", existing}, []string{"existing.json"}},
		{"neo4j-csv", []string{"export", "--snapshot", "@demo", "--format", "neo4j-csv", "-o", filepath.Join(dir, "import")}, []string{"import/nodes.csv", "import/relationships.csv"}},
		{"gen", []string{"gen", "--accounts", "2", "-o", filepath.Join(dir, "gen.json.gz")}, []string{"gen.json.gz"}},
		{"demo", []string{"demo", "--write", filepath.Join(dir, "demo.json")}, []string{"demo.json"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, _, errOut := runCLI(t, "", tc.args...); code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, f := range tc.files {
				mode0600(t, filepath.Join(dir, f))
			}
		})
	}
	if b, _ := os.ReadFile(existing); !bytes.Contains(b, []byte(`"keyhound.graph/v1"`)) {
		t.Errorf("the existing file was not replaced: %.80q", b)
	}
	noTemporaryFiles(t, dir)
	noTemporaryFiles(t, filepath.Join(dir, "import"))
}

// An export that fails midway leaves the file it would have replaced byte
// for byte, and no temporary file; one that fails before its first byte
// creates nothing.
func TestExportFailureKeepsPreviousFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "blast.mmd")
	prev := []byte("graph LR\n  previous --> export\n")
	if err := os.WriteFile(path, prev, 0o600); err != nil {
		t.Fatal(err)
	}
	// Mermaid without --key or --principal fails once the writer is open.
	code, _, errOut := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "mermaid", "-o", path)
	if code != exitBadInput || !strings.Contains(errOut, "--key or --principal") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if b, _ := os.ReadFile(path); !bytes.Equal(b, prev) {
		t.Errorf("the previous export changed: %q", b)
	}
	// neo4j-csv: both files stay as they were when the export fails.
	imp := filepath.Join(dir, "import")
	if err := os.Mkdir(imp, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"nodes.csv", "relationships.csv"} {
		if err := os.WriteFile(filepath.Join(imp, f), []byte("old "+f), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// An unknown key fails the walk, once both files are open.
	code, _, errOut = runCLI(t, "", "export", "--snapshot", "@demo", "--format", "neo4j-csv", "--key", "alias/nosuch", "-o", imp)
	if code != exitBadInput || !strings.Contains(errOut, "alias/nosuch") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, f := range []string{"nodes.csv", "relationships.csv"} {
		if b, _ := os.ReadFile(filepath.Join(imp, f)); string(b) != "old "+f {
			t.Errorf("%s changed by a failed export: %.60q", f, b)
		}
	}
	fresh := filepath.Join(dir, "fresh.mmd")
	if code, _, _ := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "mermaid", "-o", fresh); code != exitBadInput {
		t.Errorf("exit %d", code)
	}
	if _, err := os.Stat(fresh); !os.IsNotExist(err) {
		t.Errorf("a failed export created %s", fresh)
	}
	noTemporaryFiles(t, dir)
	noTemporaryFiles(t, imp)
}

// A device or a named pipe is written to, never renamed over: an export to
// /dev/null works and leaves it a device.
func TestExportToDevice(t *testing.T) {
	if code, _, errOut := runCLI(t, "", "export", "--snapshot", "@demo", "--format", "json", "-o", os.DevNull); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if st, err := os.Stat(os.DevNull); err != nil || st.Mode()&os.ModeDevice == 0 {
		t.Fatalf("%s is no longer a device: %v %v", os.DevNull, st, err)
	}
	// A directory is refused with its name.
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "", "gen", "-o", dir); code == 0 || !strings.Contains(errOut, dir) || !strings.Contains(errOut, "not a regular file") {
		t.Errorf("gen -o DIR: exit %d: %s", code, errOut)
	}
}
