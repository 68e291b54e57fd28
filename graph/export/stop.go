package export

import (
	"context"
	"fmt"
	"sync/atomic"
)

// An export stops at its writer's first error and when its context is
// done (the CLI's, on SIGINT): a whole organization's export runs for
// minutes, and one on a full disk went on computing who-can for every key
// and resource after its writes failed.

// step runs one step of the walk unless ctx is done, and gives ctx's error
// for one it cut short.
func (w *walker) step(do func() error) error {
	if err := w.canceled(); err != nil {
		return err
	}
	if err := do(); err != nil {
		return err
	}
	return w.canceled()
}

// canceled is ctx's error, wrapped, once it is done.
func (w *walker) canceled() error {
	if err := w.ctx.Err(); err != nil {
		return fmt.Errorf("export stopped: %w", err)
	}
	return nil
}

// stopper keeps the access edges' first write error (err: set and read in
// the stream's callbacks, which run one at a time, and after Wait) and
// tells the loop and the tasks, on any goroutine, to begin nothing more
// once there is one or ctx is done.
type stopper struct {
	ctx  context.Context
	err  error
	stop atomic.Bool
}

func (s *stopper) halted() bool { return s.stop.Load() || s.ctx.Err() != nil }

// written records the result of a write.
func (s *stopper) written(err error) {
	if err != nil {
		s.err = err
		s.stop.Store(true)
	}
}

// workHook, when not nil, is called as each unit of the walk's costly
// work begins: an access task (who-can on a key or resource), a focused
// principal (tests count them).
var workHook func()

// begin is called as a unit of costly work begins.
func begin() {
	if workHook != nil {
		workHook()
	}
}
