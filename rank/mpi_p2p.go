package rank

import (
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// firstRequestHandle is the first handle value given to a request; it is
// far from every predefined handle so a stale or garbage handle is caught.
const firstRequestHandle = 0x10000

// requestState is a request handle of one rank.
type requestState struct {
	req *comm.Request
	// cs is the communicator the operation runs on; its error handler
	// applies when the request completes with an error. Nil for requests
	// tied to no communicator.
	cs *commState
	// release, if set, runs once when the request is completed through a
	// Wait or Test (e.g. unpacking a receive buffer).
	release releaseFunc
	// releaseAnywhere says that release only unpacks a receive buffer into
	// guest memory and needs no call: when the program frees the request
	// it runs on whatever goroutine completes the receive.
	releaseAnywhere bool
	// persist, if set, makes this a persistent request (rank/mpi_persist.go):
	// req is nil while it is inactive, and completing it makes it inactive
	// again instead of freeing the handle.
	persist *persistOp
	// msg, if set, makes the handle an MPI_Message (rank/mpi_mprobe.go),
	// not a request: the message a matched probe took out of the queue.
	msg *comm.Message
	// msgCS is the communicator of msg.
	msgCS *commState
}

// addCommRequest registers a request of an operation on communicator cs.
func (r *rankState) addCommRequest(req *comm.Request, cs *commState) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addRequestLocked(&requestState{req: req, cs: cs})
}

func (r *rankState) addRequest(req *comm.Request) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addRequestLocked(&requestState{req: req})
}

// addRequestLocked stores rs under a free request handle; r.mu is held.
func (r *rankState) addRequestLocked(rs *requestState) uint32 {
	for {
		h := r.nextReq
		r.nextReq++
		if r.nextReq == 0 {
			r.nextReq = firstRequestHandle
		}
		if _, used := r.requests[h]; !used && h >= firstRequestHandle {
			r.requests[h] = rs
			return h
		}
	}
}

func (r *rankState) lookupRequest(h uint32) (*requestState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	rs := r.requests[h]
	if rs == nil {
		return nil, comm.Errorf(comm.ErrRequest, "invalid request handle %#x", h)
	}
	if rs.msg != nil {
		return nil, comm.Errorf(comm.ErrRequest, "handle %#x is an MPI_Message, not a request", h)
	}
	return rs, nil
}

// dropRequest frees handle h and reports whether it was in use (a handle
// named twice in one Waitall is only freed once).
func (r *rankState) dropRequest(h uint32) bool {
	r.mu.Lock()
	_, ok := r.requests[h]
	delete(r.requests, h)
	r.mu.Unlock()
	return ok
}

// sendMode is the comm mode of each send flavour.
func sendFunc(name string, mode comm.SendMode) mpiFunc {
	// (buf, count, datatype, dest, tag, comm)
	return mpiFunc{name: name, params: params(6), fn: func(c *call) error {
		cs, err := c.comm(c.u32(5))
		if err != nil {
			return err
		}
		req, err := c.isendInPlace(cs, mode)
		if err != nil {
			return err
		}
		_, err = c.r.ep.Wait(c.ctx, req)
		if err == nil {
			err = req.Status().Err
		}
		c.r.ep.Release(req)
		return err
	}}
}

func isendFunc(name string, mode comm.SendMode) mpiFunc {
	// (buf, count, datatype, dest, tag, comm, request*)
	return mpiFunc{name: name, params: params(7), fn: func(c *call) error {
		cs, err := c.comm(c.u32(5))
		if err != nil {
			return err
		}
		if _, err := c.out(c.u32(6), 4, "request"); err != nil {
			return err
		}
		req, err := c.isendInPlace(cs, mode)
		if err != nil {
			return err
		}
		return c.putI32(c.u32(6), int32(c.r.addCommRequest(req, cs)), "request")
	}}
}

