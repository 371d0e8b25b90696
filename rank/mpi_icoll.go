package rank

import (
	"context"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
)

// Nonblocking collectives (MPI_Ibarrier, MPI_Ibcast, ...) and the MPI-4
// persistent collectives (MPI_Barrier_init, ...).
//
// The call resolves and checks its arguments on the rank's goroutine
// exactly as the blocking collective does (an error found there is
// returned by the call itself), draws the communicator's next collective
// sequence number (comm.Comm.PinCollSeq: every rank starts the collectives
// of a communicator in the same order, so the numbers agree, and the
// collective layer folds them into its tags, so that several collectives in
// progress at once, even of the same kind, never take each other's
// messages), and runs the blocking algorithm on a goroutine of its own,
// which completes a generic request. The rank goes on computing meanwhile.
// Guest memory never moves, so the views of the buffers stay valid. A
// receive buffer of a non-contiguous datatype is a host copy, unpacked into
// guest memory when a Wait or Test completes the request.
//
// A persistent collective remembers its arguments and does all of that
// again at every MPI_Start (rank/mpi_persist.go).

// collRun is a collective whose arguments are resolved.
type collRun struct {
	cs *commState
	// run does the communication; it may run on any goroutine and must
	// not touch guest memory except through the resolved buffers.
	run func(ctx context.Context, cm *comm.Comm) error
	// post, if set, finishes the operation in guest memory after run
	// succeeded (unpacks receive buffers, applies user-defined operations);
	// it runs on the rank's goroutine, in the call c that completes the
	// operation (the blocking call itself, or a Wait or Test).
	post func(c *call) error
}

// collPrep resolves the arguments of a collective; the call's stack holds
// them in the order of the blocking function.
type collPrep func(c *call) (collRun, error)

// launchColl starts a resolved collective on its own goroutine.
func (c *call) launchColl(cr collRun) (*comm.Request, releaseFunc) {
	pc := cr.cs.c.PinCollSeq()
	req := c.r.ep.NewGenericRequest()
	ctx := c.ctx
	go func() { req.Complete(cr.run(ctx, pc)) }()
	var rel releaseFunc
	if cr.post != nil {
		post := cr.post
		rel = func(c *call) error {
			if req.Status().Err == nil {
				return post(c)
			}
			return nil
		}
	}
	return req, rel
}

// icollFunc is the nonblocking form of a collective whose blocking form
// takes nargs arguments; the request pointer follows them.
func icollFunc(name string, nargs int, prep collPrep) mpiFunc {
	return mpiFunc{name: name, params: params(nargs + 1), countAware: true, fn: func(c *call) error {
		if _, err := c.out(c.u32(nargs), 4, "request"); err != nil {
			return err
		}
		cr, err := prep(c)
		if err != nil {
			return err
		}
		req, rel := c.launchColl(cr)
		h := c.r.addCommRequest(req, cr.cs)
		if rel != nil {
			c.r.setRelease(h, rel)
		}
		return c.putI32(c.u32(nargs), int32(h), "request")
	}}
}

// pcollFunc is the persistent form (MPI_<Name>_init): the arguments of the
// blocking form, then an info object (not used) and the request pointer.
func pcollFunc(name string, nargs int, prep collPrep) mpiFunc {
	return mpiFunc{name: name, params: params(nargs + 2), countAware: true, fn: func(c *call) error {
		if _, err := c.out(c.u32(nargs+1), 4, "request"); err != nil {
			return err
		}
		cr, err := prep(c)
		if err != nil {
			return err
		}
		return c.addPersistent(cr.cs, nargs, nargs+1, func(c *call) (*comm.Request, releaseFunc, error) {
			cr, err := prep(c)
			if err != nil {
				return nil, nil, err
			}
			req, rel := c.launchColl(cr)
			return req, rel, nil
		})
	}}
}

// checkRootArg validates a root up front.
func checkRootArg(cs *commState, root int) error {
	if root < 0 || root >= cs.c.Size() {
		return comm.Errorf(comm.ErrRoot, "invalid root %d (communicator size %d)", root, cs.c.Size())
	}
	return nil
}

