package comm

import (
	"context"
	"sync"
)

// Endpoint is one rank's end of the message layer: its matching engine
// (posted receives and unexpected messages) and the waker its goroutines
// sleep on. Any goroutine may deliver into an endpoint.
//
// The matching state comes first and the struct is padded to a multiple
// of 64 bytes: the allocator then places it on cache-line boundaries, so
// the lock and the queue headers, which a sender on another core touches
// for every message, share one line and no line with unrelated data.
type Endpoint struct {
	mu         sync.Mutex
	posted     []postedRecv // receives waiting for a message, in posting order
	unexpected []*Message   // messages waiting for a receive, in arrival order

	world *World
	rank  int // rank in the world
	waker *waker

	bsend bsendState
	_     [72]byte // to a multiple of 64 bytes (TestCacheLineLayout)
}

// postedRecv is a posted receive with its matching pattern and buffer
// copied out of the request, so that a sender matching it reads only the
// queue and touches the request just to complete it (the receiver polls
// that request's line).
type postedRecv struct {
	context uint32
	source  int
	tag     int
	buf     []byte
	req     *Request
}

// Rank is the endpoint's rank in its world.
func (e *Endpoint) Rank() int { return e.rank }

// World is the world the endpoint belongs to.
func (e *Endpoint) World() *World { return e.world }

func matches(ctx uint32, source, tag int, env Envelope) bool {
	return ctx == env.Context &&
		(source == AnySource || source == env.Source) &&
		(tag == AnyTag || tag == env.Tag)
}

// takePosted removes and returns the first posted receive that matches
// env; ok is false when there is none. e.mu must be held.
func (e *Endpoint) takePosted(env Envelope) (postedRecv, bool) {
	for i := range e.posted {
		p := &e.posted[i]
		if matches(p.context, p.source, p.tag, env) {
			got := *p
			n := copy(e.posted[i:], e.posted[i+1:])
			e.posted[i+n] = postedRecv{} // drop the references
			e.posted = e.posted[:i+n]
			return got, true
		}
	}
	return postedRecv{}, false
}

// Arrive hands a message to this endpoint. If a matching receive is posted
// the data is copied into it at once (by the calling goroutine: for an
// in-process sender that is the single copy from sender to receiver memory);
// otherwise the message is queued until a receive or probe finds it.
// Messages from one sender on one communicator must arrive in the order they
// were sent; Arrive preserves that order for matching.
func (e *Endpoint) Arrive(m *Message) {
	e.mu.Lock()
	if p, ok := e.takePosted(m.Envelope); ok {
		e.mu.Unlock()
		e.deliver(p, m)
		return
	}
	e.unexpected = append(e.unexpected, m)
	e.mu.Unlock()
	// A rank blocked in Probe waits for arrivals.
	e.waker.wake()
}

// deliver copies a matched message into a posted receive of e and
// completes both sides. The receive completes first: its owner is the one
// waiting, and the send's completion is then off the critical path.
func (e *Endpoint) deliver(p postedRecv, m *Message) {
	st := Status{Source: m.Source, Tag: m.Tag, Bytes: len(m.Data)}
	n := copy(p.buf, m.Data)
	if n < len(m.Data) {
		st.Bytes = n
		st.Err = Errorf(ErrTruncate, "message of %d bytes from rank %d (tag %d) truncated to the %d-byte receive buffer",
			len(m.Data), m.Source, m.Tag, len(p.buf))
	}
	p.req.completeWith(e.waker, st)
	m.taken()
}

// post registers a receive, matching it against queued messages first.
func (e *Endpoint) post(r *Request) {
	p := postedRecv{context: r.context, source: r.source, tag: r.tag, buf: r.buf, req: r}
	e.mu.Lock()
	for i, m := range e.unexpected {
		if matches(r.context, r.source, r.tag, m.Envelope) {
			e.unexpected = append(e.unexpected[:i], e.unexpected[i+1:]...)
			e.mu.Unlock()
			e.deliver(p, m)
			return
		}
	}
	e.posted = append(e.posted, p)
	e.mu.Unlock()
}

// probe looks for a queued message without receiving it.
func (e *Endpoint) probe(ctx uint32, source, tag int) (Status, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, m := range e.unexpected {
		if matches(ctx, source, tag, m.Envelope) {
			return Status{Source: m.Source, Tag: m.Tag, Bytes: len(m.Data)}, true
		}
	}
	return Status{}, false
}

// cancelRecv removes a posted receive that has not matched yet. It reports
// whether the receive was removed (and is now complete as cancelled).
func (e *Endpoint) cancelRecv(r *Request) bool {
	e.mu.Lock()
	for i, p := range e.posted {
		if p.req == r {
			e.posted = append(e.posted[:i], e.posted[i+1:]...)
			e.mu.Unlock()
			r.complete(Status{Source: AnySource, Tag: AnyTag, Cancelled: true})
			return true
		}
	}
	e.mu.Unlock()
	return false
}

// Cancel cancels a pending receive. Cancelling a send, or a receive that
// already matched, does nothing (the standard allows a send cancel to fail).
func (e *Endpoint) Cancel(r *Request) {
	if r.Kind == KindRecv && !r.Done() {
		e.cancelRecv(r)
	}
}

// Pending reports how many receives are posted and how many messages are
// queued unmatched; used by diagnostics and tests.
func (e *Endpoint) Pending() (posted, unexpected int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.posted), len(e.unexpected)
}

// Wait blocks until r completes or ctx is done, and returns its status.
func (e *Endpoint) Wait(ctx context.Context, r *Request) (Status, error) {
	if !r.Done() {
		if err := e.waker.waitUntil(ctx, r.Done); err != nil {
			return Status{}, e.world.stopped(err)
		}
	}
	return r.status, nil
}

// WaitAll blocks until every non-nil request has completed.
func (e *Endpoint) WaitAll(ctx context.Context, rs []*Request) error {
	for _, r := range rs {
		if r == nil {
			continue
		}
		if _, err := e.Wait(ctx, r); err != nil {
			return err
		}
	}
	return nil
}

// WaitAny blocks until one of the non-nil requests has completed and returns
// its index, or -1 if there are none.
func (e *Endpoint) WaitAny(ctx context.Context, rs []*Request) (int, error) {
	idx := -1
	ready := func() bool {
		active := false
		for i, r := range rs {
			if r == nil {
				continue
			}
			active = true
			if r.Done() {
				idx = i
				return true
			}
		}
		if !active {
			idx = -1
			return true
		}
		return false
	}
	if err := e.waker.waitUntil(ctx, ready); err != nil {
		return -1, e.world.stopped(err)
	}
	return idx, nil
}

// WaitSome blocks until at least one non-nil request has completed and
// returns the indices of all completed ones; nil when there are no active
// requests.
func (e *Endpoint) WaitSome(ctx context.Context, rs []*Request) ([]int, error) {
	if _, err := e.WaitAny(ctx, rs); err != nil {
		return nil, err
	}
	return TestSome(rs), nil
}

// TestSome returns the indices of the non-nil requests that have completed.
func TestSome(rs []*Request) []int {
	var out []int
	for i, r := range rs {
		if r != nil && r.Done() {
			out = append(out, i)
		}
	}
	return out
}

// WaitFor blocks until cond returns true, waking whenever a request of this
// endpoint completes or a message arrives. cond must not block.
func (e *Endpoint) WaitFor(ctx context.Context, cond func() bool) error {
	if err := e.waker.waitUntil(ctx, cond); err != nil {
		return e.world.stopped(err)
	}
	return nil
}