// isendInPlace starts the send of (buf, count, datatype, dest, tag, ...):
// the receiver reads the guest's buffer in place, non-contiguous ones
// included; a buffered send copies it out (comm packs a layout then).
func (c *call) isendInPlace(cs *commState, mode comm.SendMode) (*comm.Request, error) {
	buf, l, err := c.bufferInPlace(c.u32(0), c.int(1), c.u32(2), "send buffer")
	if err != nil {
		return nil, err
	}
	if l != nil {
		return cs.c.IsendLayout(c.ctx, l, peer(c.int(3)), c.int(4), mode)
	}
	return cs.c.Isend(c.ctx, buf, peer(c.int(3)), c.int(4), mode)
}

// irecvInPlace posts the receive of (buf, count, datatype, source, tag,
// ...) straight into the guest's buffer, non-contiguous ones included.
func (c *call) irecvInPlace(cs *commState) (*comm.Request, error) {
	buf, l, err := c.bufferInPlace(c.u32(0), c.int(1), c.u32(2), "receive buffer")
	if err != nil {
		return nil, err
	}
	if l != nil {
		return cs.c.IrecvLayout(l, peer(c.int(3)), tagIn(c.int(4)))
	}
	return cs.c.Irecv(buf, peer(c.int(3)), tagIn(c.int(4)))
}

// p2pFunctions lists the point-to-point functions, which also work on
// intercommunicators (see interView); they include the persistent requests
// (rank/mpi_persist.go) and matched probes (rank/mpi_mprobe.go).
//
// None of them keeps its call after returning, so all recycle the call
// record (mpiFunc.reuseCall): they are the calls a latency-bound program
// makes most often.
func p2pFunctions() []mpiFunc {
	fs := append(basicP2PFunctions(), persistFunctions()...)
	fs = append(fs, mprobeFunctions()...)
	for i := range fs {
		fs[i].reuseCall = true
	}
	return fs
}

