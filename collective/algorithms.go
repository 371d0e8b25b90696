package collective

// This file holds the machinery shared by the collective algorithms: the
// tag scheme, the per-call transfer state (xfer) that posts point-to-point
// requests on the communicator's collective shadow, argument checks and the
// scratch-buffer pool. The algorithms themselves are in coll_move.go (data
// movement: barrier, broadcast, gathers, scatters, all-to-all) and
// coll_reduce.go (reductions and scans).
//
// # Traffic and tags
//
// Every message travels on c.Collective(), the shadow of the communicator
// with its own context id, so collective traffic never matches user
// point-to-point messages. Within that context each call has its own tags:
//
//	tag = seq<<13 | kind<<8 | phase
//
// where seq is the communicator's collective sequence number (every
// collective call, blocking or not, takes the next one: see seqTag and
// comm.Comm.NextCollSeq), kind is the operation (kindBarrier, kindBcast,
// ...; see below) and phase numbers the steps of one algorithm (for
// Barrier, the dissemination round). Sub-steps borrowed from another
// algorithm keep the tag of the operation being performed: the broadcast
// inside Allreduce uses Allreduce's tags, not Bcast's. Since MPI requires
// every rank to start the collectives of a communicator in the same order,
// the sequence numbers agree across ranks, messages between one pair of
// ranks on one tag match in order (the non-overtaking rule), and operations
// that are in progress at the same time (as nonblocking collectives may be,
// even two of the same kind) can never take each other's messages.
// Receives always name their source; no wildcard is used.
//
// # Message pattern and errors
//
// Which rank sends to which, and how many messages, depends only on the
// communicator size and the root, never on counts or buffer lengths. Every
// message is sent even when it is empty. That keeps the pattern identical on
// all ranks, and it lets a rank that has detected an error finish the
// pattern instead of abandoning its peers:
//
//   - Errors every rank detects alike (an invalid root, an operation not
//     defined for the datatype) are reported at once, before any
//     communication.
//   - Errors only some ranks see (a buffer too small for the counts, a
//     negative count, a message longer or shorter than its slot) poison the
//     call on that rank: it goes on posting every receive and sending every
//     message of the pattern, but its sends carry no data. A receiver that
//     expected data and gets fewer bytes fails in turn, with ErrOther, and so
//     the failure spreads along the pattern instead of leaving ranks
//     blocked. (A rank that only expects empty messages cannot notice, and
//     a non-root of a gather never hears about a failure at the root; they
//     return success, which MPI allows for erroneous calls.)
//
// A longer message than the space for it is ErrTruncate; a shorter one
// (mismatched counts, or a failed sender) is ErrOther, as in MPICH.
// Cancellation of ctx (or a stopped world) ends the call at once with that
// error; pending receives are cancelled.

import (
	"context"
	"math/bits"
	"sync"
	"unsafe"

	"github.com/wasmpi/wasmpi/comm"
)

// collKind identifies a collective operation; it is the high part of the
// tags the operation uses.
type collKind int

const (
	kindBarrier collKind = 1 + iota
	kindBcast
	kindReduce
	kindAllreduce
	kindGather
	kindGatherv
	kindScatter
	kindScatterv
	kindAllgather
	kindAllgatherv
	kindAlltoall
	kindAlltoallv
	kindAlltoallw
	kindReduceScatter
	kindReduceScatterBlock
	kindScan
	kindExscan
	numKinds
)

var kindNames = [numKinds]string{
	kindBarrier: "MPI_Barrier", kindBcast: "MPI_Bcast", kindReduce: "MPI_Reduce",
	kindAllreduce: "MPI_Allreduce", kindGather: "MPI_Gather", kindGatherv: "MPI_Gatherv",
	kindScatter: "MPI_Scatter", kindScatterv: "MPI_Scatterv", kindAllgather: "MPI_Allgather",
	kindAllgatherv: "MPI_Allgatherv", kindAlltoall: "MPI_Alltoall", kindAlltoallv: "MPI_Alltoallv",
	kindAlltoallw: "MPI_Alltoallw", kindReduceScatter: "MPI_Reduce_scatter",
	kindReduceScatterBlock: "MPI_Reduce_scatter_block", kindScan: "MPI_Scan", kindExscan: "MPI_Exscan",
}

