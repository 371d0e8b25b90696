package comm

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Spin budgets for waiting. A waiter first polls (cheap when the peer runs
// on another core and answers within a microsecond), then yields its
// processor a few times, then parks without using any CPU until woken.
// Parking and waking cost several microseconds (a futex round trip), so
// when every rank can have a core to itself the poll phase is long;
// when ranks outnumber cores polling would only steal the core the peer
// needs, so it is short.
const (
	spinDedicated      = time.Millisecond
	spinOversubscribed = 2 * time.Microsecond
	spinPollOnly       = 5 * time.Microsecond
	spinYields         = 20
)

// spinBudget is how long a waiter of a world of size ranks polls.
func spinBudget(size int) time.Duration {
	if size <= runtime.GOMAXPROCS(0) {
		return spinDedicated
	}
	return spinOversubscribed
}

// waker lets the goroutines of one rank sleep until something they might be
// waiting for has happened. Completing a request wakes its owner.
type waker struct {
	sleepers atomic.Int32
	mu       sync.Mutex
	cond     sync.Cond
	epoch    uint64 // guarded by mu; bumped by every wake seen by sleepers
	// stop is the world's context: when it is done every wait returns,
	// whatever context the caller passed.
	stop context.Context
	spin time.Duration
}

func newWaker(stop context.Context, spin time.Duration) *waker {
	w := &waker{stop: stop, spin: spin}
	w.cond.L = &w.mu
	return w
}

// wake rouses every sleeping goroutine of the rank. It is cheap when nobody sleeps.
func (w *waker) wake() {
	if w.sleepers.Load() == 0 {
		return
	}
	w.mu.Lock()
	w.epoch++
	w.cond.Broadcast()
	w.mu.Unlock()
}

// waitUntil blocks until ready returns true or ctx is done. ready must be
// safe to call from any goroutine and must not block.
func (w *waker) waitUntil(ctx context.Context, ready func() bool) error {
	if ready() {
		return nil
	}
	start := time.Now()
	for i := 1; ; i++ {
		if ready() {
			return nil
		}
		if i&63 == 0 {
			d := time.Since(start)
			if d > w.spin {
				break
			}
			if d > spinPollOnly {
				// Past the first microseconds, let other goroutines
				// of this process have the processor between polls.
				runtime.Gosched()
			}
		}
	}
	for i := 0; i < spinYields; i++ {
		runtime.Gosched()
		if ready() {
			return nil
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := w.stop.Err(); err != nil {
		return err
	}
	rouse := func() {
		w.mu.Lock()
		w.epoch++
		w.cond.Broadcast()
		w.mu.Unlock()
	}
	defer context.AfterFunc(ctx, rouse)()
	defer context.AfterFunc(w.stop, rouse)()
	w.sleepers.Add(1)
	defer w.sleepers.Add(-1)
	for {
		// ready runs without w.mu held: it may complete requests of this
		// rank (Request.Done matches the inbox), which wakes this waker.
		// sleepers was raised before the check and the epoch read before
		// it, so a completion after the check bumps the epoch and the
		// loop below does not sleep through it.
		w.mu.Lock()
		seen := w.epoch
		w.mu.Unlock()
		if ready() {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := w.stop.Err(); err != nil {
			return err
		}
		w.mu.Lock()
		for w.epoch == seen {
			w.cond.Wait()
		}
		w.mu.Unlock()
	}
}