func basicP2PFunctions() []mpiFunc {
	return []mpiFunc{
		sendFunc("MPI_Send", comm.ModeStandard),
		sendFunc("MPI_Ssend", comm.ModeSync),
		sendFunc("MPI_Rsend", comm.ModeReady),
		sendFunc("MPI_Bsend", comm.ModeBuffered),
		isendFunc("MPI_Isend", comm.ModeStandard),
		isendFunc("MPI_Issend", comm.ModeSync),
		isendFunc("MPI_Irsend", comm.ModeReady),
		isendFunc("MPI_Ibsend", comm.ModeBuffered),
		{name: "MPI_Buffer_attach", params: params(2), fn: func(c *call) error {
			size := c.int(1)
			if _, err := c.view(c.u32(0), size, "buffer"); err != nil {
				return err
			}
			if err := c.r.ep.AttachBuffer(size); err != nil {
				return err
			}
			c.r.mu.Lock()
			c.r.bsendAddr, c.r.bsendSize = c.u32(0), uint32(size)
			c.r.mu.Unlock()
			return nil
		}},
		{name: "MPI_Buffer_detach", params: params(2), countAware: true, fn: func(c *call) error {
			// (void *buffer_addr, int *size): buffer_addr receives the
			// address given to MPI_Buffer_attach.
			if _, err := c.out(c.u32(0), 4, "buffer address"); err != nil {
				return err
			}
			if _, err := c.out(c.u32(1), c.countWidth(1), "size"); err != nil {
				return err
			}
			size, err := c.r.ep.DetachBuffer(c.ctx)
			if err != nil {
				return err
			}
			c.r.mu.Lock()
			addr := c.r.bsendAddr
			c.r.bsendAddr, c.r.bsendSize = 0, 0
			c.r.mu.Unlock()
			if err := c.putI32(c.u32(0), int32(addr), "buffer address"); err != nil {
				return err
			}
			return c.putCountArg(1, int64(size), "size")
		}},
		{name: "MPI_Recv", params: params(7), fn: func(c *call) error {
			// (buf, count, datatype, source, tag, comm, status*)
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			req, err := c.irecvInPlace(cs)
			if err != nil {
				return err
			}
			st, err := c.r.ep.Wait(c.ctx, req)
			if err == nil {
				err = st.Err
			}
			c.r.ep.Release(req)
			if perr := c.putStatus(c.u32(6), st, false); perr != nil && err == nil {
				err = perr
			}
			return err
		}},
		{name: "MPI_Irecv", params: params(7), fn: func(c *call) error {
			cs, err := c.comm(c.u32(5))
			if err != nil {
				return err
			}
			if _, err := c.out(c.u32(6), 4, "request"); err != nil {
				return err
			}
			req, err := c.irecvInPlace(cs)
			if err != nil {
				return err
			}
			return c.putI32(c.u32(6), int32(c.r.addCommRequest(req, cs)), "request")
		}},
		{name: "MPI_Sendrecv", params: params(12), fn: func(c *call) error {
			// (sbuf, scount, stype, dest, stag, rbuf, rcount, rtype, source, rtag, comm, status*)
			a, err := c.sendrecvArgs()
			if err != nil {
				return err
			}
			return sendrecv(c, a.cs.c, a.sbuf, a.dest, a.stag, a.rbuf, a.rt, a.source, a.rtag, c.u32(11))
		}},
		{name: "MPI_Sendrecv_replace", params: params(9), fn: func(c *call) error {
			// (buf, count, type, dest, stag, source, rtag, comm, status*)
			a, err := c.sendrecvReplaceArgs()
			if err != nil {
				return err
			}
			return sendrecv(c, a.cs.c, a.sbuf, a.dest, a.stag, a.rbuf, a.rt, a.source, a.rtag, c.u32(8))
		}},
		{name: "MPI_Wait", params: params(2), fn: func(c *call) error {
			return c.wait(c.u32(0), c.u32(1))
		}},
		{name: "MPI_Test", params: params(3), fn: func(c *call) error {
			return c.test(c.u32(0), c.u32(1), c.u32(2))
		}},
		{name: "MPI_Waitall", params: params(3), fn: func(c *call) error {
			return c.waitall(c.int(0), c.u32(1), c.u32(2))
		}},
		{name: "MPI_Testall", params: params(4), fn: func(c *call) error {
			return c.testall(c.int(0), c.u32(1), c.u32(2), c.u32(3))
		}},
		{name: "MPI_Waitany", params: params(4), fn: func(c *call) error {
			return c.waitany(c.int(0), c.u32(1), c.u32(2), 0, c.u32(3), true)
		}},
		{name: "MPI_Testany", params: params(5), fn: func(c *call) error {
			return c.waitany(c.int(0), c.u32(1), c.u32(2), c.u32(3), c.u32(4), false)
		}},
		{name: "MPI_Waitsome", params: params(5), fn: func(c *call) error {
			return c.waitsome(c.int(0), c.u32(1), c.u32(2), c.u32(3), c.u32(4), true)
		}},
		{name: "MPI_Testsome", params: params(5), fn: func(c *call) error {
			return c.waitsome(c.int(0), c.u32(1), c.u32(2), c.u32(3), c.u32(4), false)
		}},
		{name: "MPI_Request_free", params: params(1), fn: func(c *call) error {
			p := c.u32(0)
			h, err := c.getI32(p, "request")
			if err != nil {
				return err
			}
			if uint32(h) == abi.RequestNull {
				return comm.Errorf(comm.ErrRequest, "MPI_REQUEST_NULL cannot be freed")
			}
			rs, err := c.r.lookupRequest(uint32(h))
			if err != nil {
				return err
			}
			c.errComm = rs.cs
			c.r.mu.Lock()
			req, rel, anywhere := rs.req, rs.release, rs.releaseAnywhere
			c.r.mu.Unlock()
			if req != nil && rel != nil {
				if !anywhere {
					// Only nonblocking collectives leave work for the
					// completing call; the standard makes freeing their
					// requests erroneous.
					return comm.Errorf(comm.ErrRequest, "request %#x belongs to a nonblocking collective operation, which cannot be freed; complete it with MPI_Wait or MPI_Test", h)
				}
				// The operation goes on and its receive buffer is
				// unpacked when it completes; only the handle goes away.
				req.OnComplete(func() { _ = rel(nil) })
			}
			c.r.dropRequest(uint32(h))
			return c.putI32(p, int32(abi.RequestNull), "request")
		}},
		{name: "MPI_Cancel", params: params(1), fn: func(c *call) error {
			h, err := c.getI32(c.u32(0), "request")
			if err != nil {
				return err
			}
			rs, err := c.r.lookupRequest(uint32(h))
			if err != nil {
				return err
			}
			if rs.req != nil { // an inactive persistent request: nothing to cancel
				c.r.ep.Cancel(rs.req)
			}
			return nil
		}},
		{name: "MPI_Test_cancelled", params: params(2), fn: func(c *call) error {
			b, err := c.view(c.u32(0), abi.StatusSize, "status")
			if err != nil {
				return err
			}
			_ = b
			v, _ := c.mem.ReadUint32Le(c.u32(0) + statusCancelled)
			return c.putI32(c.u32(1), boolInt(v != 0), "flag")
		}},
		{name: "MPI_Probe", params: params(4), fn: func(c *call) error {
			cs, err := c.comm(c.u32(2))
			if err != nil {
				return err
			}
			st, err := cs.c.Probe(c.ctx, peer(c.int(0)), tagIn(c.int(1)))
			if err != nil {
				return err
			}
			return c.putStatus(c.u32(3), st, false)
		}},
		{name: "MPI_Iprobe", params: params(5), fn: func(c *call) error {
			cs, err := c.comm(c.u32(2))
			if err != nil {
				return err
			}
			st, ok, err := cs.c.Iprobe(peer(c.int(0)), tagIn(c.int(1)))
			if err != nil {
				return err
			}
			if err := c.putI32(c.u32(3), boolInt(ok), "flag"); err != nil {
				return err
			}
			if ok {
				return c.putStatus(c.u32(4), st, false)
			}
			return nil
		}},
		{name: "MPI_Get_count", params: params(3), countAware: true, fn: func(c *call) error {
			n, err := c.statusCount(c.u32(0), c.u32(1))
			if err != nil {
				return err
			}
			return c.putCountArg(2, n, "count")
		}},
		{name: "MPI_Get_elements", params: params(3), countAware: true, fn: func(c *call) error {
			n, err := c.statusElements(c.u32(0), c.u32(1))
			if err != nil {
				return err
			}
			return c.putCountArg(2, n, "count")
		}},
		{name: "MPI_Get_elements_x", params: params(3), fn: func(c *call) error {
			n, err := c.statusElements(c.u32(0), c.u32(1))
			if err != nil {
				return err
			}
			return c.putI64(c.u32(2), n, "count")
		}},
	}
}

