package rank

import (
	"github.com/wasmpi/wasmpi/comm"
)

// Partitioned communication (MPI-4 chapter 4): MPI_Psend_init and
// MPI_Precv_init make persistent requests whose buffer is split into
// partitions. The sender marks partitions ready with MPI_Pready*; when the
// last one is ready the whole buffer goes as one message, so the receiver
// sees every partition arrive at once (MPI_Parrived reports a partition
// once the message is in, which the standard allows).
//
// Partitioned operations match in the order they were initialised, per
// communicator, peer and tag: the k-th MPI_Psend_init to (dest, tag) pairs
// with the k-th MPI_Precv_init from (source, tag). The messages therefore
// carry an internal tag made of the user's tag and k, and travel on the
// communicator's collective context (whose tags collectives keep below
// 2^40), so no receive of the program, not even one with MPI_ANY_TAG, can
// take them.

// partOp is the partitioned side of a persistent request.
type partOp struct {
	send  bool
	parts int
	cs    *commState
	cm    *comm.Comm // the collective context of cs
	peer  int
	tag   int // the internal tag of the pair (partTag)
	// sender, under the rank's mu: which partitions the program marked
	// ready in this round (threads may mark them concurrently), and the
	// round's request, completed once the message has gone.
	ready  []bool
	nready int
	round  *comm.Request // nil when no round is waiting for partitions
}

// partKey identifies the sequence of partitioned operations between this
// rank and a peer on one communicator with one tag, in one direction.
type partKey struct {
	context uint32
	send    bool
	peer    int
	tag     int
}

// partTag is the internal tag of the k-th partitioned pair with user tag
// tag: above every user tag (those stay below 2^31).
func partTag(tag, k int) int { return 1<<42 | k<<31 | tag }

// nextPartSeq numbers a new partitioned operation of its sequence.
func (r *rankState) nextPartSeq(k partKey) int {
	x := &r.ext
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.partSeq == nil {
		x.partSeq = map[partKey]int{}
	}
	n := x.partSeq[k]
	x.partSeq[k] = n + 1
	return n
}

// partInitFunc is MPI_Psend_init or MPI_Precv_init: (buf, partitions,
// count, datatype, peer, tag, comm, info, request*); count is per
// partition.
func partInitFunc(name string, send bool) mpiFunc {
	return mpiFunc{name: name, params: params(9), fn: func(c *call) error {
		cs, err := c.comm(c.u32(6))
		if err != nil {
			return err
		}
		if c.r.interOf(cs) != nil {
			return comm.Errorf(comm.ErrComm, "partitioned communication on an intercommunicator is not supported")
		}
		if _, err := c.out(c.u32(8), 4, "request"); err != nil {
			return err
		}
		if err := c.checkInfo(c.u32(7)); err != nil {
			return err
		}
		parts, count := c.int(1), c.int(2)
		if parts < 1 {
			return comm.Errorf(comm.ErrArg, "partitions must be at least 1, got %d", parts)
		}
		if count < 0 {
			return comm.Errorf(comm.ErrCount, "negative count %d", count)
		}
		total := int64(parts) * int64(count)
		if total > 1<<31-1 {
			return comm.Errorf(comm.ErrCount, "%d partitions of %d elements is too many elements", parts, count)
		}
		d, err := c.datatype(c.u32(3))
		if err != nil {
			return err
		}
		what := "receive buffer"
		if send {
			what = "send buffer"
		}
		if _, _, err := c.typedData(c.u32(0), int(total), d, false, what); err != nil {
			return err
		}
		p, tag := peer(c.int(4)), c.int(5)
		if err := checkPeerArg(cs, p, false, map[bool]string{true: "destination", false: "source"}[send]); err != nil {
			return err
		}
		if tag < 0 {
			return comm.Errorf(comm.ErrTag, "invalid tag %d (partitioned operations take no wildcards)", c.int(5))
		}
		seq := c.r.nextPartSeq(partKey{context: cs.c.Context(), send: send, peer: p, tag: tag})
		op := &partOp{send: send, parts: parts, cs: cs, cm: cs.c.Collective(), peer: p, tag: partTag(tag, seq), ready: make([]bool, parts)}
		var start func(c *call) (*comm.Request, releaseFunc, error)
		if send {
			start = func(c *call) (*comm.Request, releaseFunc, error) {
				// The message leaves when the last partition is ready
				// (partReady), which completes the round's request.
				round := c.r.ep.NewGenericRequest()
				c.r.mu.Lock()
				clear(op.ready)
				op.nready, op.round = 0, round
				c.r.mu.Unlock()
				return round, nil, nil
			}
		} else {
			start = func(c *call) (*comm.Request, releaseFunc, error) {
				buf, rt, err := c.typedData(c.u32(0), int(total), d, false, "receive buffer")
				if err != nil {
					return nil, nil, err
				}
				req, err := op.cm.Irecv(buf, op.peer, op.tag)
				if err != nil || !rt.copied {
					return req, nil, err
				}
				return req, func(*call) error { return rt.unpackN(buf, req.Status().Bytes) }, nil
			}
		}
		// a receive's release only unpacks: it may run when the round
		// completes after MPI_Request_free
		if err := c.addPersistentOp(cs, 9, 8, start, !send); err != nil {
			return err
		}
		h, _ := c.getI32(c.u32(8), "request")
		rs, err := c.r.lookupRequest(uint32(h))
		if err != nil {
			return err
		}
		c.r.mu.Lock()
		rs.persist.part = op
		c.r.mu.Unlock()
		return nil
	}}
}

