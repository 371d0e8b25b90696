package rank

import (
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Matched probes: MPI_Mprobe and MPI_Improbe take the message they find
// out of the matching queue (comm.Comm.Improbe), so that no other receive
// can match it, and return an MPI_Message handle for it; MPI_Mrecv and
// MPI_Imrecv receive exactly that message. Message handles share the
// request handles' table and range (a requestState with msg set) but are
// never accepted where a request is expected, nor the other way round. A
// probe of MPI_PROC_NULL returns MPI_MESSAGE_NO_PROC.

// addMessage registers a message taken by a matched probe.
func (r *rankState) addMessage(m *comm.Message, cs *commState) uint32 {
	h := r.addRequest(nil)
	r.mu.Lock()
	rs := r.requests[h]
	rs.msg, rs.msgCS, rs.cs = m, cs, cs
	r.mu.Unlock()
	return h
}

// putMessage writes the handle of a probed message (nil for MPI_PROC_NULL).
func (c *call) putMessage(ptr uint32, m *comm.Message, cs *commState) error {
	if m == nil {
		return c.putI32(ptr, int32(abi.MessageNoProc), "message")
	}
	return c.putI32(ptr, int32(c.r.addMessage(m, cs)), "message")
}

// takeMessage resolves the message handle at ptr, frees it and sets the
// guest's handle to MPI_MESSAGE_NULL. The message is nil for
// MPI_MESSAGE_NO_PROC.
func (c *call) takeMessage(ptr uint32) (*comm.Message, error) {
	v, err := c.getI32(ptr, "message")
	if err != nil {
		return nil, err
	}
	h := uint32(v)
	switch h {
	case abi.MessageNull:
		return nil, comm.Errorf(comm.ErrRequest, "the message is MPI_MESSAGE_NULL")
	case abi.MessageNoProc:
		return nil, c.putI32(ptr, int32(abi.MessageNull), "message")
	}
	c.r.mu.Lock()
	rs := c.r.requests[h]
	if rs == nil || rs.msg == nil {
		c.r.mu.Unlock()
		return nil, comm.Errorf(comm.ErrRequest, "invalid message handle %#x", h)
	}
	delete(c.r.requests, h)
	c.r.mu.Unlock()
	c.errComm = rs.msgCS
	return rs.msg, c.putI32(ptr, int32(abi.MessageNull), "message")
}

// receiveMessage copies message m into (ptr, count, datatype).
func (c *call) receiveMessage(m *comm.Message, ptr uint32, count int, dt uint32) (comm.Status, error) {
	buf, rt, err := c.recvBuffer(ptr, count, dt, "receive buffer")
	if err != nil {
		// The message is consumed anyway, or its sender would wait for
		// ever: receive it into nothing.
		c.r.ep.ReceiveMessage(m, nil)
		return comm.Status{}, err
	}
	st := c.r.ep.ReceiveMessage(m, buf)
	if err := rt.unpackN(buf, st.Bytes); err != nil {
		return st, err
	}
	return st, nil
}

func mprobeFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Mprobe", params: params(5), fn: func(c *call) error {
			// (source, tag, comm, message*, status*)
			cs, err := c.comm(c.u32(2))
			if err != nil {
				return err
			}
			if _, err := c.out(c.u32(3), 4, "message"); err != nil {
				return err
			}
			m, st, err := cs.c.Mprobe(c.ctx, peer(c.int(0)), tagIn(c.int(1)))
			if err != nil {
				return err
			}
			if err := c.putMessage(c.u32(3), m, cs); err != nil {
				return err
			}
			return c.putStatus(c.u32(4), st, false)
		}},
		{name: "MPI_Improbe", params: params(6), fn: func(c *call) error {
			// (source, tag, comm, flag*, message*, status*)
			cs, err := c.comm(c.u32(2))
			if err != nil {
				return err
			}
			if _, err := c.out(c.u32(3), 4, "flag"); err != nil {
				return err
			}
			if _, err := c.out(c.u32(4), 4, "message"); err != nil {
				return err
			}
			m, st, ok, err := cs.c.Improbe(peer(c.int(0)), tagIn(c.int(1)))
			if err != nil {
				return err
			}
			if err := c.putI32(c.u32(3), boolInt(ok), "flag"); err != nil {
				return err
			}
			if !ok {
				return nil
			}
			if err := c.putMessage(c.u32(4), m, cs); err != nil {
				return err
			}
			return c.putStatus(c.u32(5), st, false)
		}},
		{name: "MPI_Mrecv", params: params(5), fn: func(c *call) error {
			// (buf, count, datatype, message*, status*)
			m, err := c.takeMessage(c.u32(3))
			if err != nil {
				return err
			}
			st, err := c.receiveMessage(m, c.u32(0), c.int(1), c.u32(2))
			if err != nil {
				return err
			}
			if err := c.putStatus(c.u32(4), st, false); err != nil {
				return err
			}
			return st.Err
		}},
		{name: "MPI_Imrecv", params: params(5), fn: func(c *call) error {
			// (buf, count, datatype, message*, request*): the message is
			// already here, so the receive completes at once.
			if _, err := c.out(c.u32(4), 4, "request"); err != nil {
				return err
			}
			m, err := c.takeMessage(c.u32(3))
			if err != nil {
				return err
			}
			st, err := c.receiveMessage(m, c.u32(0), c.int(1), c.u32(2))
			if err != nil {
				return err
			}
			req := c.r.ep.CompletedRequest(comm.KindRecv, st)
			return c.putI32(c.u32(4), int32(c.r.addCommRequest(req, c.errComm)), "request")
		}},
	}
}
