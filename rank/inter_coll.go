package rank

import (
	"context"
	"strings"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Collectives on intercommunicators (MPI-4.1 section 6.2.2): the two groups
// exchange. In the rooted ones the root passes MPI_ROOT, the other members
// of its group MPI_PROC_NULL, and the other group the root's rank in the
// root's group; data goes from the root to the other group or back. In the
// all-to-all ones every process receives from the processes of the other
// group: an Allgather fills the receive buffer with one block per remote
// process, an Allreduce delivers the reduction of the other group's
// contributions, a Reduce_scatter scatters the reduction of the other
// group's vectors over the local group. MPI_Scan and MPI_Exscan are not
// defined on intercommunicators, and MPI_IN_PLACE is not allowed.
//
// The algorithms combine steps inside each group, run with the collective
// algorithms of package collective on the group's local intracommunicator
// (interComm.local), and messages between the groups on the
// intercommunicator's collective context (interMove):
//
//   - Barrier: a local barrier, the group leaders (local rank 0) exchange
//     an empty message, a local broadcast lets everyone go;
//   - Bcast: the root sends to the remote leader, which broadcasts locally;
//   - Gather(v), Scatter(v), Allgather(v), Alltoall(v,w): direct messages
//     between the processes of the two groups;
//   - Reduce, Allreduce, Reduce_scatter(_block): each group reduces its
//     contributions to its leader (a local Reduce; with a user-defined
//     operation a local Gather of the contributions, which the receiving
//     ranks fold in rank order in the post step on their own goroutine,
//     as in mpi_op_nb.go), the leaders exchange or the leader sends to the
//     root, then a local Bcast or Scatter(v) hands out the result.
//
// Tags: the local steps use the local intracommunicator's collective
// sequence numbers, drawn (two per call, whatever the algorithm uses) when
// the call resolves its arguments, so that nonblocking calls in progress at
// once stay apart; the messages between the groups carry the
// intercommunicator's own sequence number (both groups run the
// collectives of an intercommunicator in the same order) in interTag,
// above every other tag of the context. The local intracommunicator shares
// the context ids of the intercommunicator, and a local rank and a remote
// rank can have the same number: the tag ranges are what keeps the two
// kinds of traffic apart.

// interTag is the tag of a message between the two groups in the given
// phase of the intercommunicator collective with sequence number seq:
// above the collective layer's tags (below 1<<40), the runtime's internal
// tags (1<<40) and the user-operation reductions' (1<<42).
func interTag(seq uint64, phase int) int { return 1<<43 | phase<<32 | int(uint32(seq)) }

// interColl is what one intercommunicator collective needs on one rank.
type interColl struct {
	remote int // size of the remote group
	local  int // size of the local group
	me     int // rank in the local group
	// steps are copies of the local intracommunicator pinned to their own
	// collective sequence numbers, one per step run inside the group.
	steps [2]*comm.Comm
}

func newInterColl(cs *commState, ic *interComm) *interColl {
	return &interColl{remote: cs.c.Size(), local: ic.local.Size(), me: cs.c.Rank(),
		steps: [2]*comm.Comm{ic.local.PinCollSeq(), ic.local.PinCollSeq()}}
}

func (x *interColl) leader() bool { return x.me == 0 }

// peerBuf is a message to or from one rank of the remote group.
type peerBuf struct {
	peer int
	buf  []byte
}

// interMove posts the receives recvs and the sends sends between the
// groups (cm is the intercommunicator: peers are remote ranks) and waits
// for all of them. A receive must get exactly len(buf) bytes.
func interMove(ctx context.Context, cm *comm.Comm, seq uint64, phase int, sends, recvs []peerBuf) error {
	ch := cm.Collective()
	tag := interTag(seq, phase)
	reqs := make([]*comm.Request, 0, len(sends)+len(recvs))
	for _, r := range recvs {
		req, err := ch.Irecv(r.buf, r.peer, tag)
		if err != nil {
			return err
		}
		reqs = append(reqs, req)
	}
	for _, s := range sends {
		req, err := ch.Isend(ctx, s.buf, s.peer, tag, comm.ModeStandard)
		if err != nil {
			return err
		}
		reqs = append(reqs, req)
	}
	var first error
	for i, req := range reqs {
		st, err := ch.Endpoint().Wait(ctx, req)
		if err != nil {
			return err
		}
		switch {
		case first != nil:
		case st.Err != nil:
			first = st.Err
		case i < len(recvs) && st.Bytes != len(recvs[i].buf):
			first = comm.Errorf(comm.ErrOther, "remote rank %d sent %d bytes where %d were expected (the groups passed different counts or datatypes)", recvs[i].peer, st.Bytes, len(recvs[i].buf))
		}
	}
	return first
}

// rootRole is what a process does in a rooted intercommunicator
// collective.
type rootRole int

const (
	rootIdle   rootRole = iota // MPI_PROC_NULL: another member of the root's group
	rootHere                   // MPI_ROOT: this process is the root
	rootRemote                 // a rank of the remote group: the root is there
)

func interRootArg(cs *commState, root int) (rootRole, error) {
	switch int32(root) {
	case abi.Root:
		return rootHere, nil
	case abi.ProcNull:
		return rootIdle, nil
	}
	if root < 0 || root >= cs.c.Size() {
		return 0, comm.Errorf(comm.ErrRoot, "invalid root %d for an intercommunicator (MPI_ROOT, MPI_PROC_NULL or a rank of the remote group, whose size is %d)", root, cs.c.Size())
	}
	return rootRemote, nil
}

func noInterInPlace(ptrs ...uint32) error {
	for _, p := range ptrs {
		if inPlace(p) {
			return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is not allowed on an intercommunicator")
		}
	}
	return nil
}

// interOnly wraps run so that it takes the intercommunicator's sequence
// number first: every process of both groups draws one per call, whatever
// its role.
func interOnly(run func(ctx context.Context, cm *comm.Comm, seq uint64) error) func(ctx context.Context, cm *comm.Comm) error {
	return func(ctx context.Context, cm *comm.Comm) error {
		seq := cm.NextCollSeq()
		if run == nil {
			return nil
		}
		return run(ctx, cm, seq)
	}
}

// interDispatch returns the intercommunicator form of a collective when cs
// is an intercommunicator (ok false otherwise).
// The local sequence numbers are drawn first, so that every member of the
// group draws them even when its arguments turn out to be wrong.
func (c *call) interDispatch(cs *commState, prep interPrep) (collRun, bool, error) {
	ic := c.r.interOf(cs)
	if ic == nil {
		return collRun{}, false, nil
	}
	cr, err := prep(c, cs, newInterColl(cs, ic))
	return cr, true, err
}

// interPrep resolves the arguments of an intercommunicator collective.
type interPrep func(c *call, cs *commState, x *interColl) (collRun, error)

func prepInterBarrier(c *call, cs *commState, x *interColl) (collRun, error) {
	return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
		if err := collective.Barrier(ctx, x.steps[0]); err != nil {
			return err
		}
		if x.leader() {
			if err := interMove(ctx, cm, seq, 0, []peerBuf{{0, nil}}, []peerBuf{{0, []byte{}}}); err != nil {
				return err
			}
		}
		return collective.Bcast(ctx, x.steps[1], []byte{}, 0)
	})}, nil
}