// sendrecvArgs are the resolved arguments of a send-receive.
type sendrecvArgs struct {
	cs                       *commState
	sbuf, rbuf               []byte
	rt                       typedBuf // unpacks rbuf when the type is not contiguous
	dest, stag, source, rtag int
}

// sendrecvArgs resolves (sbuf, scount, stype, dest, stag, rbuf, rcount,
// rtype, source, rtag, comm, ...) of MPI_Sendrecv and MPI_Isendrecv.
func (c *call) sendrecvArgs() (sendrecvArgs, error) {
	cs, err := c.comm(c.u32(10))
	if err != nil {
		return sendrecvArgs{}, err
	}
	sbuf, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer")
	if err != nil {
		return sendrecvArgs{}, err
	}
	rbuf, rt, err := c.recvBuffer(c.u32(5), c.int(6), c.u32(7), "receive buffer")
	if err != nil {
		return sendrecvArgs{}, err
	}
	return sendrecvArgs{cs, sbuf, rbuf, rt, peer(c.int(3)), c.int(4), peer(c.int(8)), tagIn(c.int(9))}, nil
}

// sendrecvReplaceArgs resolves (buf, count, type, dest, stag, source, rtag,
// comm, ...) of MPI_Sendrecv_replace and MPI_Isendrecv_replace: the send
// goes from a copy, so the receive may land in buf at once.
func (c *call) sendrecvReplaceArgs() (sendrecvArgs, error) {
	cs, err := c.comm(c.u32(7))
	if err != nil {
		return sendrecvArgs{}, err
	}
	buf, rt, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "buffer")
	if err != nil {
		return sendrecvArgs{}, err
	}
	out := append([]byte(nil), buf...)
	return sendrecvArgs{cs, out, buf, rt, peer(c.int(3)), c.int(4), peer(c.int(5)), tagIn(c.int(6))}, nil
}

