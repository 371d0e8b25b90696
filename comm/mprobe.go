package comm

import "context"

// Matched probes (MPI_Mprobe, MPI_Improbe, MPI_Mrecv, MPI_Imrecv): a probe
// that finds a message also takes it out of the matching queue, so no other
// receive or probe can match it; the caller later receives exactly that
// message with ReceiveMessage.

// dequeue removes and returns the first queued message matching
// (ctx, source, tag), or nil.
func (e *Endpoint) dequeue(ctx uint32, source, tag int) *Message {
	var buf [4]delivery
	ds := e.lockMatching(buf[:0])
	defer e.unlockMatching(ds)
	for i, m := range e.unexpected {
		if matches(ctx, source, tag, m.Envelope) {
			e.unexpected = append(e.unexpected[:i], e.unexpected[i+1:]...)
			return m
		}
	}
	return nil
}

// Improbe looks for a message matching (source, tag) and, if there is one,
// removes it from the matching queue and returns it with its status. The
// caller must hand the message to ReceiveMessage (or the sender may wait
// for ever). For source ProcNull it reports a match with a nil message.
func (c *Comm) Improbe(source, tag int) (*Message, Status, bool, error) {
	if err := c.checkPeer("source", source, true); err != nil {
		return nil, Status{}, false, err
	}
	if tag < 0 && tag != AnyTag {
		return nil, Status{}, false, Errorf(ErrTag, "invalid tag %d (tags must be non-negative or MPI_ANY_TAG)", tag)
	}
	if source == ProcNull {
		return nil, Status{Source: ProcNull, Tag: AnyTag}, true, nil
	}
	m := c.ep.dequeue(c.context, source, tag)
	if m == nil {
		return nil, Status{}, false, nil
	}
	return m, Status{Source: m.Source, Tag: m.Tag, Bytes: m.size()}, true, nil
}

// Mprobe blocks until a message matching (source, tag) is waiting, then
// removes it from the matching queue and returns it (see Improbe).
func (c *Comm) Mprobe(ctx context.Context, source, tag int) (*Message, Status, error) {
	var (
		m     *Message
		st    Status
		found bool
		perr  error
	)
	err := c.ep.WaitFor(ctx, func() bool {
		m, st, found, perr = c.Improbe(source, tag)
		return found || perr != nil
	})
	if err != nil {
		return nil, Status{}, err
	}
	return m, st, perr
}

// ReceiveMessage copies a message returned by Improbe or Mprobe into buf and
// releases it to its sender. A nil message (from ProcNull) receives
// nothing. A message longer than buf is truncated, as for a receive.
func (e *Endpoint) ReceiveMessage(m *Message, buf []byte) Status {
	if m == nil {
		return Status{Source: ProcNull, Tag: AnyTag}
	}
	size := m.size()
	n := min(size, len(buf))
	m.copyTo(buf, nil, n)
	st := Status{Source: m.Source, Tag: m.Tag, Bytes: n}
	if n < size {
		st.Err = Errorf(ErrTruncate, "message of %d bytes from rank %d (tag %d) truncated to the %d-byte receive buffer",
			size, m.Source, m.Tag, len(buf))
	}
	m.taken()
	return st
}

// CompletedRequest returns a request of the endpoint that is already
// complete with status st (such as the receive of a matched message).
func (e *Endpoint) CompletedRequest(kind RequestKind, st Status) *Request {
	return e.completedRequest(kind, st)
}
