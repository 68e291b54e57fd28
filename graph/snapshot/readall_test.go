package snapshot

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
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

// readSized reads all of r whatever the size it is told.
func TestReadSized(t *testing.T) {
	data := bytes.Repeat([]byte("keyhound "), 10000)
	for _, size := range []int{0, 1, len(data) - 1, len(data), len(data) + 1, 10 * len(data)} {
		got, err := readSized(iotest.HalfReader(bytes.NewReader(data)), size)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("size %d: got %d bytes, %v", size, len(got), err)
		}
	}
}

// A snapshot compressed as two gzip members (the trailer then tells the
// last one's size only) loads whole.
func TestLoadGzipMembers(t *testing.T) {
	var buf bytes.Buffer
	for _, part := range []string{good[:len(good)/2], good[len(good)/2:]} {
		zw := gzip.NewWriter(&buf)
		_, _ = zw.Write([]byte(part))
		_ = zw.Close()
	}
	if size := gzipSize(buf.Bytes()); size != len(good)-len(good)/2 {
		t.Errorf("gzipSize = %d, want the last member's %d", size, len(good)-len(good)/2)
	}
	s, errs, err := Load(&buf)
	want, _, _ := Decode([]byte(good))
	if err != nil || len(errs) > 0 || !reflect.DeepEqual(s, want) {
		t.Fatalf("Load: %v %v", err, errs)
	}
}
