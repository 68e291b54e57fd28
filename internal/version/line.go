package version

import (
	"runtime/debug"
	"strings"
)

// Full is the version and the commit, each once: "v1.2.0 (commit 1a2b3c4)".
// `git describe --always --dirty` (the Makefile's version) already holds the
// commit: the bare hash when no tag precedes it ("1a2b3c4" is then "dev"),
// or "TAG-N-g1a2b3c4" after a tag; the hash is taken out of the version and
// "-dirty" moves to the commit, whose tree it describes.
func Full() string {
	return full(String(), commit())
}

func full(v, c string) string {
	if c == "" {
		return v
	}
	base, dirty := strings.CutSuffix(v, "-dirty")
	switch {
	case base == c:
		base = "dev"
	case strings.HasSuffix(base, "-g"+c):
		base = strings.TrimSuffix(base, "-g"+c)
	default:
		base = v
		dirty = false
	}
	if dirty {
		c += "-dirty"
	}
	return base + " (commit " + c + ")"
}

// commit is Commit, else the revision `go build` records from the VCS
// (shortened as git does), else "".
func commit() string {
	if Commit != "" {
		return Commit
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	rev, modified := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if len(rev) > 7 {
		rev = rev[:7]
	}
	if rev != "" && modified {
		rev += "-dirty"
	}
	return rev
}