// phaseBits is the width of the phase part of a tag.
const phaseBits = 8

// kindBits is the width of the kind part of a tag; every kind fits.
const kindBits = 5

var _ [1<<kindBits - int(numKinds)]struct{}

// seqBits is the width of the sequence part of a tag: the collective
// sequence number of the communicator (comm.Comm.NextCollSeq) modulo
// 1<<seqBits. Collectives that are in progress at the same time (nonblocking
// ones) have different numbers, so even two of the same kind never take
// each other's messages. The whole tag stays below 1<<40, where the
// runtime's own internal tags start (rank/mpi_comm.go).
const seqBits = 27

// collTag is the tag of a phase of a collective kind with sequence number 0.
func collTag(k collKind, phase int) int { return seqTag(0, k, phase) }

// seqTag is the tag of a phase of a collective kind with sequence number seq:
//
//	tag = (seq mod 2^27)<<13 | kind<<8 | phase
func seqTag(seq uint64, k collKind, phase int) int {
	return int(seq&(1<<seqBits-1))<<(kindBits+phaseBits) | int(k)<<phaseBits | phase
}

// xfer is the state of one collective call on one rank: the shadow
// communicator, the requests of the current step and the first error seen.
type xfer struct {
	ctx  context.Context
	c    *comm.Comm // the collective shadow of the caller's communicator
	kind collKind
	seq  uint64 // the communicator's collective sequence number for this call
	name string
	me   int
	size int

	// err is the first local or propagated error. Once set, sends carry no
	// data (see the file comment) and reductions are skipped.
	err error

	reqs []*comm.Request
	// want[i] is the number of bytes receive reqs[i] expects, or -1 for a
	// send; peer[i] is the rank at the other end.
	want []int
	peer []int

	bufs    [][]byte // scratch taken from the pool, returned by finish
	aborted bool     // a hard error happened: scratch may still be in use
}

// begin starts a collective call. It fails only for a nil communicator.
func begin(ctx context.Context, c *comm.Comm, k collKind) (*xfer, error) {
	if c == nil {
		return nil, comm.Errorf(comm.ErrComm, "%s: invalid communicator", kindNames[k])
	}
	seq := c.NextCollSeq()
	s := c.Collective()
	return &xfer{ctx: ctx, c: s, kind: k, seq: seq, name: kindNames[k], me: s.Rank(), size: s.Size()}, nil
}

// failf records a poisoning error (the first one wins).
func (x *xfer) failf(class comm.ErrorClass, format string, args ...any) {
	if x.err == nil {
		x.err = comm.Errorf(class, x.name+": "+format, args...)
	}
}

