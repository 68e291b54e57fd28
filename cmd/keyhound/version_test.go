package main

import (
	"strings"
	"testing"

	"github.com/keyhound/keyhound/internal/version"
)

// `keyhound --version` prints the line `keyhound version` prints, and that
// line names the commit once even when the Makefile's version (git describe
// --always on an untagged tree) is the commit itself.
func TestVersionFlagAndCommand(t *testing.T) {
	v, c := version.Version, version.Commit
	t.Cleanup(func() { version.Version, version.Commit = v, c })
	version.Version, version.Commit = "73fdd09", "73fdd09"
	code, cmdOut, _ := runCLI(t, "", "version")
	if code != 0 {
		t.Fatalf("version: exit %d", code)
	}
	code, flagOut, errOut := runCLI(t, "", "--version")
	if code != 0 {
		t.Fatalf("--version: exit %d: %s", code, errOut)
	}
	if flagOut != cmdOut {
		t.Errorf("--version prints %q, version prints %q", flagOut, cmdOut)
	}
	if n := strings.Count(cmdOut, "73fdd09"); n != 1 || !strings.HasPrefix(cmdOut, "keyhound ") {
		t.Errorf("want the commit once after \"keyhound \", got %d times: %q", n, cmdOut)
	}
}