// checkReduction validates a reduction's operation for its element type
// up front.
func checkReduction(t comm.Datatype, o collective.Op) error {
	if !collective.Allowed(o, t) {
		return comm.Errorf(comm.ErrOp, "%v is not defined for datatype %v", o, t)
	}
	return nil
}

// unpackPost is the post step of a collective whose result is in buf.
func unpackPost(rt typedBuf, buf []byte) func(*call) error {
	if !rt.copied {
		return nil
	}
	return func(*call) error { return rt.unpack(buf) }
}

func prepBarrier(c *call) (collRun, error) {
	cs, err := c.comm(c.u32(0))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterBarrier); ok {
		return cr, err
	}
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.Barrier(ctx, cm)
	}}, nil
}

func prepBcast(c *call) (collRun, error) {
	// (buf, count, datatype, root, comm)
	return c.rootedColl(4, 3, prepInterBcast, func(cs *commState, root int, isRoot bool) (collRun, error) {
		buf, bt, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "buffer")
		if err != nil {
			return collRun{}, err
		}
		cr := collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
			return collective.Bcast(ctx, cm, buf, root)
		}}
		if !isRoot {
			cr.post = unpackPost(bt, buf)
		}
		return cr, nil
	})
}

// prepReduceLike is Reduce (withRoot) and Allreduce, Scan, Exscan:
// (sendbuf, recvbuf, count, datatype, op, [root,] comm).
func prepReduceLike(kind string) collPrep {
	return func(c *call) (collRun, error) {
		commArg, root, isRoot := 5, 0, true
		if kind == "reduce" {
			commArg = 6
		}
		cs, err := c.comm(c.u32(commArg))
		if err != nil {
			return collRun{}, err
		}
		inter := map[string]interPrep{"reduce": prepInterReduce, "allreduce": prepInterAllreduce}[kind]
		if inter == nil {
			inter = prepInterScanRefused
		}
		if cr, ok, err := c.interDispatch(cs, inter); ok {
			return cr, err
		}
		if isUserOpHandle(c.u32(4)) {
			return c.prepUserReduction(kind, cs)
		}
		if kind == "reduce" {
			root = c.int(5)
			if err := checkRootArg(cs, root); err != nil {
				return collRun{}, err
			}
			isRoot = root == cs.c.Rank()
			if inPlace(c.u32(0)) && !isRoot {
				return collRun{}, errInPlaceNotAtRoot()
			}
		}
		send, recv, rt, t, o, err := c.reduceArgs(c.u32(0), c.u32(1), c.int(2), c.u32(3), c.u32(4), isRoot)
		if err != nil {
			return collRun{}, err
		}
		if err := checkReduction(t, o); err != nil {
			return collRun{}, err
		}
		run := func(ctx context.Context, cm *comm.Comm) error {
			switch kind {
			case "reduce":
				return collective.Reduce(ctx, cm, send, recv, t, o, root)
			case "allreduce":
				return collective.Allreduce(ctx, cm, send, recv, t, o)
			case "scan":
				return collective.Scan(ctx, cm, send, recv, t, o)
			default:
				return collective.Exscan(ctx, cm, send, recv, t, o)
			}
		}
		return collRun{cs: cs, run: run, post: unpackPost(rt, recv)}, nil
	}
}

func prepReduceScatterBlock(c *call) (collRun, error) {
	// (sendbuf, recvbuf, recvcount, datatype, op, comm)
	cs, err := c.comm(c.u32(5))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterReduceScatter(true)); ok {
		return cr, err
	}
	if isUserOpHandle(c.u32(4)) {
		return c.prepUserReduction("reduce_scatter_block", cs)
	}
	o, err := c.op(c.u32(4))
	if err != nil {
		return collRun{}, err
	}
	n, size := c.int(2), cs.c.Size()
	var send, recv []byte
	var rt typedBuf
	if inPlace(c.u32(0)) {
		recv, rt, err = c.buffer(c.u32(1), n*size, c.u32(3), "receive buffer")
	} else if send, _, err = c.buffer(c.u32(0), n*size, c.u32(3), "send buffer"); err == nil {
		recv, rt, err = c.buffer(c.u32(1), n, c.u32(3), "receive buffer")
	}
	if err != nil {
		return collRun{}, err
	}
	t, err := rt.elem()
	if err != nil {
		return collRun{}, err
	}
	if err := checkReduction(t, o); err != nil {
		return collRun{}, err
	}
	count := n * perElement(rt.dt, t)
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.ReduceScatterBlock(ctx, cm, send, recv, count, t, o)
	}, post: unpackPost(rt, recv)}, nil
}

