package openmp

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// event is a broadcast notification: waiters remember the sequence number
// they saw, check their condition, and wait for the number to change.
// Waiting spins for a while (a fork/join or a barrier is usually answered
// within microseconds when the threads have their own cores), then parks
// the goroutine, so idle OpenMP threads use no CPU.
type event struct {
	seq      atomic.Uint64
	sleepers atomic.Int32
	mu       sync.Mutex
	ch       chan struct{} // closed to wake the sleepers; guarded by mu
}

// notify wakes every waiter.
func (e *event) notify() {
	e.seq.Add(1)
	if e.sleepers.Load() > 0 {
		e.mu.Lock()
		if e.ch != nil {
			close(e.ch)
			e.ch = nil
		}
		e.mu.Unlock()
	}
}

// wait returns once the sequence number differs from seen (true), or when
// abort is closed (false). spin is the number of polls before parking.
func (e *event) wait(seen uint64, spin int, abort <-chan struct{}) bool {
	for i := 0; i < spin; i++ {
		if e.seq.Load() != seen {
			return true
		}
		if i&7 == 7 {
			runtime.Gosched()
		}
	}
	e.mu.Lock()
	e.sleepers.Add(1)
	// Checked after announcing the sleeper: a notify that ran before this
	// load is seen here, one that runs after it sees the sleeper.
	if e.seq.Load() != seen {
		e.sleepers.Add(-1)
		e.mu.Unlock()
		return true
	}
	if e.ch == nil {
		e.ch = make(chan struct{})
	}
	ch := e.ch
	e.mu.Unlock()
	select {
	case <-ch:
		e.sleepers.Add(-1)
		return true
	case <-abort:
		e.sleepers.Add(-1)
		return false
	}
}

// mutex is a lock that can be taken in one host call and released in
// another (an OpenMP lock or critical section held while guest code runs),
// and whose waiters give up when the rank is stopped. The state is a futex
// word (0 free, 1 taken, 2 taken with possible sleepers); sleepers wait on
// a one-token semaphore.
type mutex struct {
	state atomic.Int32
	sema  chan struct{}
}

func newMutex() *mutex { return &mutex{sema: make(chan struct{}, 1)} }

// tryLock takes the lock if it is free.
func (m *mutex) tryLock() bool { return m.state.CompareAndSwap(0, 1) }

// lock takes the lock, or returns false if abort closes first.
func (m *mutex) lock(spin int, abort <-chan struct{}) bool {
	if m.state.CompareAndSwap(0, 1) {
		return true
	}
	for i := 0; i < spin; i++ {
		if m.state.Load() == 0 && m.state.CompareAndSwap(0, 1) {
			return true
		}
		if i&7 == 7 {
			runtime.Gosched()
		}
	}
	for m.state.Swap(2) != 0 {
		select {
		case <-m.sema:
		case <-abort:
			return false
		}
	}
	return true
}

// unlock releases the lock; it reports false if the lock was not held.
func (m *mutex) unlock() bool {
	switch m.state.Swap(0) {
	case 0:
		return false
	case 2:
		select {
		case m.sema <- struct{}{}:
		default:
		}
	}
	return true
}
