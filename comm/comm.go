package comm

import (
	"context"
	"sync/atomic"
)

// SendMode is the MPI send mode.
type SendMode int

// The send modes.
const (
	ModeStandard SendMode = iota
	ModeSync              // completes only after the receive has matched
	ModeReady             // the receive is known to be posted; treated as standard
	ModeBuffered          // copied out at once into the attached buffer
)

// Comm is one rank's view of a communicator: the group of world ranks it
// spans, its own rank in it and its context id. The collective layer uses
// context+1 through Collective so that its traffic never matches user
// messages.
type Comm struct {
	ep      *Endpoint
	context uint32
	ranks   []int // communicator rank -> world rank
	rank    int

	// collSeq counts the collective operations started on the
	// communicator by this rank (shared by every copy of the Comm, such as
	// its Collective shadow). Every rank starts the collectives of a
	// communicator in the same order, so the numbers agree across ranks;
	// the collective layer folds them into its tags so that collectives in
	// progress at the same time never take each other's messages. pinned
	// is set on a copy made by PinCollSeq, whose next collective uses
	// pinSeq instead of drawing a number.
	collSeq *atomic.Uint64
	pinned  bool
	pinSeq  uint64
}

// NextCollSeq returns the sequence number of a collective operation that
// starts now on c: the pinned number of a Comm made by PinCollSeq, else the
// next number of the communicator.
func (c *Comm) NextCollSeq() uint64 {
	if c.pinned {
		return c.pinSeq
	}
	if c.collSeq == nil {
		// A Comm not made by World.Comm or World.InterComm (only in
		// tests): collectives on it cannot overlap.
		return 0
	}
	return c.collSeq.Add(1) - 1
}

// PinCollSeq draws the communicator's next collective sequence number now
// and returns a copy of c whose next collective uses it. Nonblocking
// collectives call it on the calling goroutine, in call order, and run the
// collective later on another goroutine with the copy. The copy is meant
// for one collective: every collective on it gets the same number.
func (c *Comm) PinCollSeq() *Comm {
	s := *c
	s.pinSeq = c.NextCollSeq()
	s.pinned = true
	return &s
}

// Rank is the calling rank's rank in the communicator.
func (c *Comm) Rank() int { return c.rank }

// Size is the number of ranks in the communicator.
func (c *Comm) Size() int { return len(c.ranks) }

// Endpoint is the owning rank's endpoint.
func (c *Comm) Endpoint() *Endpoint { return c.ep }

// Context is the point-to-point context id.
func (c *Comm) Context() uint32 { return c.context }

// WorldRank maps a communicator rank to its world rank.
func (c *Comm) WorldRank(r int) int { return c.ranks[r] }

// Collective returns the shadow of c used for collective traffic: same
// group, context id one higher.
func (c *Comm) Collective() *Comm {
	s := *c
	s.context = c.context + 1
	return &s
}

func (c *Comm) checkPeer(op string, r int, wildcard bool) error {
	if r == ProcNull || (wildcard && r == AnySource) {
		return nil
	}
	if r < 0 || r >= len(c.ranks) {
		return Errorf(ErrRank, "invalid %s rank %d (communicator size %d)", op, r, len(c.ranks))
	}
	return nil
}

// Isend starts sending buf to rank dest with tag. buf must stay unchanged
// until the request completes. A standard-mode send of at most EagerLimit
// bytes completes at once (the data is buffered if no receive is posted);
// larger ones and synchronous sends complete when the receiver has taken
// the data.
func (c *Comm) Isend(ctx context.Context, buf []byte, dest, tag int, mode SendMode) (*Request, error) {
	return c.isend(ctx, buf, nil, dest, tag, mode)
}

// IsendLayout is Isend of a non-contiguous buffer described by l, which
// the receiver reads in place (through another transport, or when at most
// EagerLimit bytes, it is packed once into the message's private copy).
func (c *Comm) IsendLayout(ctx context.Context, l *Layout, dest, tag int, mode SendMode) (*Request, error) {
	return c.isend(ctx, nil, l, dest, tag, mode)
}

func (c *Comm) isend(ctx context.Context, buf []byte, src *Layout, dest, tag int, mode SendMode) (*Request, error) {
	if err := c.checkPeer("destination", dest, false); err != nil {
		return nil, err
	}
	if tag < 0 {
		return nil, Errorf(ErrTag, "invalid tag %d (tags must be non-negative)", tag)
	}
	e := c.ep
	if dest == ProcNull {
		return e.completedRequest(KindSend, Status{Source: ProcNull, Tag: AnyTag}), nil
	}
	env := Envelope{Context: c.context, Source: c.rank, Tag: tag}
	dst := c.ranks[dest]
	if mode == ModeBuffered {
		// The data is copied out at once into a message of its own; the
		// send is done and only the attached buffer's accounting waits for
		// the receiver.
		n := len(buf)
		if src != nil {
			n = src.Size()
		}
		gen, err := e.bsend.reserve(n)
		if err != nil {
			return nil, err
		}
		m := e.world.eager.copyOf(env, buf, src)
		m.Taken = func() { e.bsend.release(n, gen) }
		if err := e.world.transport.Deliver(ctx, dst, m); err != nil {
			return nil, err
		}
		return e.completedRequest(KindSend, Status{}), nil
	}
	if _, direct := e.world.transport.(inProcess); src != nil && !direct {
		// Another transport carries bytes: pack once here.
		buf = make([]byte, src.Size())
		src.pack(buf)
		src = nil
	}
	req := e.newRequest(KindSend)
	m := &req.msg
	m.Envelope = env
	m.Data, m.src = buf, src
	m.sendReq = req
	if mode == ModeSync || m.size() > EagerLimit {
		// The request completes when the receiver has taken the data.
		if err := e.world.transport.Deliver(ctx, dst, m); err != nil {
			return nil, err
		}
		return req, nil
	}
	// Eager: the receiver copies from the sender's buffer if it is already
	// waiting (completing the send on the spot), otherwise a private copy
	// is queued and the send is done.
	e.eagerDeliver(ctx, dst, m, req)
	return req, nil
}