func prepReduceScatter(c *call) (collRun, error) {
	// (sendbuf, recvbuf, recvcounts[], datatype, op, comm)
	cs, err := c.comm(c.u32(5))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterReduceScatter(false)); ok {
		return cr, err
	}
	if isUserOpHandle(c.u32(4)) {
		return c.prepUserReduction("reduce_scatter", cs)
	}
	o, err := c.op(c.u32(4))
	if err != nil {
		return collRun{}, err
	}
	counts, err := c.countInts(2, cs.c.Size(), "recvcounts")
	if err != nil {
		return collRun{}, err
	}
	total := 0
	for i, n := range counts {
		if n < 0 {
			return collRun{}, comm.Errorf(comm.ErrCount, "recvcounts[%d] = %d is negative", i, n)
		}
		total += n
	}
	var send, recv []byte
	var rt typedBuf
	if inPlace(c.u32(0)) {
		recv, rt, err = c.buffer(c.u32(1), total, c.u32(3), "receive buffer")
	} else if send, _, err = c.buffer(c.u32(0), total, c.u32(3), "send buffer"); err == nil {
		recv, rt, err = c.buffer(c.u32(1), counts[cs.c.Rank()], c.u32(3), "receive buffer")
	}
	if err != nil {
		return collRun{}, err
	}
	t, err := rt.elem()
	if err != nil {
		return collRun{}, err
	}
	if err := checkReduction(t, o); err != nil {
		return collRun{}, err
	}
	if k := perElement(rt.dt, t); k != 1 {
		for i := range counts {
			counts[i] *= k
		}
	}
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.ReduceScatter(ctx, cm, send, recv, counts, t, o)
	}, post: unpackPost(rt, recv)}, nil
}

func prepGather(c *call) (collRun, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm)
	return c.rootedColl(7, 6, prepInterGather(false), func(cs *commState, root int, isRoot bool) (collRun, error) {
		var err error
		var send, recv []byte
		var rt typedBuf
		block := 0
		if isRoot {
			if recv, rt, err = c.buffer(c.u32(3), c.int(4)*cs.c.Size(), c.u32(5), "receive buffer"); err != nil {
				return collRun{}, err
			}
			block = c.int(4) * rt.Size()
		}
		if inPlace(c.u32(0)) {
			if !isRoot {
				return collRun{}, errInPlaceNotAtRoot()
			}
		} else {
			var st typedBuf
			if send, st, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
				return collRun{}, err
			}
			if !isRoot {
				block = c.int(1) * st.Size()
			}
		}
		return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
			return collective.Gather(ctx, cm, send, recv, block, root)
		}, post: unpackPost(rt, recv)}, nil
	})
}

func prepGatherv(c *call) (collRun, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, root, comm)
	return c.rootedColl(8, 7, prepInterGather(true), func(cs *commState, root int, isRoot bool) (collRun, error) {
		var err error
		var send, recv []byte
		var counts, displs []int
		var rt typedBuf
		if isRoot {
			if recv, counts, displs, rt, err = c.vector(c.u32(3), 4, 5, cs.c.Size(), c.u32(6), inPlace(c.u32(0)), "receive buffer"); err != nil {
				return collRun{}, err
			}
		}
		if inPlace(c.u32(0)) {
			if !isRoot {
				return collRun{}, errInPlaceNotAtRoot()
			}
		} else if send, _, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
			return collRun{}, err
		}
		return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
			return collective.Gatherv(ctx, cm, send, recv, counts, displs, root)
		}, post: unpackPost(rt, recv)}, nil
	})
}