func prepInterBcast(c *call, cs *commState, x *interColl) (collRun, error) {
	// (buf, count, datatype, root, comm)
	role, err := interRootArg(cs, c.int(3))
	if err != nil {
		return collRun{}, err
	}
	root := c.int(3)
	switch role {
	case rootHere:
		buf, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "buffer")
		if err != nil {
			return collRun{}, err
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			return interMove(ctx, cm, seq, 0, []peerBuf{{0, buf}}, nil)
		})}, nil
	case rootRemote:
		buf, bt, err := c.recvBuffer(c.u32(0), c.int(1), c.u32(2), "buffer")
		if err != nil {
			return collRun{}, err
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			if x.leader() {
				if err := interMove(ctx, cm, seq, 0, nil, []peerBuf{{root, buf}}); err != nil {
					return err
				}
			}
			return collective.Bcast(ctx, x.steps[0], buf, 0)
		}), post: unpackPost(bt, buf)}, nil
	}
	return collRun{cs: cs, run: interOnly(nil)}, nil
}

// prepInterGather is Gather (vector false) and Gatherv.
func prepInterGather(vector bool) interPrep {
	return func(c *call, cs *commState, x *interColl) (collRun, error) {
		// (sendbuf, sendcount, sendtype, recvbuf, recvcount | recvcounts[], [displs[],] recvtype, root, comm)
		rootArg := 6
		if vector {
			rootArg = 7
		}
		root := c.int(rootArg)
		role, err := interRootArg(cs, root)
		if err != nil {
			return collRun{}, err
		}
		switch role {
		case rootHere:
			recv, recvs, rt, err := c.peerBlocks(3, vector, true, x.remote)
			if err != nil {
				return collRun{}, err
			}
			return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
				return interMove(ctx, cm, seq, 0, nil, recvs)
			}), post: unpackPost(rt, recv)}, nil
		case rootRemote:
			if err := noInterInPlace(c.u32(0)); err != nil {
				return collRun{}, err
			}
			send, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer")
			if err != nil {
				return collRun{}, err
			}
			return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
				return interMove(ctx, cm, seq, 0, []peerBuf{{root, send}}, nil)
			})}, nil
		}
		return collRun{cs: cs, run: interOnly(nil)}, nil
	}
}

