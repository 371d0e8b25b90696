package rank

import (
	"sync/atomic"

	"github.com/wasmpi/wasmpi/comm"
)

// MPI_Isendrecv and MPI_Isendrecv_replace: the receive and the send are
// posted in the call, in that order (so they keep their place in the
// matching order like MPI_Sendrecv's), and the request the program gets
// completes when both have, with the receive's status.

// isendrecv posts the pair and registers the request at reqPtr.
func (c *call) isendrecv(a sendrecvArgs, reqPtr uint32) error {
	cs, sbuf, dest, stag, rbuf, rt, source, rtag := a.cs, a.sbuf, a.dest, a.stag, a.rbuf, a.rt, a.source, a.rtag
	if _, err := c.out(reqPtr, 4, "request"); err != nil {
		return err
	}
	if err := checkPeerArg(cs, dest, false, "destination"); err != nil {
		return err
	}
	if stag < 0 {
		return comm.Errorf(comm.ErrTag, "invalid send tag %d (tags must be non-negative)", stag)
	}
	rreq, err := cs.c.Irecv(rbuf, source, rtag)
	if err != nil {
		return err
	}
	sreq, err := cs.c.Isend(c.ctx, sbuf, dest, stag, comm.ModeStandard)
	if err != nil {
		c.r.ep.Cancel(rreq)
		return err
	}
	both := c.r.ep.NewGenericRequest()
	var left atomic.Int32
	left.Store(2)
	done := func() {
		if left.Add(-1) != 0 {
			return
		}
		st := rreq.Status()
		if err := sreq.Status().Err; err != nil && st.Err == nil {
			st.Err = err
		}
		both.CompleteStatus(st)
	}
	sreq.OnComplete(done)
	rreq.OnComplete(done)
	h := c.r.addCommRequest(both, cs)
	if rt.copied {
		// unpacked by Wait or Test, or when it completes after
		// MPI_Request_free (like MPI_Irecv's)
		c.r.setRelease(h, func(*call) error { return rt.unpackN(rbuf, both.Status().Bytes) })
		c.r.mu.Lock()
		c.r.requests[h].releaseAnywhere = true
		c.r.mu.Unlock()
	}
	return c.putI32(reqPtr, int32(h), "request")
}

func isendrecvFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Isendrecv", params: params(12), fn: func(c *call) error {
			// (sbuf, scount, stype, dest, stag, rbuf, rcount, rtype, source, rtag, comm, request*)
			a, err := c.sendrecvArgs()
			if err != nil {
				return err
			}
			return c.isendrecv(a, c.u32(11))
		}},
		{name: "MPI_Isendrecv_replace", params: params(9), fn: func(c *call) error {
			// (buf, count, type, dest, stag, source, rtag, comm, request*)
			a, err := c.sendrecvReplaceArgs()
			if err != nil {
				return err
			}
			return c.isendrecv(a, c.u32(8))
		}},
	}
}
