package rank

import (
	"hash/fnv"
	"slices"
	"strconv"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// The sessions model of MPI-4: a program may call MPI_Session_init instead
// of (or besides) MPI_Init, take groups from the process sets the runtime
// names ("mpi://WORLD" and "mpi://SELF") and make communicators from them
// with MPI_Comm_create_from_group. MPI is usable while MPI_Init's epoch or
// any session is open (rankState.mpiActive).
//
// Communicators made from groups have no parent: the processes of the
// group agree on the new context id over a hidden communicator of all the
// job's processes (contextSessions), with the string tag hashed into the
// agreement's message tags so that creations with different tags never mix.

// Process sets every session offers.
const (
	psetWorld = "mpi://WORLD"
	psetSelf  = "mpi://SELF"
)

var psetNames = []string{psetWorld, psetSelf}

// sessionState is one open session of a rank.
type sessionState struct {
	// errView holds the session's error handler, with the session's handle
	// (what user handlers are called with; see setErrhandler).
	errView *commState
	// threadLevel is the "thread_level" asked for in MPI_Session_init's
	// info (MPI_THREAD_SINGLE by default); every level is provided.
	threadLevel string
}

// sessionTable is a rank's open sessions (in extState, under its mu).
type sessionTable struct {
	m     map[uint32]*sessionState
	alloc handleAlloc
}

// mpiActive reports whether MPI may be called: between MPI_Init and
// MPI_Finalize, or while a session is open.
func (r *rankState) mpiActive() bool {
	return (r.initialized.Load() && !r.finalized.Load()) || r.openSessions.Load() > 0
}

// session resolves a session handle; its errors go to the session.
func (c *call) session(h uint32) (*sessionState, error) {
	x := &c.r.ext
	x.mu.Lock()
	ss := x.sessions.m[h]
	x.mu.Unlock()
	if ss == nil {
		if h == abi.SessionNull {
			return nil, codeErrorf(abi.ErrSession, "%s: MPI_SESSION_NULL is not a valid session here", c.name)
		}
		return nil, codeErrorf(abi.ErrSession, "%s: invalid session handle %#x", c.name, h)
	}
	c.errComm = ss.errView
	return ss, nil
}

// sessionFunc makes a function whose argument 0 is the session.
func sessionFunc(name string, n int, f func(c *call, ss *sessionState) error) mpiFunc {
	return mpiFunc{name: name, params: params(n), fn: func(c *call) error {
		ss, err := c.session(c.u32(0))
		if err != nil {
			return err
		}
		return f(c, ss)
	}}
}

// psetGroup is the group of a process set, nil for an unknown name.
func (r *rankState) psetGroup(name string) *comm.Group {
	switch name {
	case psetWorld:
		all := make([]int, r.job.world.Size())
		for i := range all {
			all[i] = i
		}
		g, _ := comm.NewGroup(all)
		return g
	case psetSelf:
		g, _ := comm.NewGroup([]int{r.rank})
		return g
	}
	return nil
}

// psetArg reads a process set name and returns its group.
func (c *call) psetArg(ptr uint32) (string, *comm.Group, error) {
	name, err := c.cstring(ptr, abi.MaxPsetNameLen, "pset_name")
	if err != nil {
		return "", nil, err
	}
	g := c.r.psetGroup(name)
	if g == nil {
		return "", nil, comm.Errorf(comm.ErrArg, "unknown process set %q (this runtime has %q and %q)", name, psetWorld, psetSelf)
	}
	return name, g, nil
}

// stringTag reads the string tag of a creation from groups and turns it
// into the user part of the agreement's message tags.
func (c *call) stringTag(ptr uint32) (int, error) {
	s, err := c.cstring(ptr, abi.MaxStringtagLen, "stringtag")
	if err != nil {
		return 0, err
	}
	h := fnv.New32a()
	h.Write([]byte(s))
	return int(h.Sum32()), nil
}

// sessionAgreement is the hidden communicator of all the job's processes
// over which communicators made from groups agree on their context.
func (c *call) sessionAgreement() (*comm.Comm, error) {
	w := c.r.job.world
	all := make([]int, w.Size())
	for i := range all {
		all[i] = i
	}
	return w.Comm(c.r.rank, contextSessions, all)
}

// fromGroupHandler takes the error handler argument of a creation from
// groups: it is attached to the new communicator and also handles the
// errors of the call itself.
func (c *call) fromGroupHandler(arg int) (uint32, error) {
	eh := c.u32(arg)
	if err := c.checkErrhandler(eh); err != nil {
		return 0, err
	}
	c.errComm = &commState{handle: abi.CommNull, errhandler: eh}
	return eh, nil
}

// fromGroupArgs checks the info argument and the output pointer of a
// creation from groups: errors every process must see alike are returned
// by the agreement.
func (c *call) fromGroupArgs(info int, out uint32) error {
	if err := c.checkInfo(c.u32(info)); err != nil {
		return err
	}
	return c.checkOut(out, "newcomm")
}

// agreeOverMembers agrees on a context id among the processes of members
// (world ranks, the same list and order on all of them).
func (c *call) agreeOverMembers(members []int, tag int, localErr error) (uint32, error) {
	me := slices.Index(members, c.r.rank)
	if me < 0 {
		return 0, comm.Errorf(comm.ErrGroup, "the calling process is not in the group")
	}
	hidden, err := c.sessionAgreement()
	if err != nil {
		return 0, comm.Errorf(comm.ErrIntern, "%v", err)
	}
	return c.r.allocContext(groupAgree(c.ctx, hidden.Collective(), members, me, tag), localErr)
}

func sessionFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Session_init", params: params(3), beforeInit: true, fn: func(c *call) error {
			// (info, errhandler, session*): errors of the call itself go to
			// the handler given.
			eh := c.u32(1)
			if err := c.checkErrhandler(eh); err != nil {
				return err
			}
			view := &commState{errhandler: eh}
			c.errComm = view
			level := "MPI_THREAD_SINGLE"
			if h := c.u32(0); h != abi.InfoNull {
				o, err := c.infoRead(h)
				if err != nil {
					return err
				}
				c.withInfo(o, func() {
					if v, ok := o.vals["thread_level"]; ok {
						level = v
					}
				})
			}
			if err := c.checkOut(c.u32(2), "session"); err != nil {
				return err
			}
			x := &c.r.ext
			x.mu.Lock()
			if x.sessions.m == nil {
				x.sessions.m = map[uint32]*sessionState{}
			}
			ss := &sessionState{errView: view, threadLevel: level}
			h, err := allocHandle(&x.sessions.alloc, sessionHandles, x.sessions.m, ss)
			x.mu.Unlock()
			if err != nil {
				return err
			}
			view.handle = h
			c.r.openSessions.Add(1)
			return c.putI32(c.u32(2), int32(h), "session")
		}},
		{name: "MPI_Session_finalize", params: params(1), fn: func(c *call) error {
			h, err := c.getI32(c.u32(0), "session")
			if err != nil {
				return err
			}
			if _, err := c.session(uint32(h)); err != nil {
				return err
			}
			x := &c.r.ext
			x.mu.Lock()
			delete(x.sessions.m, uint32(h))
			x.mu.Unlock()
			c.r.openSessions.Add(-1)
			return c.putI32(c.u32(0), int32(abi.SessionNull), "session")
		}},
		sessionFunc("MPI_Session_get_num_psets", 3, func(c *call, ss *sessionState) error {
			// (session, info, npset_names*)
			if err := c.checkInfo(c.u32(1)); err != nil {
				return err
			}
			return c.putI32(c.u32(2), int32(len(psetNames)), "npset_names")
		}),
		sessionFunc("MPI_Session_get_nth_pset", 5, func(c *call, ss *sessionState) error {
			// (session, info, n, pset_len*, pset_name): with *pset_len 0
			// only the length the name needs (with its NUL) is returned.
			if err := c.checkInfo(c.u32(1)); err != nil {
				return err
			}
			n := c.int(2)
			if n < 0 || n >= len(psetNames) {
				return comm.Errorf(comm.ErrArg, "process set number %d is out of range (there are %d)", n, len(psetNames))
			}
			name := psetNames[n]
			have, err := c.getI32(c.u32(3), "pset_len")
			if err != nil {
				return err
			}
			if have == 0 {
				return c.putI32(c.u32(3), int32(len(name)+1), "pset_len")
			}
			if have < 0 {
				return comm.Errorf(comm.ErrArg, "negative pset_len %d", have)
			}
			return c.putString(c.u32(4), int(have), 0, name, "pset_name")
		}),
		sessionFunc("MPI_Session_get_pset_info", 3, func(c *call, ss *sessionState) error {
			// (session, pset_name, info*)
			_, g, err := c.psetArg(c.u32(1))
			if err != nil {
				return err
			}
			o := newInfo()
			o.set("mpi_size", strconv.Itoa(g.Size()))
			return c.addInfo(o, c.u32(2))
		}),
		sessionFunc("MPI_Session_get_info", 2, func(c *call, ss *sessionState) error {
			o := newInfo()
			o.set("thread_level", ss.threadLevel)
			return c.addInfo(o, c.u32(1))
		}),
		{name: "MPI_Session_create_errhandler", params: params(2), beforeInit: true, fn: findFunc(errhFunctions(), "MPI_Comm_create_errhandler").fn},
		sessionFunc("MPI_Session_set_errhandler", 2, func(c *call, ss *sessionState) error {
			return c.setErrhandler(ss.errView, c.u32(1))
		}),
		sessionFunc("MPI_Session_get_errhandler", 2, func(c *call, ss *sessionState) error {
			return c.getErrhandler(ss.errView, c.u32(1))
		}),
		sessionFunc("MPI_Session_call_errhandler", 2, func(c *call, ss *sessionState) error {
			return c.callErrhandler(ss.errView, int32(c.int(1)))
		}),
		sessionFunc("MPI_Group_from_session_pset", 3, func(c *call, ss *sessionState) error {
			// (session, pset_name, newgroup*)
			_, g, err := c.psetArg(c.u32(1))
			if err != nil {
				return err
			}
			return c.putGroup(c.u32(2), g)
		}),
		{name: "MPI_Comm_create_from_group", params: params(5), fn: func(c *call) error {
			// (group, stringtag, info, errhandler, newcomm*): collective over
			// the group.
			eh, err := c.fromGroupHandler(3)
			if err != nil {
				return err
			}
			g, err := c.group(c.u32(0))
			if err != nil {
				return err
			}
			tag, err := c.stringTag(c.u32(1))
			if err != nil {
				return err
			}
			localErr := c.fromGroupArgs(2, c.u32(4))
			ctx, err := c.agreeOverMembers(g.WorldRanks(), tag, localErr)
			if err != nil {
				return err
			}
			h, err := c.newIntraHandled(eh, ctx, g.WorldRanks())
			if err != nil {
				return err
			}
			return c.putComm(c.u32(4), h)
		}},
		{name: "MPI_Intercomm_create_from_groups", params: params(8), fn: func(c *call) error {
			// (local_group, local_leader, remote_group, remote_leader,
			// stringtag, info, errhandler, newintercomm*): collective over
			// both groups.
			eh, err := c.fromGroupHandler(6)
			if err != nil {
				return err
			}
			local, err := c.group(c.u32(0))
			if err != nil {
				return err
			}
			remote, err := c.group(c.u32(2))
			if err != nil {
				return err
			}
			if local.Rank(c.r.rank) == comm.Undefined {
				return comm.Errorf(comm.ErrGroup, "the calling process is not in local_group")
			}
			if local.Intersection(remote).Size() != 0 {
				return comm.Errorf(comm.ErrGroup, "local_group and remote_group overlap")
			}
			for _, l := range []struct {
				leader int
				g      *comm.Group
				what   string
			}{{c.int(1), local, "local_leader"}, {c.int(3), remote, "remote_leader"}} {
				if l.leader < 0 || l.leader >= l.g.Size() {
					return comm.Errorf(comm.ErrRank, "%s %d is not a rank of its group (size %d)", l.what, l.leader, l.g.Size())
				}
			}
			tag, err := c.stringTag(c.u32(4))
			if err != nil {
				return err
			}
			localErr := c.fromGroupArgs(5, c.u32(7))
			members := local.Union(remote).WorldRanks()
			slices.Sort(members) // the same order on both sides
			ctx, err := c.agreeOverMembers(members, tag, localErr)
			if err != nil {
				return err
			}
			h, err := c.newInterHandled(eh, ctx, local, remote)
			if err != nil {
				return err
			}
			return c.putComm(c.u32(7), h)
		}},
	}
}