// prepInterScatter is Scatter (vector false) and Scatterv.
func prepInterScatter(vector bool) interPrep {
	return func(c *call, cs *commState, x *interColl) (collRun, error) {
		// (sendbuf, sendcount | sendcounts[], [displs[],] sendtype, recvbuf, recvcount, recvtype, root, comm)
		rb, rootArg := 3, 6
		if vector {
			rb, rootArg = 4, 7
		}
		root := c.int(rootArg)
		role, err := interRootArg(cs, root)
		if err != nil {
			return collRun{}, err
		}
		switch role {
		case rootHere:
			_, sends, _, err := c.peerBlocks(0, vector, false, x.remote)
			if err != nil {
				return collRun{}, err
			}
			return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
				return interMove(ctx, cm, seq, 0, sends, nil)
			})}, nil
		case rootRemote:
			if err := noInterInPlace(c.u32(rb)); err != nil {
				return collRun{}, err
			}
			recv, rt, err := c.recvBuffer(c.u32(rb), c.int(rb+1), c.u32(rb+2), "receive buffer")
			if err != nil {
				return collRun{}, err
			}
			return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
				return interMove(ctx, cm, seq, 0, nil, []peerBuf{{root, recv}})
			}), post: unpackPost(rt, recv)}, nil
		}
		return collRun{cs: cs, run: interOnly(nil)}, nil
	}
}

// fixedBlocks are n byte counts and displacements of consecutive blocks of
// size bytes.
func fixedBlocks(n, size int) ([]int, []int) {
	counts, displs := make([]int, n), make([]int, n)
	for i := range counts {
		counts[i], displs[i] = size, i*size
	}
	return counts, displs
}

// blocksOf is one peerBuf per remote rank: buf[displs[r] : displs[r]+counts[r]].
// peerBlocks reads the buffer whose arguments start at b, made of n equal
// blocks (buf, count, type) or, when vector, of n blocks with counts and
// displacements (buf, counts[], displs[], type), and splits it into one
// block per peer. recv selects a receive buffer (unpacked after the
// collective) rather than a send buffer.
func (c *call) peerBlocks(b int, vector, recv bool, n int) ([]byte, []peerBuf, typedBuf, error) {
	what := "send buffer"
	if recv {
		what = "receive buffer"
	}
	var buf []byte
	var counts, displs []int
	var tb typedBuf
	var err error
	switch {
	case vector:
		buf, counts, displs, tb, err = c.vector(c.u32(b), b+1, b+2, n, c.u32(b+3), !recv, what)
	case recv:
		buf, tb, err = c.recvBuffer(c.u32(b), c.int(b+1)*n, c.u32(b+2), what)
	default:
		buf, tb, err = c.buffer(c.u32(b), c.int(b+1)*n, c.u32(b+2), what)
	}
	if err != nil {
		return nil, nil, typedBuf{}, err
	}
	if !vector {
		counts, displs = fixedBlocks(n, c.int(b+1)*tb.Size())
	}
	return buf, blocksOf(buf, counts, displs), tb, nil
}

func blocksOf(buf []byte, counts, displs []int) []peerBuf {
	out := make([]peerBuf, len(counts))
	for r := range counts {
		out[r] = peerBuf{r, buf[displs[r] : displs[r]+counts[r]]}
	}
	return out
}