// sendrecv sends sbuf and receives into rbuf, which rt unpacks into guest
// memory when the datatype is not contiguous.
func sendrecv(c *call, cm *comm.Comm, sbuf []byte, dest, stag int, rbuf []byte, rt typedBuf, source, rtag int, status uint32) error {
	rreq, err := cm.Irecv(rbuf, source, rtag)
	if err != nil {
		return err
	}
	sreq, err := cm.Isend(c.ctx, sbuf, dest, stag, comm.ModeStandard)
	if err != nil {
		c.r.ep.Cancel(rreq)
		return err
	}
	if _, err := c.r.ep.Wait(c.ctx, sreq); err != nil {
		return err
	}
	st, err := c.r.ep.Wait(c.ctx, rreq)
	if err != nil {
		return err
	}
	if err := rt.unpackN(rbuf, st.Bytes); err != nil {
		return err
	}
	if err := c.putStatus(status, st, false); err != nil {
		return err
	}
	return st.Err
}

// statusBytes reads the byte count of the guest status at sp and resolves
// the datatype dt.
func (c *call) statusBytes(sp, dt uint32) (int64, *dtype, error) {
	if sp == 0 {
		return 0, nil, comm.Errorf(comm.ErrArg, "status is MPI_STATUS_IGNORE")
	}
	if _, err := c.view(sp, abi.StatusSize, "status"); err != nil {
		return 0, nil, err
	}
	d, err := c.datatype(dt)
	if err != nil {
		return 0, nil, err
	}
	bytes, _ := c.mem.ReadUint64Le(sp + statusCountLo)
	return int64(bytes), d, nil
}

// statusCount is the number of whole elements of datatype dt that the
// status describes, or MPI_UNDEFINED (MPI_Get_count).
func (c *call) statusCount(sp, dt uint32) (int64, error) {
	bytes, d, err := c.statusBytes(sp, dt)
	if err != nil {
		return 0, err
	}
	size := d.tm.Size()
	if size == 0 {
		return 0, nil
	}
	if bytes%size != 0 {
		return int64(abi.Undefined), nil
	}
	return bytes / size, nil
}

// statusElements is the number of basic elements the status describes
// (MPI_Get_elements), following the type signature of dt: a pair type
// counts two per pair, and a trailing partial pair counts the components
// it holds completely. MPI_UNDEFINED when the bytes end inside a basic
// element.
func (c *call) statusElements(sp, dt uint32) (int64, error) {
	bytes, d, err := c.statusBytes(sp, dt)
	if err != nil {
		return 0, err
	}
	if err := d.tm.Flatten(); err != nil {
		return 0, err
	}
	n := d.tm.Elements(bytes)
	if n < 0 {
		return int64(abi.Undefined), nil
	}
	return n, nil
}

// finish writes a completed request's status, frees its handle and sets the
// guest's handle to MPI_REQUEST_NULL.
//
// A persistent request is not freed: it becomes inactive (its handle stays
// valid and unchanged), and an inactive one completes at once with an
// empty status.
func (c *call) finish(hp uint32, h uint32, rs *requestState, statusPtr uint32, setError bool) (comm.Status, error) {
	if rs.persist != nil && rs.req == nil {
		return emptyStatus, c.putStatus(statusPtr, emptyStatus, setError)
	}
	st := completedStatus(rs.req)
	if rs.persist != nil {
		c.r.mu.Lock()
		req, rel := rs.req, rs.release
		rs.req, rs.release = nil, nil
		c.r.mu.Unlock()
		if rel != nil {
			if err := rel(c); err != nil && st.Err == nil {
				st.Err = err
			}
		}
		c.r.ep.Release(req)
		return st, c.putStatus(statusPtr, st, setError)
	}
	dropped := c.r.dropRequest(h)
	if rs.release != nil {
		if err := rs.release(c); err != nil && st.Err == nil {
			st.Err = err
		}
	}
	if dropped {
		// The handle was the last reference to the operation: its
		// request can be reused.
		c.r.ep.Release(rs.req)
	}
	if err := c.putI32(hp, int32(abi.RequestNull), "request"); err != nil {
		return st, err
	}
	return st, c.putStatus(statusPtr, st, setError)
}

