package export

import (
	"bytes"
	"context"
	"errors"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// stopWriter is the JSON writer with a sink that fails (a full disk) or a
// context it cancels once the first access edges are written; it counts
// the access tasks whose edges were encoded (a task computes who-can on a
// key or resource, then encodes: one that begins after the stop is work
// thrown away).
type stopWriter struct {
	Writer
	enc     EdgeEncoder
	encoded atomic.Int64
	fail    error
	cancel  context.CancelFunc
}

func (s *stopWriter) EncodeEdges(dst []byte, edges []Edge) ([]byte, error) {
	s.encoded.Add(1)
	return s.enc.EncodeEdges(dst, edges)
}

func (s *stopWriter) WriteEncoded(b []byte, n int) error {
	if s.cancel != nil {
		s.cancel()
	}
	if s.fail != nil {
		return s.fail
	}
	return s.enc.WriteEncoded(b, n)
}

// An export stops at its writer's first error, and when its context is
// done, without computing who-can for the keys and resources left (a
// whole organization's export on a full disk went on for eleven minutes):
// at most the tasks under way then, one per worker and one ahead, are
// encoded after it.
func TestWalkStopsAtTheFirstWriteErrorOrCancel(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 6, Regions: 2, RolesPerAccount: 5, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: 3}), nil)
	tasks := len(g.Keys()) + len(g.Resources())
	full := errors.New("no space left on device")
	for _, tc := range []struct {
		name   string
		fail   error
		cancel bool
		want   error
	}{
		{name: "write error", fail: full, want: full},
		{name: "canceled", cancel: true, want: context.Canceled},
	} {
		ctx, cancel := context.WithCancel(context.Background())
		jw := NewJSON(&bytes.Buffer{})
		w := &stopWriter{Writer: jw, enc: jw.(EdgeEncoder), fail: tc.fail}
		if tc.cancel {
			w.cancel = cancel
		}
		o := Options{Workers: 2}
		err := Write(ctx, g, o, w)
		cancel()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Write = %v, want %v", tc.name, err, tc.want)
		}
		if n := w.encoded.Load(); n > int64(2*o.Workers+2) {
			t.Errorf("%s: %d of %d access tasks encoded after the first write: the walk went on", tc.name, n, tasks)
		}
	}
	// Canceled before: nothing is walked.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var buf bytes.Buffer
	if err := Write(ctx, g, Options{}, NewJSON(&buf)); !errors.Is(err, context.Canceled) || buf.Len() > len(`{"format":"`+Version+`","nodes":[`) {
		t.Errorf("canceled before: %v, %d bytes written", err, buf.Len())
	}
}
