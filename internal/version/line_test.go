package version

import "testing"

// The version line names the version and the commit once each, whatever
// form `git describe --tags --always --dirty` (the Makefile) gave the version.
func TestFullNamesCommitOnce(t *testing.T) {
	for _, tc := range []struct{ version, commit, want string }{
		{"73fdd09", "73fdd09", "dev (commit 73fdd09)"},
		{"73fdd09-dirty", "73fdd09", "dev (commit 73fdd09-dirty)"},
		{"v0.3.0-4-g73fdd09", "73fdd09", "v0.3.0-4 (commit 73fdd09)"},
		{"v0.3.0-4-g73fdd09-dirty", "73fdd09", "v0.3.0-4 (commit 73fdd09-dirty)"},
		{"0.3.0", "73fdd09", "0.3.0 (commit 73fdd09)"}, // goreleaser
		{"v0.3.0", "", "v0.3.0"},
		{"v0.3.0-dirty", "abcdef0", "v0.3.0-dirty (commit abcdef0)"},
	} {
		if got := full(tc.version, tc.commit); got != tc.want {
			t.Errorf("full(%q, %q) = %q, want %q", tc.version, tc.commit, got, tc.want)
		}
	}
}