// fail records err as the poisoning error unless one is already set.
func (x *xfer) fail(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

// ok reports whether the call is still healthy.
func (x *xfer) ok() bool { return x.err == nil }

// isend starts sending buf to dest in the given phase. A poisoned call sends
// an empty message instead.
func (x *xfer) isend(buf []byte, dest, phase int) error {
	if x.err != nil {
		buf = nil
	}
	r, err := x.c.Isend(x.ctx, buf, dest, seqTag(x.seq, x.kind, phase), comm.ModeStandard)
	if err != nil {
		x.abort()
		return err
	}
	x.reqs = append(x.reqs, r)
	x.want = append(x.want, -1)
	x.peer = append(x.peer, dest)
	return nil
}

// irecv posts a receive of exactly len(buf) bytes from src in the given
// phase.
func (x *xfer) irecv(buf []byte, src, phase int) error {
	r, err := x.c.Irecv(buf, src, seqTag(x.seq, x.kind, phase))
	if err != nil {
		x.abort()
		return err
	}
	x.reqs = append(x.reqs, r)
	x.want = append(x.want, len(buf))
	x.peer = append(x.peer, src)
	return nil
}

// wait completes every request of the current step. It returns an error only
// for a hard failure (cancellation, a stopped world); length mismatches of
// the received messages poison the call instead.
func (x *xfer) wait() error {
	if len(x.reqs) == 0 {
		return nil
	}
	if err := x.c.Endpoint().WaitAll(x.ctx, x.reqs); err != nil {
		x.abort()
		return err
	}
	for i, r := range x.reqs {
		st := r.Status()
		switch {
		case x.want[i] < 0: // send
			if st.Err != nil {
				x.fail(st.Err)
			}
		case st.Err != nil:
			if comm.ClassOf(st.Err) == comm.ErrTruncate {
				x.failf(comm.ErrTruncate, "rank %d sent more than the %d bytes expected (the ranks passed different counts or datatypes)", x.peer[i], x.want[i])
			} else {
				x.fail(st.Err)
			}
		case st.Bytes < x.want[i]:
			x.failf(comm.ErrOther, "rank %d sent %d bytes where %d were expected (the ranks passed different counts or datatypes, or rank %d failed)", x.peer[i], st.Bytes, x.want[i], x.peer[i])
		}
	}
	x.reset()
	return nil
}

func (x *xfer) reset() {
	clear(x.reqs)
	x.reqs, x.want, x.peer = x.reqs[:0], x.want[:0], x.peer[:0]
}

// abort cancels the receives still pending after a hard error, so that they
// do not write into the caller's buffers later.
func (x *xfer) abort() {
	x.aborted = true
	ep := x.c.Endpoint()
	for i, r := range x.reqs {
		if x.want[i] >= 0 && !r.Done() {
			ep.Cancel(r)
		}
	}
	x.reset()
}

// finish releases the scratch buffers and returns the call's result.
func (x *xfer) finish() error {
	if !x.aborted {
		for _, b := range x.bufs {
			putScratch(b)
		}
	}
	x.bufs = nil
	return x.err
}

// scratch returns an n-byte buffer that lives until finish.
//
// Reductions stage partial results in scratch buffers: one or two per rank
// and call, reused through a pool. (When all ranks share the process,
// Reduce and Allreduce combine straight out of the peers' memory instead:
// shm.go.)
func (x *xfer) scratch(n int) []byte {
	if n <= 0 {
		return []byte{}
	}
	b := getScratch(n)
	x.bufs = append(x.bufs, b)
	return b
}

// Scratch buffers come in power-of-two capacity classes up to 1 GiB; larger
// ones are allocated per call.
const maxScratchClass = 30

var scratchPools [maxScratchClass + 1]sync.Pool

func getScratch(n int) []byte {
	k := bits.Len(uint(n - 1))
	if k > maxScratchClass {
		return make([]byte, n)
	}
	if p, ok := scratchPools[k].Get().(*[]byte); ok {
		return (*p)[:n]
	}
	return make([]byte, n, 1<<k)
}

func putScratch(b []byte) {
	c := cap(b)
	if c == 0 {
		return
	}
	k := bits.Len(uint(c - 1))
	if k > maxScratchClass || c != 1<<k {
		return
	}
	b = b[:c]
	scratchPools[k].Put(&b)
}

// checkRoot validates a root rank. Every rank sees the same root, so the
// error is returned at once, before any communication.
func (x *xfer) checkRoot(root int) error {
	if root < 0 || root >= x.size {
		return comm.Errorf(comm.ErrRoot, "%s: invalid root %d (communicator size %d)", x.name, root, x.size)
	}
	return nil
}

// checkOp validates the operation and datatype of a reduction. Reported
// before any communication, so that every rank fails alike.
func checkOp(name string, t comm.Datatype, op Op) error {
	switch {
	case op <= OpNull || op >= numOps:
		return comm.Errorf(comm.ErrOp, "%s: invalid reduction operation %v", name, op)
	case !t.Valid():
		return comm.Errorf(comm.ErrType, "%s: invalid datatype %v", name, t)
	case op == OpReplace || op == OpNoOp:
		return comm.Errorf(comm.ErrOp, "%s: %v may only be used in one-sided accumulate operations", name, op)
	case !Allowed(op, t):
		return comm.Errorf(comm.ErrOp, "%s: %v is not defined for datatype %v", name, op, t)
	}
	return nil
}

// checkElems poisons the call unless buf holds whole elements of t.
func (x *xfer) checkElems(what string, buf []byte, t comm.Datatype) {
	if len(buf)%t.Size() != 0 {
		x.failf(comm.ErrCount, "the %s (%d bytes) is not a whole number of %v elements (%d bytes each)", what, len(buf), t, t.Size())
	}
}

// checkBlock poisons the call unless count bytes at displ lie inside a
// buffer of n bytes.
func (x *xfer) checkBlock(what string, rank, count, displ, n int) {
	switch {
	case count < 0:
		x.failf(comm.ErrCount, "%s count %d for rank %d is negative", what, count, rank)
	case count == 0:
	case displ < 0:
		x.failf(comm.ErrArg, "%s displacement %d for rank %d is negative", what, displ, rank)
	case displ > n-count:
		x.failf(comm.ErrBuffer, "%s block for rank %d (bytes %d to %d) lies outside the %d-byte buffer", what, rank, displ, displ+count, n)
	}
}

// checkVector validates per-rank byte counts and displacements against a
// buffer of n bytes. It poisons the call and returns false on error.
func (x *xfer) checkVector(what string, counts, displs []int, n int) bool {
	if len(counts) < x.size || len(displs) < x.size {
		x.failf(comm.ErrArg, "%s: %d counts and %d displacements for %d ranks", what, len(counts), len(displs), x.size)
		return false
	}
	for i := 0; i < x.size; i++ {
		x.checkBlock(what, i, counts[i], displs[i], n)
	}
	return x.ok()
}

// checkFixed validates a buffer that must hold size blocks of blockLen bytes.
// It poisons the call and returns false on error.
func (x *xfer) checkFixed(what string, buf []byte, blockLen int) bool {
	switch {
	case blockLen < 0:
		x.failf(comm.ErrCount, "negative block length %d", blockLen)
	case len(buf)/x.size < blockLen:
		x.failf(comm.ErrBuffer, "the %s holds %d bytes, less than %d ranks × %d bytes", what, len(buf), x.size, blockLen)
	}
	return x.ok()
}

// block returns buf[displ:displ+count], or nil when count is 0 (whatever the
// displacement) or the call is poisoned.
func (x *xfer) block(buf []byte, displ, count int) []byte {
	if count <= 0 || !x.ok() {
		return nil
	}
	return buf[displ : displ+count : displ+count]
}

// copyOwn copies this rank's own contribution into its slot, with the same
// length rules as a received message.
func (x *xfer) copyOwn(dst, src []byte) {
	if !x.ok() {
		return
	}
	switch {
	case len(src) > len(dst):
		x.failf(comm.ErrTruncate, "the %d bytes this rank sends do not fit the %d bytes it receives from itself", len(src), len(dst))
	case len(src) < len(dst):
		x.failf(comm.ErrOther, "this rank sends %d bytes to itself but receives %d (different counts or datatypes)", len(src), len(dst))
	default:
		if !sameBuf(dst, src) {
			copy(dst, src)
		}
	}
}

// sameBuf reports whether a and b are the same memory (same start and
// length); empty slices are always the same.
func sameBuf(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	return len(a) == 0 || unsafe.SliceData(a) == unsafe.SliceData(b)
}

// overlaps reports whether a and b share at least one byte.
func overlaps(a, b []byte) bool {
	if len(a) == 0 || len(b) == 0 {
		return false
	}
	pa, pb := uintptr(unsafe.Pointer(unsafe.SliceData(a))), uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	return pa < pb+uintptr(len(b)) && pb < pa+uintptr(len(a))
}
