package snapshot

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"
	"testing/iotest"
)

// readAll reads what io.ReadAll does, across its chunks, from readers
// that return little at a time, and fails as they do.
func TestReadAll(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 64<<10 - 1, 64 << 10, 64<<10 + 1, 700 << 10} {
		data := make([]byte, n)
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		for name, rd := range map[string]io.Reader{
			"whole":    bytes.NewReader(data),
			"half":     iotest.HalfReader(bytes.NewReader(data)),
			"data+EOF": iotest.DataErrReader(bytes.NewReader(data)),
		} {
			got, err := readAll(rd)
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("%d bytes, %s: got %d bytes, %v", n, name, len(got), err)
			}
		}
	}
	boom := errors.New("boom")
	if _, err := readAll(io.MultiReader(bytes.NewReader(make([]byte, 100<<10)), iotest.ErrReader(boom))); !errors.Is(err, boom) {
		t.Errorf("err = %v, want boom", err)
	}
}
