package scanner

import (
	"context"
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// The rate of a token bucket adapts to AWS's answers, additive increase
// and multiplicative decrease (AIMD): a throttled attempt halves it, down
// to the floor; while attempts succeed it grows back by a thirtieth of its
// ceiling a second, up to the ceiling (the quota the bucket was made with:
// about half of AWS's published one). From the floor back to the ceiling
// takes at most 30 s without throttling. The burst shrinks and grows with
// the rate.
const (
	decreaseFactor  = 0.5
	increasePerCeil = 1.0 / 30 // of the ceiling, per second
	floorPerSecond  = 0.5      // never fewer than one request every 2 s
	minBurst        = 1
)

// adaptive is one (account, Region, API) token bucket whose rate adapts to
// throttling; safe for concurrent use.
type adaptive struct {
	lim *rate.Limiter

	mu             sync.Mutex
	ceiling, floor float64 // requests a second
	ceilBurst      int
	rate, lowest   float64
	grown          time.Time // when the rate last changed
	cut            time.Time // when it was last cut
	cuts           int
}

func newAdaptive(q quota, now time.Time) *adaptive {
	a := &adaptive{
		lim:     rate.NewLimiter(rate.Limit(q.perSecond), q.burst),
		ceiling: q.perSecond, floor: math.Min(floorPerSecond, q.perSecond), ceilBurst: q.burst,
		rate: q.perSecond, lowest: q.perSecond, grown: now,
	}
	return a
}

// wait blocks until the bucket gives a token or ctx is done; it returns
// when the token was given (the attempt's sending time).
func (a *adaptive) wait(ctx context.Context) (time.Time, error) {
	r := a.lim.Reserve()
	if !r.OK() {
		// Cannot happen: the burst is at least 1.
		return time.Time{}, context.Canceled
	}
	if d := r.Delay(); d > 0 {
		t := time.NewTimer(d)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			r.Cancel()
			return time.Time{}, ctx.Err()
		}
	}
	return time.Now(), nil
}

// throttled tells the bucket that an attempt sent at sent was throttled:
// the rate is halved, unless the attempt left before the last cut (it was
// sent at the rate already cut: the same congestion, counted once).
func (a *adaptive) throttled(sent, now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if sent.Before(a.cut) {
		return
	}
	a.rate = math.Max(a.floor, a.rate*decreaseFactor)
	a.lowest = math.Min(a.lowest, a.rate)
	a.cut, a.grown = now, now
	a.cuts++
	a.apply(now)
}

// succeeded tells the bucket an attempt was answered: the rate grows by
// increasePerCeil of the ceiling for every second since it last changed.
func (a *adaptive) succeeded(now time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.rate >= a.ceiling || !now.After(a.grown) {
		return
	}
	a.rate = math.Min(a.ceiling, a.rate+a.ceiling*increasePerCeil*now.Sub(a.grown).Seconds())
	a.grown = now
	a.apply(now)
}

// apply sets the limiter to the rate, with a burst in proportion.
func (a *adaptive) apply(now time.Time) {
	a.lim.SetLimitAt(now, rate.Limit(a.rate))
	a.lim.SetBurstAt(now, max(minBurst, int(math.Ceil(float64(a.ceilBurst)*a.rate/a.ceiling))))
}

// state reports the bucket's rate now, the lowest it fell to, and how many
// times it was cut.
func (a *adaptive) state() (now, lowest float64, cuts int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate, a.lowest, a.cuts
}