// prepInterAllgather is Allgather (vector false) and Allgatherv: every
// process sends its block to every process of the other group.
func prepInterAllgather(vector bool) interPrep {
	return func(c *call, cs *commState, x *interColl) (collRun, error) {
		// (sendbuf, sendcount, sendtype, recvbuf, recvcount | recvcounts[], [displs[],] recvtype, comm)
		if err := noInterInPlace(c.u32(0)); err != nil {
			return collRun{}, err
		}
		send, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer")
		if err != nil {
			return collRun{}, err
		}
		recv, recvs, rt, err := c.peerBlocks(3, vector, true, x.remote)
		if err != nil {
			return collRun{}, err
		}
		sends := make([]peerBuf, x.remote)
		for r := range sends {
			sends[r] = peerBuf{r, send}
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			return interMove(ctx, cm, seq, 0, sends, recvs)
		}), post: unpackPost(rt, recv)}, nil
	}
}

// prepInterAlltoall is Alltoall and Alltoallv: block r of the send buffer
// goes to remote rank r, whose block lands at block r of the receive
// buffer... of the receiver, indexed by the sender's rank.
func prepInterAlltoall(vector bool) interPrep {
	return func(c *call, cs *commState, x *interColl) (collRun, error) {
		if err := noInterInPlace(c.u32(0)); err != nil {
			return collRun{}, err
		}
		// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm) or
		// (sendbuf, sendcounts[], sdispls[], sendtype, recvbuf, recvcounts[], rdispls[], recvtype, comm)
		_, sends, _, err := c.peerBlocks(0, vector, false, x.remote)
		if err != nil {
			return collRun{}, err
		}
		rb := 3
		if vector {
			rb = 4
		}
		recv, recvs, rt, err := c.peerBlocks(rb, vector, true, x.remote)
		if err != nil {
			return collRun{}, err
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			return interMove(ctx, cm, seq, 0, sends, recvs)
		}), post: unpackPost(rt, recv)}, nil
	}
}

func prepInterAlltoallw(c *call, cs *commState, x *interColl) (collRun, error) {
	// (sendbuf, sendcounts[], sdispls[] (bytes), sendtypes[], recvbuf, recvcounts[], rdispls[], recvtypes[], comm)
	if err := noInterInPlace(c.u32(0)); err != nil {
		return collRun{}, err
	}
	send, _, err := c.wblocks(c.u32(0), 1, 2, 3, x.remote, "send buffer")
	if err != nil {
		return collRun{}, err
	}
	recv, rts, err := c.wblocks(c.u32(4), 5, 6, 7, x.remote, "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	sends, recvs := make([]peerBuf, x.remote), make([]peerBuf, x.remote)
	for r := range sends {
		sends[r], recvs[r] = peerBuf{r, send[r]}, peerBuf{r, recv[r]}
	}
	return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
		return interMove(ctx, cm, seq, 0, sends, recvs)
	}), post: func(*call) error {
		for i, rt := range rts {
			if err := rt.unpack(recv[i]); err != nil {
				return err
			}
		}
		return nil
	}}, nil
}

// interReduction is the resolved operation of an intercommunicator
// reduction: a predefined one (t, o) or a user-defined one (u).
type interReduction struct {
	t comm.Datatype
	o collective.Op
	u *userRed
}

// reduction resolves (datatype, op) for count elements of a contribution.
func (c *call) interReduction(dtH, opH uint32, count int) (interReduction, error) {
	if isUserOpHandle(opH) {
		u, err := c.newUserRed(nil, opH, dtH, count)
		return interReduction{u: u}, err
	}
	o, err := c.op(opH)
	if err != nil {
		return interReduction{}, err
	}
	d, err := c.datatype(dtH)
	if err != nil {
		return interReduction{}, err
	}
	t, err := reductionType(d)
	if err != nil {
		return interReduction{}, err
	}
	return interReduction{t: t, o: o}, checkReduction(t, o)
}

// toLeader reduces the group's contributions (send) to the local leader:
// with a predefined operation the result (len(send) bytes), with a
// user-defined one every contribution one after the other (local*len(send)
// bytes), for the other group to fold. Only the leader's result is
// meaningful.
func (x *interColl) toLeader(ctx context.Context, red interReduction, send, out []byte) error {
	if red.u != nil {
		return collective.Gather(ctx, x.steps[0], send, out, len(send), 0)
	}
	return collective.Reduce(ctx, x.steps[0], send, out, red.t, red.o, 0)
}