// eagerDeliver delivers a small message that lives in its send request. In
// process, a message of at most inboxLimit bytes goes as a private copy
// onto the destination's inbox (the receiving side matches it); a larger
// one is matched here: if the destination has a matching receive posted,
// the data moves once, sender to receiver, otherwise a private copy is
// queued. The request's own message is never queued once the request is
// done, so a done request can be reused. Through any other transport the
// message travels as a private copy.
func (e *Endpoint) eagerDeliver(ctx context.Context, dst int, m *Message, req *Request) {
	if _, direct := e.world.transport.(inProcess); direct {
		local := e.world.endpoints[dst]
		if m.size() <= inboxLimit {
			local.push(e.world.eager.copyOf(m.Envelope, m.Data, m.src))
			local.waker.wake()
			m.Data, m.src, m.sendReq = nil, nil, nil
			req.done.Store(true)
			return
		}
		var buf [4]delivery
		ds := local.lockMatching(buf[:0])
		if p, ok := local.takePosted(m.Envelope); ok {
			local.unlockMatching(append(ds, delivery{p, m}))
			return
		}
		local.unexpected = append(local.unexpected, e.world.eager.copyOf(m.Envelope, m.Data, m.src))
		local.unlockMatching(ds)
		local.waker.wake()
		m.Data, m.src, m.sendReq = nil, nil, nil
		req.done.Store(true)
		return
	}
	cp := e.world.eager.copyOf(m.Envelope, m.Data, m.src)
	m.Data, m.src, m.sendReq = nil, nil, nil
	if err := e.world.transport.Deliver(ctx, dst, cp); err != nil {
		req.status = Status{Err: err}
	}
	req.done.Store(true)
}

// Irecv posts a receive into buf from source (or AnySource) with tag (or
// AnyTag).
func (c *Comm) Irecv(buf []byte, source, tag int) (*Request, error) {
	return c.irecv(buf, nil, source, tag)
}

// IrecvLayout is Irecv into a non-contiguous buffer described by l, which
// the message is written into in place.
func (c *Comm) IrecvLayout(l *Layout, source, tag int) (*Request, error) {
	return c.irecv(nil, l, source, tag)
}

func (c *Comm) irecv(buf []byte, dst *Layout, source, tag int) (*Request, error) {
	if err := c.checkPeer("source", source, true); err != nil {
		return nil, err
	}
	if tag < 0 && tag != AnyTag {
		return nil, Errorf(ErrTag, "invalid tag %d (tags must be non-negative or MPI_ANY_TAG)", tag)
	}
	e := c.ep
	if source == ProcNull {
		return e.completedRequest(KindRecv, Status{Source: ProcNull, Tag: AnyTag}), nil
	}
	r := e.newRequest(KindRecv)
	r.context, r.source, r.tag, r.buf, r.layout = c.context, source, tag, buf, dst
	e.post(r)
	return r, nil
}

// Send is Isend followed by Wait.
func (c *Comm) Send(ctx context.Context, buf []byte, dest, tag int, mode SendMode) error {
	r, err := c.Isend(ctx, buf, dest, tag, mode)
	if err != nil {
		return err
	}
	st, err := c.ep.Wait(ctx, r)
	if err != nil {
		return err
	}
	c.ep.Release(r)
	return st.Err
}

// Recv is Irecv followed by Wait. A truncated message is reported both in
// the status and as the error.
func (c *Comm) Recv(ctx context.Context, buf []byte, source, tag int) (Status, error) {
	r, err := c.Irecv(buf, source, tag)
	if err != nil {
		return Status{}, err
	}
	st, err := c.ep.Wait(ctx, r)
	if err != nil {
		return st, err
	}
	c.ep.Release(r)
	return st, st.Err
}

// Iprobe reports whether a message matching (source, tag) is waiting, and
// its status, without receiving it.
func (c *Comm) Iprobe(source, tag int) (Status, bool, error) {
	if err := c.checkPeer("source", source, true); err != nil {
		return Status{}, false, err
	}
	if tag < 0 && tag != AnyTag {
		return Status{}, false, Errorf(ErrTag, "invalid tag %d (tags must be non-negative or MPI_ANY_TAG)", tag)
	}
	if source == ProcNull {
		return Status{Source: ProcNull, Tag: AnyTag}, true, nil
	}
	st, ok := c.ep.probe(c.context, source, tag)
	return st, ok, nil
}

// Probe blocks until a message matching (source, tag) is waiting.
func (c *Comm) Probe(ctx context.Context, source, tag int) (Status, error) {
	var st Status
	var found bool
	var perr error
	err := c.ep.WaitFor(ctx, func() bool {
		st, found, perr = c.Iprobe(source, tag)
		return found || perr != nil
	})
	if err != nil {
		return Status{}, err
	}
	return st, perr
}
