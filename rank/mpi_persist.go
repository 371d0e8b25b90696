package rank

import (
	"strconv"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Persistent requests (MPI_Send_init and friends, MPI_Recv_init, the MPI-4
// persistent collectives in rank/mpi_icoll.go): the init call checks the
// arguments and creates an inactive request that remembers them; MPI_Start
// starts the operation again from the remembered arguments (so a derived
// datatype's send buffer is packed anew each time); a Wait or Test that
// completes it makes it inactive again, leaving the handle valid. An
// inactive request completes at once with an empty status.

// persistOp is what a persistent request starts.
type persistOp struct {
	name string
	// args are the arguments of the init call, as the guest passed them.
	args []uint64
	// start starts one round of the operation from a call whose stack
	// holds args. It returns the request of the round and what to run
	// when a Wait or Test completes it (nil for nothing).
	start func(c *call) (*comm.Request, releaseFunc, error)
	// wide is the init call's call.wide (a large-count _c variant).
	wide uint64
	// part is set for a partitioned operation (mpi_part.go).
	part *partOp
	// releaseAnywhere: the release of a round needs no call
	// (requestState.releaseAnywhere).
	releaseAnywhere bool
}

// addPersistent registers an inactive persistent request and writes its
// handle to the guest's request pointer at argument index reqArg.
func (c *call) addPersistent(cs *commState, nargs int, reqArg int, start func(c *call) (*comm.Request, releaseFunc, error)) error {
	return c.addPersistentOp(cs, nargs, reqArg, start, false)
}

// addPersistentOp is addPersistent for an operation whose releases may
// run on any goroutine when anywhere is set (a receive's unpack).
func (c *call) addPersistentOp(cs *commState, nargs int, reqArg int, start func(c *call) (*comm.Request, releaseFunc, error), anywhere bool) error {
	p := &persistOp{name: c.name, args: append([]uint64(nil), c.stack[:nargs]...), start: start, wide: c.wide, releaseAnywhere: anywhere}
	h := c.r.addCommRequest(nil, cs)
	c.r.mu.Lock()
	c.r.requests[h].persist = p
	c.r.mu.Unlock()
	if err := c.putI32(c.u32(reqArg), int32(h), "request"); err != nil {
		c.r.dropRequest(h)
		return err
	}
	return nil
}

// checkPeerArg validates a guest rank argument of a point-to-point
// operation on cs up front, as the operation itself would.
func checkPeerArg(cs *commState, r int, wildcard bool, what string) error {
	if r == comm.ProcNull || (wildcard && r == comm.AnySource) {
		return nil
	}
	if r < 0 || r >= cs.c.Size() {
		return comm.Errorf(comm.ErrRank, "invalid %s rank %d (communicator size %d)", what, r, cs.c.Size())
	}
	return nil
}

// sendInitFunc is MPI_Send_init and its mode variants:
// (buf, count, datatype, dest, tag, comm, request*). The communicator and
// the datatype are resolved once: the request keeps working after the
// program frees its handles, as the standard requires.
func sendInitFunc(name string, mode comm.SendMode) mpiFunc {
	return mpiFunc{name: name, params: params(7), fn: func(c *call) error {
		cs, err := c.comm(c.u32(5))
		if err != nil {
			return err
		}
		if _, err := c.out(c.u32(6), 4, "request"); err != nil {
			return err
		}
		d, err := c.datatype(c.u32(2))
		if err != nil {
			return err
		}
		if _, _, err := c.typedData(c.u32(0), c.int(1), d, false, "send buffer"); err != nil {
			return err
		}
		dest, tag := peer(c.int(3)), c.int(4)
		if err := checkPeerArg(cs, dest, false, "destination"); err != nil {
			return err
		}
		if tag < 0 {
			return comm.Errorf(comm.ErrTag, "invalid tag %d (tags must be non-negative)", tag)
		}
		return c.addPersistent(cs, 6, 6, func(c *call) (*comm.Request, releaseFunc, error) {
			buf, _, err := c.typedData(c.u32(0), c.int(1), d, true, "send buffer")
			if err != nil {
				return nil, nil, err
			}
			req, err := cs.c.Isend(c.ctx, buf, dest, tag, mode)
			return req, nil, err
		})
	}}
}

// recvInit is MPI_Recv_init: (buf, count, datatype, source, tag, comm,
// request*), resolved once like sendInitFunc's.
func recvInit(c *call) error {
	cs, err := c.comm(c.u32(5))
	if err != nil {
		return err
	}
	if _, err := c.out(c.u32(6), 4, "request"); err != nil {
		return err
	}
	d, err := c.datatype(c.u32(2))
	if err != nil {
		return err
	}
	if _, _, err := c.typedData(c.u32(0), c.int(1), d, false, "receive buffer"); err != nil {
		return err
	}
	source, tag := peer(c.int(3)), tagIn(c.int(4))
	if err := checkPeerArg(cs, source, true, "source"); err != nil {
		return err
	}
	if tag < 0 && tag != comm.AnyTag {
		return comm.Errorf(comm.ErrTag, "invalid tag %d (tags must be non-negative or MPI_ANY_TAG)", c.int(4))
	}
	return c.addPersistentOp(cs, 6, 6, func(c *call) (*comm.Request, releaseFunc, error) {
		buf, rt, err := c.typedData(c.u32(0), c.int(1), d, false, "receive buffer")
		if err != nil {
			return nil, nil, err
		}
		req, err := cs.c.Irecv(buf, source, tag)
		if err != nil {
			return nil, nil, err
		}
		if !rt.copied {
			return req, nil, nil
		}
		return req, func(*call) error { return rt.unpackN(buf, req.Status().Bytes) }, nil
	}, true)
}

// startRequest starts the persistent request with handle h.
func (c *call) startRequest(h uint32, what string) error {
	rs, err := c.r.lookupRequest(h)
	if err != nil {
		if h == abi.RequestNull {
			return comm.Errorf(comm.ErrRequest, "%s is MPI_REQUEST_NULL", what)
		}
		return err
	}
	c.errComm = rs.cs
	if rs.persist == nil {
		return comm.Errorf(comm.ErrRequest, "%s (%#x) is not a persistent request", what, h)
	}
	if rs.req != nil {
		return comm.Errorf(comm.ErrRequest, "%s (%#x) is already active (complete it with a Wait or Test before starting it again)", what, h)
	}
	// The round runs as a copy of this call with the init call's name and
	// arguments.
	sc := *c
	sc.name, sc.stack, sc.errComm, sc.wide = rs.persist.name, rs.persist.args, nil, rs.persist.wide
	req, rel, err := rs.persist.start(&sc)
	if err != nil {
		return err
	}
	c.r.mu.Lock()
	rs.req, rs.release, rs.releaseAnywhere = req, rel, rs.persist.releaseAnywhere
	c.r.mu.Unlock()
	return nil
}

func persistFunctions() []mpiFunc {
	return []mpiFunc{
		sendInitFunc("MPI_Send_init", comm.ModeStandard),
		sendInitFunc("MPI_Ssend_init", comm.ModeSync),
		sendInitFunc("MPI_Rsend_init", comm.ModeReady),
		sendInitFunc("MPI_Bsend_init", comm.ModeBuffered),
		{name: "MPI_Recv_init", params: params(7), fn: recvInit},
		{name: "MPI_Start", params: params(1), fn: func(c *call) error {
			h, err := c.getI32(c.u32(0), "request")
			if err != nil {
				return err
			}
			return c.startRequest(uint32(h), "the request")
		}},
		{name: "MPI_Startall", params: params(2), fn: func(c *call) error {
			// (count, requests[])
			n := c.int(0)
			if n < 0 {
				return comm.Errorf(comm.ErrCount, "negative request count %d", n)
			}
			if _, err := c.view(c.u32(1), 4*n, "request array"); err != nil {
				return err
			}
			for i := 0; i < n; i++ {
				h, _ := c.mem.ReadUint32Le(c.u32(1) + uint32(4*i))
				if err := c.startRequest(h, "request "+strconv.Itoa(i)); err != nil {
					return err
				}
			}
			return nil
		}},
		{name: "MPI_Request_get_status", params: params(3), fn: func(c *call) error {
			// (request, flag*, status*): like MPI_Test, but the request
			// stays as it is.
			h := c.u32(0)
			if _, err := c.out(c.u32(1), 4, "flag"); err != nil {
				return err
			}
			if h == abi.RequestNull {
				if err := c.putI32(c.u32(1), 1, "flag"); err != nil {
					return err
				}
				return c.putStatus(c.u32(2), emptyStatus, false)
			}
			rs, err := c.r.lookupRequest(h)
			if err != nil {
				return err
			}
			c.errComm = rs.cs
			if rs.req == nil {
				if err := c.putI32(c.u32(1), 1, "flag"); err != nil {
					return err
				}
				return c.putStatus(c.u32(2), emptyStatus, false)
			}
			if !rs.req.Done() {
				return c.putI32(c.u32(1), 0, "flag")
			}
			if err := c.putI32(c.u32(1), 1, "flag"); err != nil {
				return err
			}
			st := c.peekStatus(rs)
			if err := c.putStatus(c.u32(2), st, false); err != nil {
				return err
			}
			return st.Err
		}},
		{name: "MPI_Request_get_status_all", params: params(4), fn: func(c *call) error {
			// (count, requests[], flag*, statuses[])
			_, rss, reqs, err := c.requestArray(c.int(0), c.u32(1))
			if err != nil {
				return err
			}
			if err := c.checkStatuses(len(rss), c.u32(3)); err != nil {
				return err
			}
			for _, r := range reqs {
				if r != nil && !r.Done() {
					return c.putI32(c.u32(2), 0, "flag")
				}
			}
			if err := c.putI32(c.u32(2), 1, "flag"); err != nil {
				return err
			}
			failed := false
			for i, rs := range rss {
				st := emptyStatus
				if rs != nil && rs.req != nil {
					st = c.peekStatus(rs)
				}
				failed = failed || st.Err != nil
				if err := c.putStatus(statusAt(c.u32(3), i), st, true); err != nil {
					return err
				}
			}
			if failed {
				return comm.Errorf(comm.ErrInStatus, "at least one request failed; see the MPI_ERROR field of the statuses")
			}
			return nil
		}},
		{name: "MPI_Request_get_status_any", params: params(5), fn: func(c *call) error {
			// (count, requests[], index*, flag*, status*)
			_, rss, reqs, err := c.requestArray(c.int(0), c.u32(1))
			if err != nil {
				return err
			}
			if _, err := c.out(c.u32(2), 4, "index"); err != nil {
				return err
			}
			active := false
			for i, r := range reqs {
				if r == nil {
					continue
				}
				active = true
				if r.Done() {
					if err := c.putI32(c.u32(2), int32(i), "index"); err != nil {
						return err
					}
					if err := c.putI32(c.u32(3), 1, "flag"); err != nil {
						return err
					}
					st := c.peekStatus(rss[i])
					if err := c.putStatus(c.u32(4), st, false); err != nil {
						return err
					}
					return st.Err
				}
			}
			if err := c.putI32(c.u32(2), abi.Undefined, "index"); err != nil {
				return err
			}
			if err := c.putI32(c.u32(3), boolInt(!active), "flag"); err != nil {
				return err
			}
			if !active {
				return c.putStatus(c.u32(4), emptyStatus, false)
			}
			return nil
		}},
		{name: "MPI_Request_get_status_some", params: params(5), fn: func(c *call) error {
			// (incount, requests[], outcount*, indices[], statuses[])
			_, rss, reqs, err := c.requestArray(c.int(0), c.u32(1))
			if err != nil {
				return err
			}
			if err := c.checkStatuses(len(rss), c.u32(4)); err != nil {
				return err
			}
			active := false
			for _, r := range reqs {
				active = active || r != nil
			}
			if !active {
				return c.putI32(c.u32(2), abi.Undefined, "outcount")
			}
			done := comm.TestSome(reqs)
			if len(done) > 0 {
				if _, err := c.view(c.u32(3), 4*len(done), "indices"); err != nil {
					return err
				}
			}
			failed := false
			for k, i := range done {
				c.mem.WriteUint32Le(c.u32(3)+uint32(4*k), uint32(i))
				st := c.peekStatus(rss[i])
				failed = failed || st.Err != nil
				if err := c.putStatus(statusAt(c.u32(4), k), st, true); err != nil {
					return err
				}
			}
			if err := c.putI32(c.u32(2), int32(len(done)), "outcount"); err != nil {
				return err
			}
			if failed {
				return comm.Errorf(comm.ErrInStatus, "at least one request failed; see the MPI_ERROR field of the statuses")
			}
			return nil
		}},
	}
}

// peekStatus is the status of a completed active request, which stays as it
// is. The data must be in the guest's buffer once a flag says the operation
// is complete, so a receive buffer that is a packed copy is unpacked now
// rather than at the Wait.
func (c *call) peekStatus(rs *requestState) comm.Status {
	c.r.mu.Lock()
	rel := rs.release
	rs.release = nil
	c.r.mu.Unlock()
	st := completedStatus(rs.req)
	if rel != nil {
		if err := rel(c); err != nil && st.Err == nil {
			st.Err = err
		}
	}
	return st
}

// statusAt is the address of status i of an array (0 for
// MPI_STATUSES_IGNORE).
func statusAt(base uint32, i int) uint32 {
	if base == 0 {
		return 0
	}
	return base + uint32(i*abi.StatusSize)
}
