package export

import (
	"bytes"
	"context"
	"errors"
	"io"
	"sync/atomic"
	"testing"

	"github.com/keyhound/keyhound/graph"
	"github.com/keyhound/keyhound/graph/gen"
)

// failAfter is a sink that fails (a full disk) once n bytes are written.
type failAfter struct {
	n      int
	err    error
	failed atomic.Bool
}

func (f *failAfter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		f.failed.Store(true)
		return 0, f.err
	}
	f.n -= len(b)
	return len(b), nil
}

// An export stops at its writer's first error, and when its context is
// done, without computing who-can for the keys and resources left (a
// whole organization's export on a full disk went on for eleven minutes):
// after the stop, at most the tasks under way (one per worker, one ahead)
// begin; whole and focused, through a writer that encodes on the workers
// (JSON) and one that does not (DOT).
func TestWalkStopsAtTheFirstWriteErrorOrCancel(t *testing.T) {
	g := graph.Build(gen.Organization(gen.Options{Accounts: 6, Regions: 2, RolesPerAccount: 5, KeysPerRegion: 4, ResourcesPerKey: 2, Seed: 3}), nil)
	tasks := len(g.Keys()) + len(g.Resources())
	full := errors.New("no space left on device")
	var principals []string
	for _, p := range g.Principals()[:12] {
		principals = append(principals, p.ARN)
	}
	for _, tc := range []struct {
		name    string
		format  func(io.Writer) Writer
		o       Options
		fail    bool // the sink fails once the nodes are written
		cancel  bool // the context is canceled as the first work begins
		want    error
		atMost  int
		toBegin int // without the stop
	}{
		{name: "json, write error", format: NewJSON, fail: true, want: full, atMost: 2*2 + 2, toBegin: tasks},
		{name: "dot (edges one by one), write error", format: NewDOT, fail: true, want: full, atMost: 2*2 + 2, toBegin: tasks},
		{name: "json, canceled", format: NewJSON, cancel: true, want: context.Canceled, atMost: 2*2 + 2, toBegin: tasks},
		{name: "focused on accounts, canceled", format: NewJSON, o: Options{Accounts: []string{"100000000002"}}, cancel: true, want: context.Canceled, atMost: 2*2 + 2, toBegin: tasks},
		{name: "focused on principals, canceled", format: NewJSON, o: Options{Principals: principals}, cancel: true, want: context.Canceled, atMost: 1, toBegin: len(principals)},
	} {
		o := tc.o
		o.Workers = 2
		ctx, cancel := context.WithCancel(context.Background())
		var sink io.Writer = &bytes.Buffer{}
		var failing *failAfter
		if tc.fail {
			// Room for half the export: the nodes and some access edges.
			var whole bytes.Buffer
			if err := Write(context.Background(), g, o, tc.format(&whole)); err != nil {
				t.Fatal(err)
			}
			failing = &failAfter{n: whole.Len() / 2, err: full}
			sink = failing
		}
		var before, after atomic.Int64 // units of work begun before and after the stop
		workHook = func() {
			switch {
			case tc.cancel && before.Load() == 0:
				before.Add(1)
				cancel()
			case ctx.Err() != nil, failing != nil && failing.failed.Load():
				after.Add(1)
			default:
				before.Add(1)
			}
		}
		err := Write(ctx, g, o, tc.format(sink))
		workHook = nil
		cancel()
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Write = %v, want %v", tc.name, err, tc.want)
		}
		if before.Load() == 0 || before.Load() >= int64(tc.toBegin) {
			t.Fatalf("%s: %d of %d units of work begun before the stop: it did not come during them", tc.name, before.Load(), tc.toBegin)
		}
		if n := after.Load(); n > int64(tc.atMost) {
			t.Errorf("%s: %d of %d units of work begun after the stop: the walk went on", tc.name, n, tc.toBegin)
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
