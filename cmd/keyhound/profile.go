package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"

	"github.com/keyhound/keyhound/internal/atomicfile"
)

// envCPUProfile names a file to write a CPU profile of the run to: how the
// time of a real command on a real snapshot is measured before optimising
// it (go tool pprof -top FILE). Not a flag: it is for developers.
const envCPUProfile = "KEYHOUND_CPUPROFILE"

// envMemProfile names a file to write a heap profile of the run to, at
// its end: every allocation's site and size (go tool pprof -sample_index
// alloc_space -top FILE). Memory is time too: each page a load touches
// first is a page fault, a fifth of a large load's CPU.
const envMemProfile = "KEYHOUND_MEMPROFILE"

// startProfile starts a CPU profile when KEYHOUND_CPUPROFILE is set, and
// writes the allocations' profile when KEYHOUND_MEMPROFILE is, and returns the
// function that stops them and writes the files (0600, atomically); a
// profile that cannot be written is a warning.
func startProfile(stderr io.Writer) func() {
	stopMem := startMemProfile(stderr)
	stopCPU := startCPUProfile(stderr)
	return func() {
		stopCPU()
		stopMem()
	}
}

// startMemProfile returns the function that writes the heap profile when
// KEYHOUND_MEMPROFILE is set: the allocations Go samples all along (one
// per 512 KB allocated, by default), by site.
func startMemProfile(stderr io.Writer) func() {
	path := os.Getenv(envMemProfile)
	if path == "" {
		return func() {}
	}
	return func() {
		runtime.GC() // the profile is as of the last collection
		f, err := atomicfile.Create(path)
		if err == nil {
			if err = pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				f.Abort()
			} else {
				err = f.Commit()
			}
		}
		if err != nil {
			_, _ = fmt.Fprintf(stderr, "keyhound: %s: %v\n", envMemProfile, err)
		}
	}
}

// startCPUProfile starts a CPU profile when KEYHOUND_CPUPROFILE is set
// and returns the function that stops it and writes the file.
func startCPUProfile(stderr io.Writer) func() {
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
