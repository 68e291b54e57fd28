package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// KEYHOUND_CPUPROFILE writes a CPU profile of the run, 0600; so does
// KEYHOUND_MEMPROFILE a heap profile.
func TestCPUProfile(t *testing.T) {
	for _, env := range []string{envCPUProfile, envMemProfile} {
		t.Run(env, func(t *testing.T) { testProfile(t, env) })
	}
}

func testProfile(t *testing.T, env string) {
	path := filepath.Join(t.TempDir(), "run.prof")
	t.Setenv(env, path)
	var out, errb bytes.Buffer
	if code := run(t.Context(), []string{"stats", "--snapshot", "@demo"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("no profile written: %v (stderr %q)", err, errb.String())
	}
	// A pprof profile is gzip-compressed protobuf.
	data, _ := os.ReadFile(path)
	if fi.Mode().Perm() != 0o600 || fi.Size() == 0 || !bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		t.Errorf("profile mode %v size %d", fi.Mode().Perm(), fi.Size())
	}
}