// leaderSize is the size of what toLeader leaves at the leader for a
// contribution of n bytes in a group of size members.
func (red interReduction) leaderSize(n, size int) int {
	if red.u != nil {
		return n * size
	}
	return n
}

func prepInterReduce(c *call, cs *commState, x *interColl) (collRun, error) {
	// (sendbuf, recvbuf, count, datatype, op, root, comm)
	root := c.int(5)
	role, err := interRootArg(cs, root)
	if err != nil {
		return collRun{}, err
	}
	if role == rootIdle {
		return collRun{cs: cs, run: interOnly(nil)}, nil
	}
	count := c.int(2)
	red, err := c.interReduction(c.u32(3), c.u32(4), count)
	if err != nil {
		return collRun{}, err
	}
	switch role {
	case rootHere:
		recv, rt, err := c.recvBuffer(c.u32(1), count, c.u32(3), "receive buffer")
		if err != nil {
			return collRun{}, err
		}
		in, post := recv, unpackPost(rt, recv)
		if red.u != nil {
			in = make([]byte, x.remote*red.u.size)
			post = red.u.foldPost(in, x.remote, count, recv, rt)
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			return interMove(ctx, cm, seq, 0, nil, []peerBuf{{0, in}})
		}), post: post}, nil
	case rootRemote:
		if err := noInterInPlace(c.u32(0)); err != nil {
			return collRun{}, err
		}
		send, _, err := c.buffer(c.u32(0), count, c.u32(3), "send buffer")
		if err != nil {
			return collRun{}, err
		}
		var res []byte
		if x.leader() {
			res = make([]byte, red.leaderSize(len(send), x.local))
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			if err := x.toLeader(ctx, red, send, res); err != nil {
				return err
			}
			if !x.leader() {
				return nil
			}
			return interMove(ctx, cm, seq, 0, []peerBuf{{root, res}}, nil)
		})}, nil
	}
	return collRun{cs: cs, run: interOnly(nil)}, nil
}

func prepInterAllreduce(c *call, cs *commState, x *interColl) (collRun, error) {
	// (sendbuf, recvbuf, count, datatype, op, comm)
	if err := noInterInPlace(c.u32(0)); err != nil {
		return collRun{}, err
	}
	count := c.int(2)
	red, err := c.interReduction(c.u32(3), c.u32(4), count)
	if err != nil {
		return collRun{}, err
	}
	send, _, err := c.buffer(c.u32(0), count, c.u32(3), "send buffer")
	if err != nil {
		return collRun{}, err
	}
	recv, rt, err := c.recvBuffer(c.u32(1), count, c.u32(3), "receive buffer")
	if err != nil {
		return collRun{}, err
	}
	var res []byte
	if x.leader() {
		res = make([]byte, red.leaderSize(len(send), x.local))
	}
	// in: what comes from the other group (its result, or its
	// contributions to fold)
	in, post := recv, unpackPost(rt, recv)
	if red.u != nil {
		in = make([]byte, x.remote*red.u.size)
		post = red.u.foldPost(in, x.remote, count, recv, rt)
	}
	return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
		if err := x.toLeader(ctx, red, send, res); err != nil {
			return err
		}
		if x.leader() {
			if err := interMove(ctx, cm, seq, 0, []peerBuf{{0, res}}, []peerBuf{{0, in}}); err != nil {
				return err
			}
		}
		return collective.Bcast(ctx, x.steps[1], in, 0)
	}), post: post}, nil
}