func prepScatter(c *call) (collRun, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, root, comm)
	return c.rootedColl(7, 6, prepInterScatter(false), func(cs *commState, root int, isRoot bool) (collRun, error) {
		var err error
		var send, recv []byte
		var rt typedBuf
		block := 0
		if isRoot {
			var st typedBuf
			if send, st, err = c.buffer(c.u32(0), c.int(1)*cs.c.Size(), c.u32(2), "send buffer"); err != nil {
				return collRun{}, err
			}
			block = c.int(1) * st.Size()
		}
		if inPlace(c.u32(3)) {
			if !isRoot {
				return collRun{}, errInPlaceNotAtRoot()
			}
		} else {
			if recv, rt, err = c.recvBuffer(c.u32(3), c.int(4), c.u32(5), "receive buffer"); err != nil {
				return collRun{}, err
			}
			if !isRoot {
				block = c.int(4) * rt.Size()
			}
		}
		return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
			return collective.Scatter(ctx, cm, send, recv, block, root)
		}, post: unpackPost(rt, recv)}, nil
	})
}

func prepScatterv(c *call) (collRun, error) {
	// (sendbuf, sendcounts[], displs[], sendtype, recvbuf, recvcount, recvtype, root, comm)
	return c.rootedColl(8, 7, prepInterScatter(true), func(cs *commState, root int, isRoot bool) (collRun, error) {
		var err error
		var send, recv []byte
		var counts, displs []int
		var rt typedBuf
		if isRoot {
			if send, counts, displs, _, err = c.vector(c.u32(0), 1, 2, cs.c.Size(), c.u32(3), true, "send buffer"); err != nil {
				return collRun{}, err
			}
		}
		if inPlace(c.u32(4)) {
			if !isRoot {
				return collRun{}, errInPlaceNotAtRoot()
			}
		} else if recv, rt, err = c.recvBuffer(c.u32(4), c.int(5), c.u32(6), "receive buffer"); err != nil {
			return collRun{}, err
		}
		return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
			return collective.Scatterv(ctx, cm, send, counts, displs, recv, root)
		}, post: unpackPost(rt, recv)}, nil
	})
}

func prepAllgather(c *call) (collRun, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
	cs, err := c.comm(c.u32(6))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterAllgather(false)); ok {
		return cr, err
	}
	recv, rt, err := c.buffer(c.u32(3), c.int(4)*cs.c.Size(), c.u32(5), "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	var send []byte
	if !inPlace(c.u32(0)) {
		if send, _, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
			return collRun{}, err
		}
	}
	block := c.int(4) * rt.Size()
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.Allgather(ctx, cm, send, recv, block)
	}, post: unpackPost(rt, recv)}, nil
}

func prepAllgatherv(c *call) (collRun, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, comm)
	cs, err := c.comm(c.u32(7))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterAllgather(true)); ok {
		return cr, err
	}
	recv, counts, displs, rt, err := c.vector(c.u32(3), 4, 5, cs.c.Size(), c.u32(6), inPlace(c.u32(0)), "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	var send []byte
	if !inPlace(c.u32(0)) {
		if send, _, err = c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer"); err != nil {
			return collRun{}, err
		}
	}
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.Allgatherv(ctx, cm, send, recv, counts, displs)
	}, post: unpackPost(rt, recv)}, nil
}

func prepAlltoall(c *call) (collRun, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
	cs, err := c.comm(c.u32(6))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterAlltoall(false)); ok {
		return cr, err
	}
	recv, rt, err := c.buffer(c.u32(3), c.int(4)*cs.c.Size(), c.u32(5), "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	var send []byte
	if !inPlace(c.u32(0)) {
		if send, _, err = c.buffer(c.u32(0), c.int(1)*cs.c.Size(), c.u32(2), "send buffer"); err != nil {
			return collRun{}, err
		}
	}
	block := c.int(4) * rt.Size()
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.Alltoall(ctx, cm, send, recv, block)
	}, post: unpackPost(rt, recv)}, nil
}

