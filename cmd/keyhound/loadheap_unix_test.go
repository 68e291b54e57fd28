//go:build unix

package main

import (
	"path/filepath"
	"syscall"
	"testing"
)

// A pipe (--snapshot <(zcat org.json.gz)) is not opened to be sized: its
// writer would see the reader go before the load reads it (and opening it
// blocked until a writer came).
func TestJSONSizeLeavesPipesAlone(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := jsonSize(fifo); err == nil {
		t.Error("jsonSize(a pipe) gave no error")
	}
}
