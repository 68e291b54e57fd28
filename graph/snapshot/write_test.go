package snapshot_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"testing"

	"github.com/keyhound/keyhound/graph/demo"
	"github.com/keyhound/keyhound/graph/gen"
	"github.com/keyhound/keyhound/graph/snapshot"
)

// encoderText is what Write wrote before it went account by account: the
// encoder's text for the whole snapshot.
func encoderText(t *testing.T, s *snapshot.Snapshot) []byte {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestWriteIsTheEncoders: Write's text, account by account, is the
// encoder's for the whole snapshot, byte for byte: the demo, generated
// organizations (with escalation, several Regions), no accounts, accounts
// nil, an account ID that needs escaping, HTML characters, and gzip.
func TestWriteIsTheEncoders(t *testing.T) {
	demoSnap, _, err := snapshot.Decode(demo.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*snapshot.Snapshot{
		"demo":         demoSnap,
		"generated":    gen.Organization(gen.Options{Accounts: 12, Regions: 3, RolesPerAccount: 6, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 7, EscalationShare: 0.2}),
		"no accounts":  {Format: snapshot.Format, Accounts: map[string]*snapshot.Account{}},
		"nil accounts": {Format: snapshot.Format, CollectedAt: "2026-01-01T00:00:00Z"},
		"odd ids": {Format: snapshot.Format, Partition: "aws-cn", Accounts: map[string]*snapshot.Account{
			"a\"<b>&\u2028": {}, "111111111111": nil, "": {IAM: &snapshot.IAM{}},
		}},
	}
	for name, s := range cases {
		var got bytes.Buffer
		if err := snapshot.Write(&got, s, false); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := encoderText(t, s); !bytes.Equal(got.Bytes(), want) {
			i := 0
			for i < min(got.Len(), len(want)) && got.Bytes()[i] == want[i] {
				i++
			}
			t.Errorf("%s: differs from the encoder's text at byte %d: %q, want %q", name, i, got.Bytes()[i:min(i+60, got.Len())], want[i:min(i+60, len(want))])
		}
	}
	s := cases["generated"]
	var zipped bytes.Buffer
	if err := snapshot.Write(&zipped, s, true); err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(&zipped)
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := io.ReadAll(zr); err != nil || !bytes.Equal(plain, encoderText(t, s)) {
		t.Errorf("gzip: %v, or its text differs", err)
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrShortWrite }

// A writer's error is Write's.
func TestWriteReportsTheWritersError(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 3, Regions: 1, RolesPerAccount: 2, KeysPerRegion: 1, ResourcesPerKey: 1, Seed: 1})
	for _, compress := range []bool{false, true} {
		if err := snapshot.Write(failWriter{}, s, compress); err == nil {
			t.Errorf("compress %v: no error from a writer that fails", compress)
		}
	}
}

// Once the writer has failed, Write stops instead of encoding every
// account left (a review found it went on to the end).
func TestWriteStopsAtTheWritersError(t *testing.T) {
	s := gen.Organization(gen.Options{Accounts: 200, Regions: 1, RolesPerAccount: 5, KeysPerRegion: 2, ResourcesPerKey: 2, Seed: 1})
	whole := testing.AllocsPerRun(3, func() { _ = snapshot.Write(io.Discard, s, false) })
	failing := testing.AllocsPerRun(3, func() { _ = snapshot.Write(failWriter{}, s, false) })
	if failing > whole/10 {
		t.Errorf("a failing writer: %.0f allocations, the whole snapshot %.0f: Write went on after the writer failed", failing, whole)
	}
}
