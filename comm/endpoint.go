package comm

import (
	"context"
	"sync"
	"sync/atomic"
)

// Endpoint is one rank's end of the message layer: its matching engine
// (posted receives and unexpected messages), its inbox and the waker its
// goroutines sleep on. Any goroutine may deliver into an endpoint.
//
// Small eager messages from other goroutines are not matched by their
// sender: it pushes a private copy onto the inbox, a lock-free stack, and
// the receiving side moves the inbox into the matching queues (in push
// order) before it looks at them, whenever it posts, probes or polls a
// receive (Request.Done). On a ping-pong this keeps the lock and the queues
// in the receiver's cache: a message costs the sender one atomic swap on
// the inbox's cache line instead of a round of the receiver's lock, queue
// and request lines.
//
// Layout: the struct's size is a multiple of 64 bytes, so the allocator
// places it on cache-line boundaries; the first line holds the lock and
// the queues (owned by the receiving side), the second the inbox, which
// senders write (TestCacheLineLayout).
type Endpoint struct {
	mu         sync.Mutex
	posted     []postedRecv // receives waiting for a message, in posting order
	unexpected []*Message   // messages waiting for a receive, in arrival order
	world      *World

	inbox atomic.Pointer[Message] // small eager messages not yet matched, newest first
	rank  int                     // rank in the world
	waker *waker
	bsend bsendState
}

// inboxLimit is the largest eager message that goes through the inbox.
// Larger ones are matched by the sender, which then copies the data
// straight into a posted receive.
const inboxLimit = 2 << 10

// postedRecv is a posted receive with its matching pattern and buffer
// copied out of the request, so that matching reads only the queue and
// the request is touched just to complete it.
type postedRecv struct {
	context uint32
	source  int
	tag     int
	buf     []byte
	dst     *Layout // set instead of buf for a non-contiguous receive
	req     *Request
}

// delivery is a match decided under the endpoint's lock and carried out
// (data copied, both sides completed) after it is released: completing a
// request wakes its owner, which must never happen under the lock.
type delivery struct {
	p postedRecv
	m *Message
}

// push adds a small eager message to the inbox; any goroutine may call it.
func (e *Endpoint) push(m *Message) {
	for {
		old := e.inbox.Load()
		m.next = old
		if e.inbox.CompareAndSwap(old, m) {
			return
		}
	}
}

// lockMatching takes the endpoint's lock and moves the inbox into the
// matching queues, oldest message first. Messages that match a posted
// receive are appended to ds, for unlockMatching to deliver.
func (e *Endpoint) lockMatching(ds []delivery) []delivery {
	e.mu.Lock()
	head := e.inbox.Swap(nil)
	if head == nil {
		return ds
	}
	var fifo *Message
	for head != nil {
		next := head.next
		head.next = fifo
		fifo, head = head, next
	}
	for m := fifo; m != nil; {
		next := m.next
		m.next = nil
		if p, ok := e.takePosted(m.Envelope); ok {
			ds = append(ds, delivery{p, m})
		} else {
			e.unexpected = append(e.unexpected, m)
		}
		m = next
	}
	return ds
}

// unlockMatching releases the lock and carries out the deliveries.
func (e *Endpoint) unlockMatching(ds []delivery) {
	e.mu.Unlock()
	for _, d := range ds {
		e.deliver(d.p, d.m)
	}
}

// progress matches whatever the inbox holds. It is cheap when the inbox
// is empty; Request.Done calls it for receives, so that every way of
// waiting for or polling a receive moves messages along.
func (e *Endpoint) progress() {
	if e.inbox.Load() != nil {
		e.drainInbox()
	}
}

// drainInbox is progress's slow path, kept apart so that the check stays
// small enough to inline into polling loops.
func (e *Endpoint) drainInbox() {
	var buf [4]delivery
	e.unlockMatching(e.lockMatching(buf[:0]))
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
	var buf [4]delivery
	ds := e.lockMatching(buf[:0])
	if p, ok := e.takePosted(m.Envelope); ok {
		e.unlockMatching(append(ds, delivery{p, m}))
		return
	}
	e.unexpected = append(e.unexpected, m)
	e.unlockMatching(ds)
	// A rank blocked in Probe waits for arrivals.
	e.waker.wake()
}

// deliver copies a matched message into a posted receive of e and
// completes both sides. The receive completes first: its owner is the one
// waiting, and the send's completion is then off the critical path.
func (e *Endpoint) deliver(p postedRecv, m *Message) {
	size, room := m.size(), len(p.buf)
	if p.dst != nil {
		room = p.dst.Size()
	}
	n := min(size, room)
	m.copyTo(p.buf, p.dst, n)
	st := Status{Source: m.Source, Tag: m.Tag, Bytes: n}
	if n < size {
		st.Err = Errorf(ErrTruncate, "message of %d bytes from rank %d (tag %d) truncated to the %d-byte receive buffer",
			size, m.Source, m.Tag, room)
	}
	p.req.completeWith(e.waker, st)
	m.taken()
}

// post registers a receive, matching it against queued messages first.
func (e *Endpoint) post(r *Request) {
	p := postedRecv{context: r.context, source: r.source, tag: r.tag, buf: r.buf, dst: r.layout, req: r}
	var buf [4]delivery
	ds := e.lockMatching(buf[:0])
	for i, m := range e.unexpected {
		if matches(r.context, r.source, r.tag, m.Envelope) {
			e.unexpected = append(e.unexpected[:i], e.unexpected[i+1:]...)
			e.unlockMatching(append(ds, delivery{p, m}))
			return
		}
	}
	e.posted = append(e.posted, p)
	e.unlockMatching(ds)
}

// probe looks for a queued message without receiving it.
func (e *Endpoint) probe(ctx uint32, source, tag int) (Status, bool) {
	var buf [4]delivery
	ds := e.lockMatching(buf[:0])
	defer e.unlockMatching(ds)
	for _, m := range e.unexpected {
		if matches(ctx, source, tag, m.Envelope) {
			return Status{Source: m.Source, Tag: m.Tag, Bytes: m.size()}, true
		}
	}
	return Status{}, false
}

// cancelRecv removes a posted receive that has not matched yet. It reports
// whether the receive was removed (and is now complete as cancelled).
func (e *Endpoint) cancelRecv(r *Request) bool {
	var buf [4]delivery
	ds := e.lockMatching(buf[:0])
	for i, p := range e.posted {
		if p.req == r {
			e.posted = append(e.posted[:i], e.posted[i+1:]...)
			e.unlockMatching(ds)
			r.complete(Status{Source: AnySource, Tag: AnyTag, Cancelled: true})
			return true
		}
	}
	e.unlockMatching(ds)
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
	var buf [4]delivery
	ds := e.lockMatching(buf[:0])
	posted, unexpected = len(e.posted), len(e.unexpected)
	e.unlockMatching(ds)
	return posted, unexpected
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

// Asleep reports whether a goroutine of the endpoint's rank sleeps in a
// wait (past its polling phase), and how many times the rank's sleeping
// waiters have been woken so far: a rank asleep with the same count at two
// moments has had nothing happen to it in between.
func (e *Endpoint) Asleep() (asleep bool, wakes uint64) {
	w := e.waker
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.sleepers.Load() > 0, w.epoch
}

// WaitFor blocks until cond returns true, waking whenever a request of this
// endpoint completes or a message arrives. cond must not block.
func (e *Endpoint) WaitFor(ctx context.Context, cond func() bool) error {
	if err := e.waker.waitUntil(ctx, cond); err != nil {
		return e.world.stopped(err)
	}
	return nil
}