func prepAlltoallv(c *call) (collRun, error) {
	// (sendbuf, sendcounts[], sdispls[], sendtype, recvbuf, recvcounts[], rdispls[], recvtype, comm)
	cs, err := c.comm(c.u32(8))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterAlltoall(true)); ok {
		return cr, err
	}
	n := cs.c.Size()
	recv, rcounts, rdispls, rt, err := c.vector(c.u32(4), 5, 6, n, c.u32(7), inPlace(c.u32(0)), "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	var send []byte
	var scounts, sdispls []int
	if !inPlace(c.u32(0)) {
		if send, scounts, sdispls, _, err = c.vector(c.u32(0), 1, 2, n, c.u32(3), true, "send buffer"); err != nil {
			return collRun{}, err
		}
	}
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.Alltoallv(ctx, cm, send, scounts, sdispls, recv, rcounts, rdispls)
	}, post: unpackPost(rt, recv)}, nil
}

func prepAlltoallw(c *call) (collRun, error) {
	// (sendbuf, sendcounts[], sdispls[] (bytes), sendtypes[], recvbuf, recvcounts[], rdispls[], recvtypes[], comm)
	cs, err := c.comm(c.u32(8))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, prepInterAlltoallw); ok {
		return cr, err
	}
	n := cs.c.Size()
	recv, rts, err := c.wblocks(c.u32(4), 5, 6, 7, n, "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	var send [][]byte
	if !inPlace(c.u32(0)) {
		if send, _, err = c.wblocks(c.u32(0), 1, 2, 3, n, "send buffer"); err != nil {
			return collRun{}, err
		}
	}
	var post func(*call) error
	for _, rt := range rts {
		if rt.copied {
			post = func(*call) error {
				for i, rt := range rts {
					if err := rt.unpack(recv[i]); err != nil {
						return err
					}
				}
				return nil
			}
			break
		}
	}
	return collRun{cs: cs, run: func(ctx context.Context, cm *comm.Comm) error {
		return collective.Alltoallw(ctx, cm, send, recv)
	}, post: post}, nil
}

// collTable lists the collectives with nonblocking and persistent forms:
// the blocking name without "MPI_", its number of arguments, and how to
// resolve them.
type collEntry struct {
	name  string
	nargs int
	prep  collPrep
}

func collTable() []collEntry {
	return []collEntry{
		{"Barrier", 1, prepBarrier},
		{"Bcast", 5, prepBcast},
		{"Reduce", 7, prepReduceLike("reduce")},
		{"Allreduce", 6, prepReduceLike("allreduce")},
		{"Scan", 6, prepReduceLike("scan")},
		{"Exscan", 6, prepReduceLike("exscan")},
		{"Reduce_scatter_block", 6, prepReduceScatterBlock},
		{"Reduce_scatter", 6, prepReduceScatter},
		{"Gather", 8, prepGather},
		{"Gatherv", 9, prepGatherv},
		{"Scatter", 8, prepScatter},
		{"Scatterv", 9, prepScatterv},
		{"Allgather", 7, prepAllgather},
		{"Allgatherv", 8, prepAllgatherv},
		{"Alltoall", 7, prepAlltoall},
		{"Alltoallv", 9, prepAlltoallv},
		{"Alltoallw", 9, prepAlltoallw},
	}
}

func icollFunctions() []mpiFunc {
	var fs []mpiFunc
	for _, e := range collTable() {
		lower := string(e.name[0]+'a'-'A') + e.name[1:]
		fs = append(fs, icollFunc("MPI_I"+lower, e.nargs, e.prep))
		fs = append(fs, pcollFunc("MPI_"+e.name+"_init", e.nargs, e.prep))
	}
	return fs
}

// rootedColl resolves the communicator (argument commArg) and the root
// (argument rootArg) of a rooted collective: an intercommunicator goes to
// inter, an intracommunicator with a valid root to intra.
func (c *call) rootedColl(commArg, rootArg int, inter interPrep, intra func(cs *commState, root int, isRoot bool) (collRun, error)) (collRun, error) {
	cs, err := c.comm(c.u32(commArg))
	if err != nil {
		return collRun{}, err
	}
	if cr, ok, err := c.interDispatch(cs, inter); ok {
		return cr, err
	}
	root := c.int(rootArg)
	if err := checkRootArg(cs, root); err != nil {
		return collRun{}, err
	}
	return intra(cs, root, root == cs.c.Rank())
}

// errInPlaceNotAtRoot is the error of MPI_IN_PLACE passed by a process
// other than a rooted collective's root.
func errInPlaceNotAtRoot() error {
	return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is only allowed at the root")
}
