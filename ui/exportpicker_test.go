package ui

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExportPickerNeighbourhood(t *testing.T) {
	dir := t.TempDir()
	d := newDriver(t, 100, 30)
	d.m.c.ExportDir = dir
	d.keys("/ t:secrets enter enter")
	arn := d.m.top().(*keyScreen).key.ARN
	d.keys("e")
	if d.m.picker == nil {
		t.Fatal("e on a key did not open the picker")
	}
	scr := d.screen()
	if !strings.Contains(scr, "export key alias/secrets") || !strings.Contains(scr, "d DOT") ||
		!strings.Contains(scr, "esc cancel") || strings.Contains(scr, "? help") || strings.Contains(scr, "tab next") {
		t.Fatalf("picker's status line and footer:\n%s", scr)
	}
	// Keys the picker does not know do nothing; esc closes it and stays.
	d.keys("x esc")
	if d.m.picker != nil || d.crumbs() != "Keys › alias/secrets" {
		t.Fatalf("esc: picker %v, at %q", d.m.picker != nil, d.crumbs())
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("esc wrote %v", files)
	}
	// The status says the export runs until it is written.
	d.keys("e")
	_, cmd := d.m.Update(keyPress("d"))
	if d.m.status != "exporting…" || d.m.picker != nil {
		t.Fatalf("while writing: status %q", d.m.status)
	}
	d.run(cmd)
	first := filepath.Join(dir, "keyhound-alias-secrets.dot")
	if d.m.picker != nil || d.m.isErr || !strings.Contains(d.m.status, first) {
		t.Fatalf("export DOT: status %q", d.m.status)
	}
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), "digraph keyhound {") || !strings.Contains(string(data), `"`+arn+`"`) || !strings.Contains(string(data), "alias/secrets") {
		t.Fatalf("DOT export does not name the key:\n%s", data)
	}
	// Only the key's neighbourhood: not the other keys.
	if strings.Contains(string(data), "alias/reports") {
		t.Fatalf("DOT export of alias/secrets holds alias/reports:\n%s", data)
	}
	// A second export takes the next free name; the first is untouched.
	d.keys("e d")
	second := filepath.Join(dir, "keyhound-alias-secrets-1.dot")
	if !strings.Contains(d.m.status, second) {
		t.Fatalf("second export: %q", d.m.status)
	}
	if again, _ := os.ReadFile(first); string(again) != string(data) {
		t.Fatal("the second export changed the first file")
	}
	for _, name := range []string{first, second} {
		if st, err := os.Stat(name); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v %v, want 0600", name, st.Mode(), err)
		}
	}
}

func TestExportPickerPrincipalFormats(t *testing.T) {
	dir := t.TempDir()
	d := newDriver(t, 100, 30)
	d.m.c.ExportDir = dir
	// The row selected in the Principals list.
	d.keys("2 / t:user/dilip enter e")
	if d.m.picker == nil || !strings.Contains(d.screen(), "export principal user/dilip ") {
		t.Fatalf("picker on the principals list:\n%s", d.screen())
	}
	d.keys("m")
	mmd, err := os.ReadFile(filepath.Join(dir, "keyhound-user-dilip.mmd"))
	if err != nil || !strings.HasPrefix(string(mmd), "graph LR") || !strings.Contains(string(mmd), "user: dilip") || !strings.Contains(string(mmd), "-->") {
		t.Fatalf("Mermaid export (%v):\n%s", err, mmd)
	}
	d.keys("e j")
	raw, err := os.ReadFile(filepath.Join(dir, "keyhound-user-dilip.json"))
	if err != nil {
		t.Fatal(err)
	}
	var g struct {
		Nodes []struct{ ID string } `json:"nodes"`
	}
	if err := json.Unmarshal(raw, &g); err != nil || len(g.Nodes) == 0 {
		t.Fatalf("JSON export: %v\n%s", err, raw)
	}
	found := false
	for _, n := range g.Nodes {
		found = found || strings.HasSuffix(n.ID, "user/dilip")
	}
	if !found {
		t.Fatalf("JSON export does not hold the principal:\n%s", raw)
	}
}

func TestFileSafe(t *testing.T) {
	for in, want := range map[string]string{
		"alias/secrets": "alias-secrets", "user/dilip": "user-dilip", "../..": "export", "key/1d6a": "key-1d6a", "a b:c": "a-b-c",
	} {
		if got := fileSafe(in); got != want {
			t.Errorf("fileSafe(%q) = %q, want %q", in, got, want)
		}
	}
}

// An export that cannot be written says why, in the status line.
func TestExportPickerError(t *testing.T) {
	d := newDriver(t, 100, 30)
	d.m.c.ExportDir = filepath.Join(t.TempDir(), "missing")
	d.keys("e d")
	if !d.m.isErr || !strings.Contains(d.m.status, "export alias/reports") || !strings.Contains(d.m.status, "missing") {
		t.Fatalf("status %q", d.m.status)
	}
}