// completedStatus is the status a completed request reports to the guest:
// a send's says nothing about the message.
func completedStatus(req *comm.Request) comm.Status {
	st := req.Status()
	if req.Kind == comm.KindSend {
		st = comm.Status{Source: comm.AnySource, Tag: comm.AnyTag, Err: st.Err}
	}
	return st
}

// emptyStatus is the status of a null or inactive request.
var emptyStatus = comm.Status{Source: comm.AnySource, Tag: comm.AnyTag}

func (c *call) wait(hp, statusPtr uint32) error {
	h, err := c.getI32(hp, "request")
	if err != nil {
		return err
	}
	if uint32(h) == abi.RequestNull {
		return c.putStatus(statusPtr, emptyStatus, false)
	}
	rs, err := c.r.lookupRequest(uint32(h))
	if err != nil {
		return err
	}
	c.errComm = rs.cs
	if rs.req != nil {
		if _, err := c.r.ep.Wait(c.ctx, rs.req); err != nil {
			return err
		}
	}
	st, err := c.finish(hp, uint32(h), rs, statusPtr, false)
	if err != nil {
		return err
	}
	return st.Err
}

func (c *call) test(hp, flagPtr, statusPtr uint32) error {
	h, err := c.getI32(hp, "request")
	if err != nil {
		return err
	}
	if _, err := c.out(flagPtr, 4, "flag"); err != nil {
		return err
	}
	if uint32(h) == abi.RequestNull {
		if err := c.putI32(flagPtr, 1, "flag"); err != nil {
			return err
		}
		return c.putStatus(statusPtr, emptyStatus, false)
	}
	rs, err := c.r.lookupRequest(uint32(h))
	if err != nil {
		return err
	}
	c.errComm = rs.cs
	if rs.req != nil && !rs.req.Done() {
		return c.putI32(flagPtr, 0, "flag")
	}
	if err := c.putI32(flagPtr, 1, "flag"); err != nil {
		return err
	}
	st, err := c.finish(hp, uint32(h), rs, statusPtr, false)
	if err != nil {
		return err
	}
	return st.Err
}

// requestArray reads n request handles at ptr and resolves them; entries
// for MPI_REQUEST_NULL are nil.
func (c *call) requestArray(n int, ptr uint32) ([]uint32, []*requestState, []*comm.Request, error) {
	if n < 0 {
		return nil, nil, nil, comm.Errorf(comm.ErrCount, "negative request count %d", n)
	}
	if _, err := c.view(ptr, 4*n, "request array"); err != nil {
		return nil, nil, nil, err
	}
	hs := make([]uint32, n)
	rss := make([]*requestState, n)
	reqs := make([]*comm.Request, n)
	for i := range hs {
		v, _ := c.mem.ReadUint32Le(ptr + uint32(4*i))
		hs[i] = v
		if v == abi.RequestNull {
			continue
		}
		rs, err := c.r.lookupRequest(v)
		if err != nil {
			return nil, nil, nil, comm.Errorf(comm.ErrRequest, "request %d of %d: invalid handle %#x", i, n, v)
		}
		rss[i], reqs[i] = rs, rs.req
	}
	return hs, rss, reqs, nil
}

func (c *call) checkStatuses(n int, ptr uint32) error {
	if ptr == 0 {
		return nil
	}
	_, err := c.view(ptr, n*abi.StatusSize, "status array")
	return err
}

func (c *call) waitall(n int, ptr, statuses uint32) error {
	hs, rss, reqs, err := c.requestArray(n, ptr)
	if err != nil {
		return err
	}
	if err := c.checkStatuses(n, statuses); err != nil {
		return err
	}
	if err := c.r.ep.WaitAll(c.ctx, reqs); err != nil {
		return err
	}
	return c.finishAll(hs, rss, ptr, statuses, nil)
}

