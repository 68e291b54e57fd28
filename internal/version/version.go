// Package version holds build information set by the linker.
package version

import "runtime/debug"

// Set with -ldflags "-X github.com/keyhound/keyhound/internal/version.Version=…".
var (
	Version = ""
	Commit  = ""
)

// String returns the version, falling back to the module version recorded
// by `go install`, then "dev".
func String() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
