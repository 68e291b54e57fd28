package main

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

func TestJSONSizeOfASnapshotFile(t *testing.T) {
	dir := t.TempDir()
	json := bytes.Repeat([]byte(`{"Accounts":[]} `), 4096)
	plain := filepath.Join(dir, "org.json")
	if err := os.WriteFile(plain, json, 0o600); err != nil {
		t.Fatal(err)
	}
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write(json)
	_ = zw.Close()
	gz := filepath.Join(dir, "org.json.gz")
	if err := os.WriteFile(gz, zb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{plain, gz} {
		got, err := jsonSize(path)
		if err != nil || got != int64(len(json)) {
			t.Errorf("jsonSize(%s) = %d, %v; want %d", filepath.Base(path), got, err, len(json))
		}
	}
	// A trailer smaller than the file has wrapped (the JSON is over 4 GiB).
	wrapped := append(bytes.Clone(zb.Bytes()[:zb.Len()-4]), 1, 0, 0, 0)
	if err := os.WriteFile(gz, wrapped, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := jsonSize(gz); err != nil || got != 1<<32+1 {
		t.Errorf("jsonSize(wrapped) = %d, %v; want %d", got, err, int64(1<<32+1))
	}
	if _, err := jsonSize(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("jsonSize(missing) gave no error")
	}
}