// finishAll completes every request in idx (all when idx is nil) and
// reports MPI_ERR_IN_STATUS if any of them failed.
func (c *call) finishAll(hs []uint32, rss []*requestState, ptr, statuses uint32, idx []int) error {
	if idx == nil {
		idx = make([]int, len(hs))
		for i := range idx {
			idx[i] = i
		}
	}
	failed := false
	for k, i := range idx {
		sp := uint32(0)
		if statuses != 0 {
			slot := i
			if len(idx) != len(hs) {
				slot = k // Waitsome/Testsome pack statuses densely
			}
			sp = statuses + uint32(slot*abi.StatusSize)
		}
		if rss[i] == nil {
			if err := c.putStatus(sp, emptyStatus, true); err != nil {
				return err
			}
			continue
		}
		st, err := c.finish(ptr+uint32(4*i), hs[i], rss[i], sp, true)
		if err != nil {
			return err
		}
		if st.Err != nil {
			failed = true
		}
	}
	if failed {
		return comm.Errorf(comm.ErrInStatus, "at least one request failed; see the MPI_ERROR field of the statuses")
	}
	return nil
}

func (c *call) testall(n int, ptr, flagPtr, statuses uint32) error {
	hs, rss, reqs, err := c.requestArray(n, ptr)
	if err != nil {
		return err
	}
	if err := c.checkStatuses(n, statuses); err != nil {
		return err
	}
	for _, r := range reqs {
		if r != nil && !r.Done() {
			return c.putI32(flagPtr, 0, "flag")
		}
	}
	if err := c.putI32(flagPtr, 1, "flag"); err != nil {
		return err
	}
	return c.finishAll(hs, rss, ptr, statuses, nil)
}

func (c *call) waitany(n int, ptr, idxPtr, flagPtr, statusPtr uint32, block bool) error {
	hs, rss, reqs, err := c.requestArray(n, ptr)
	if err != nil {
		return err
	}
	if _, err := c.out(idxPtr, 4, "index"); err != nil {
		return err
	}
	var i int
	if block {
		if i, err = c.r.ep.WaitAny(c.ctx, reqs); err != nil {
			return err
		}
	} else {
		i = -1
		active := false
		for k, r := range reqs {
			if r == nil {
				continue
			}
			active = true
			if r.Done() {
				i = k
				break
			}
		}
		if active && i < 0 {
			if err := c.putI32(flagPtr, 0, "flag"); err != nil {
				return err
			}
			return c.putI32(idxPtr, abi.Undefined, "index")
		}
		if err := c.putI32(flagPtr, 1, "flag"); err != nil {
			return err
		}
	}
	if i < 0 {
		// No active request.
		if err := c.putI32(idxPtr, abi.Undefined, "index"); err != nil {
			return err
		}
		return c.putStatus(statusPtr, emptyStatus, false)
	}
	if err := c.putI32(idxPtr, int32(i), "index"); err != nil {
		return err
	}
	st, err := c.finish(ptr+uint32(4*i), hs[i], rss[i], statusPtr, false)
	if err != nil {
		return err
	}
	return st.Err
}

func (c *call) waitsome(n int, ptr, outPtr, indicesPtr, statuses uint32, block bool) error {
	hs, rss, reqs, err := c.requestArray(n, ptr)
	if err != nil {
		return err
	}
	if _, err := c.out(outPtr, 4, "outcount"); err != nil {
		return err
	}
	if err := c.checkStatuses(n, statuses); err != nil {
		return err
	}
	active := false
	for _, r := range reqs {
		if r != nil {
			active = true
		}
	}
	if !active {
		return c.putI32(outPtr, abi.Undefined, "outcount")
	}
	var done []int
	if block {
		if done, err = c.r.ep.WaitSome(c.ctx, reqs); err != nil {
			return err
		}
	} else {
		done = comm.TestSome(reqs)
	}
	if len(done) == 0 {
		return c.putI32(outPtr, 0, "outcount")
	}
	if len(done) > 0 {
		if _, err := c.view(indicesPtr, 4*len(done), "indices"); err != nil {
			return err
		}
	}
	for k, i := range done {
		c.mem.WriteUint32Le(indicesPtr+uint32(4*k), uint32(i))
	}
	if err := c.putI32(outPtr, int32(len(done)), "outcount"); err != nil {
		return err
	}
	return c.finishAll(hs, rss, ptr, statuses, done)
}