// prepInterReduceScatter is Reduce_scatter_block (block) and
// Reduce_scatter: the reduction of the other group's vectors is scattered
// over the local group, recvcount (or recvcounts[i]) elements to rank i.
func prepInterReduceScatter(block bool) interPrep {
	return func(c *call, cs *commState, x *interColl) (collRun, error) {
		// (sendbuf, recvbuf, recvcount | recvcounts[], datatype, op, comm)
		if err := noInterInPlace(c.u32(0)); err != nil {
			return collRun{}, err
		}
		var counts []int
		if block {
			k := c.int(2)
			if k < 0 {
				return collRun{}, comm.Errorf(comm.ErrCount, "negative recvcount %d", k)
			}
			counts, _ = fixedBlocks(x.local, k)
		} else {
			var err error
			if counts, err = c.countInts(2, x.local, "recvcounts"); err != nil {
				return collRun{}, err
			}
		}
		total := 0
		for i, k := range counts {
			if k < 0 {
				return collRun{}, comm.Errorf(comm.ErrCount, "recvcounts[%d] = %d is negative", i, k)
			}
			total += k
		}
		red, err := c.interReduction(c.u32(3), c.u32(4), total)
		if err != nil {
			return collRun{}, err
		}
		send, _, err := c.buffer(c.u32(0), total, c.u32(3), "send buffer")
		if err != nil {
			return collRun{}, err
		}
		recv, rt, err := c.recvBuffer(c.u32(1), counts[x.me], c.u32(3), "receive buffer")
		if err != nil {
			return collRun{}, err
		}
		esize := 0
		if total > 0 {
			esize = len(send) / total
		}
		// At the leader: res is what goes to the other group, vec what
		// comes from it (the other group's result, or its contributions).
		var res, vec []byte
		if x.leader() {
			res = make([]byte, red.leaderSize(len(send), x.local))
			vec = make([]byte, red.leaderSize(len(send), x.remote))
		}
		// What the leader scatters: rank i's block of the result, or, with
		// a user-defined operation, rank i's block of every contribution
		// of the other group, one after the other, for rank i to fold.
		bcounts, bdispls := make([]int, x.local), make([]int, x.local)
		per := 1
		if red.u != nil {
			per = x.remote
		}
		for i, off := 0, 0; i < x.local; i++ {
			bcounts[i], bdispls[i] = per*counts[i]*esize, off
			off += bcounts[i]
		}
		mine, post := recv, unpackPost(rt, recv)
		if red.u != nil {
			mine = make([]byte, bcounts[x.me])
			post = red.u.foldPost(mine, x.remote, counts[x.me], recv, rt)
		}
		return collRun{cs: cs, run: interOnly(func(ctx context.Context, cm *comm.Comm, seq uint64) error {
			if err := x.toLeader(ctx, red, send, res); err != nil {
				return err
			}
			out := vec
			if x.leader() {
				if err := interMove(ctx, cm, seq, 0, []peerBuf{{0, res}}, []peerBuf{{0, vec}}); err != nil {
					return err
				}
				if red.u != nil {
					out = regroup(vec, x.remote, counts, esize)
				}
			}
			return collective.Scatterv(ctx, x.steps[1], out, bcounts, bdispls, mine, 0)
		}), post: post}, nil
	}
}

// regroup reorders n vectors (one after the other in vec) of the elements
// counts add up to, esize bytes each, so that block i of every vector comes
// together, vector by vector, block after block.
func regroup(vec []byte, n int, counts []int, esize int) []byte {
	total := 0
	for _, k := range counts {
		total += k
	}
	out := make([]byte, 0, len(vec))
	for i, off := 0, 0; i < len(counts); i++ {
		for j := 0; j < n; j++ {
			base := (j*total + off) * esize
			out = append(out, vec[base:base+counts[i]*esize]...)
		}
		off += counts[i]
	}
	return out
}

func prepInterScanRefused(c *call, cs *commState, x *interColl) (collRun, error) {
	return collRun{}, comm.Errorf(comm.ErrComm, "%s is not defined on intercommunicators", c.name)
}

// onInterComm reports whether argument i (-1 for none) is an
// intercommunicator handle.
func (c *call) onInterComm(i int) bool {
	if i < 0 {
		return false
	}
	_, ic, err := c.r.lookupComm(c.u32(i))
	return err == nil && ic != nil
}

// isCollTableName reports whether name is a collective of collTable in
// its blocking, nonblocking or persistent form, or the large-count variant
// of one.
func isCollTableName(name string) bool {
	name = strings.TrimSuffix(name, "_c")
	for _, e := range collTable() {
		lower := string(e.name[0]+'a'-'A') + e.name[1:]
		if name == "MPI_"+e.name || name == "MPI_I"+lower || name == "MPI_"+e.name+"_init" {
			return true
		}
	}
	return false
}