// partRequest resolves the request of a partitioned operation.
func (c *call) partRequest(h uint32, send bool) (*requestState, *partOp, error) {
	rs, err := c.r.lookupRequest(h)
	if err != nil {
		return nil, nil, err
	}
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if rs.cs != nil {
		c.errComm = rs.cs
	}
	if rs.persist == nil || rs.persist.part == nil {
		return nil, nil, comm.Errorf(comm.ErrRequest, "request %#x is not a partitioned operation", h)
	}
	op := rs.persist.part
	if op.send != send {
		if send {
			return nil, nil, comm.Errorf(comm.ErrRequest, "request %#x is a partitioned receive (MPI_Pready needs a send)", h)
		}
		return nil, nil, comm.Errorf(comm.ErrRequest, "request %#x is a partitioned send (MPI_Parrived needs a receive)", h)
	}
	return rs, op, nil
}

// partReady marks partitions ready on the send request h (threads may do
// so concurrently); the call that makes the last one ready sends the
// buffer, and the round's request completes when the send does.
func (c *call) partReady(h uint32, parts func(op *partOp) ([]int, error)) error {
	rs, op, err := c.partRequest(h, true)
	if err != nil {
		return err
	}
	list, err := parts(op)
	if err != nil {
		return err
	}
	c.r.mu.Lock()
	round := op.round
	if round == nil {
		c.r.mu.Unlock()
		return comm.Errorf(comm.ErrRequest, "the partitioned send is not active (MPI_Start it first, once per round)")
	}
	for _, k := range list {
		if k < 0 || k >= op.parts {
			c.r.mu.Unlock()
			return comm.Errorf(comm.ErrArg, "partition %d is out of range (the send has %d)", k, op.parts)
		}
		if op.ready[k] {
			c.r.mu.Unlock()
			return comm.Errorf(comm.ErrArg, "partition %d is already ready in this round", k)
		}
	}
	for _, k := range list {
		op.ready[k] = true
	}
	op.nready += len(list)
	last := op.nready == op.parts
	if last {
		op.round = nil
	}
	args := rs.persist.args
	c.r.mu.Unlock()
	if !last {
		return nil
	}
	// Every partition is ready: send the whole buffer (packed now, when
	// its contents are final), described by the init call's arguments.
	saved := c.stack
	c.stack = args
	buf, _, err := c.buffer(c.u32(0), c.int(1)*c.int(2), c.u32(3), "send buffer")
	c.stack = saved
	if err != nil {
		round.Complete(err)
		return err
	}
	req, err := op.cm.Isend(c.ctx, buf, op.peer, op.tag, comm.ModeStandard)
	if err != nil {
		round.Complete(err)
		return err
	}
	req.OnComplete(func() { round.Complete(req.Status().Err) })
	return nil
}

func partFunctions() []mpiFunc {
	return []mpiFunc{
		partInitFunc("MPI_Psend_init", true),
		partInitFunc("MPI_Precv_init", false),
		{name: "MPI_Pready", params: params(2), fn: func(c *call) error {
			// (partition, request)
			return c.partReady(c.u32(1), func(*partOp) ([]int, error) { return []int{c.int(0)}, nil })
		}},
		{name: "MPI_Pready_range", params: params(3), fn: func(c *call) error {
			// (partition_low, partition_high, request)
			return c.partReady(c.u32(2), func(op *partOp) ([]int, error) {
				lo, hi := c.int(0), c.int(1)
				if lo > hi {
					return nil, comm.Errorf(comm.ErrArg, "partition range %d..%d is empty", lo, hi)
				}
				if lo < 0 || hi >= op.parts {
					return nil, comm.Errorf(comm.ErrArg, "partition range %d..%d is out of range (the send has %d)", lo, hi, op.parts)
				}
				l := make([]int, 0, hi-lo+1)
				for k := lo; k <= hi; k++ {
					l = append(l, k)
				}
				return l, nil
			})
		}},
		{name: "MPI_Pready_list", params: params(3), fn: func(c *call) error {
			// (length, array_of_partitions[], request)
			return c.partReady(c.u32(2), func(op *partOp) ([]int, error) {
				n := c.int(0)
				if n < 0 || n > op.parts {
					return nil, comm.Errorf(comm.ErrArg, "invalid number of partitions %d", n)
				}
				return c.ints(c.u32(1), n, "array_of_partitions")
			})
		}},
		{name: "MPI_Parrived", params: params(3), fn: func(c *call) error {
			// (request, partition, flag*)
			rs, op, err := c.partRequest(c.u32(0), false)
			if err != nil {
				return err
			}
			k := c.int(1)
			if k < 0 || k >= op.parts {
				return comm.Errorf(comm.ErrArg, "partition %d is out of range (the receive has %d)", k, op.parts)
			}
			c.r.mu.Lock()
			req := rs.req
			c.r.mu.Unlock()
			if req == nil {
				return comm.Errorf(comm.ErrRequest, "the partitioned receive is not active (MPI_Start it first)")
			}
			return c.putI32(c.u32(2), boolInt(req.Done()), "flag")
		}},
	}
}
