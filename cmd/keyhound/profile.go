package main

import (
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/keyhound/keyhound/internal/atomicfile"
)

// envCPUProfile names a file to write a CPU profile of the run to: how the
// time of a real command on a real snapshot is measured before optimising
// it (go tool pprof -top FILE). Not a flag: it is for developers.
const envCPUProfile = "KEYHOUND_CPUPROFILE"

// startProfile starts a CPU profile when KEYHOUND_CPUPROFILE is set and
// returns the function that stops it and writes the file (0600,
// atomically); a profile that cannot be written is a warning.
func startProfile(stderr io.Writer) func() {
	path := os.Getenv(envCPUProfile)
	if path == "" {
		return func() {}
	}
	f, err := atomicfile.Create(path)
	if err != nil {
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %v\n", envCPUProfile, err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Abort()
		_, _ = fmt.Fprintf(stderr, "keyhound: %s: %v\n", envCPUProfile, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		if err := f.Commit(); err != nil {
			_, _ = fmt.Fprintf(stderr, "keyhound: %s: %v\n", envCPUProfile, err)
		}
	}
}
