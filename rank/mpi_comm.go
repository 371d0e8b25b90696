package rank

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"sort"
	"sync"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// This file holds the communicator functions: creation (dup, split,
// create, intercommunicators), comparison, names and freeing.
//
// # Context ids
//
// Every communicator has a pair of context ids: an even one for
// point-to-point traffic and the next one for collectives (comm.Comm's
// Collective shadow). Messages match only within one context, so traffic
// of different communicators never mixes. The predefined communicators use
// 0 (WORLD), 2 (SELF) and 4 (the barrier of MPI_Finalize); the program's
// communicators get ids from firstFreeContext (8) up, as allocContext
// explains. An intercommunicator keeps the same pair: point-to-point
// messages on the even id, and on the odd id both the collectives of its
// local group (which creating communicators from it needs) and the
// messages its two group leaders exchange, under tags outside the
// collective layer's range (internalTag).

// interComm is the extra state of an intercommunicator. The commState's
// comm.Comm (from World.InterComm) addresses the remote group; local is an
// intracommunicator over the local group with the same context ids, used
// for MPI_Comm_size and for the collectives inside communicator creation.
type interComm struct {
	local  *comm.Comm
	remote *comm.Group
}

// Tags of the runtime's own messages on a communicator's collective
// context: far above every collective tag (kind<<8|phase) and every tag a
// guest can use (an int32), and distinct per purpose. The user's tag of
// MPI_Comm_create_group and MPI_Intercomm_create goes in the low 32 bits so
// that concurrent calls with different tags stay apart, as the standard
// requires.
const (
	tagGroupReduce = 1 + iota
	tagGroupBcast
	tagInterGroups
	tagInterAgree
	tagMerge
)

func internalTag(purpose int, user int) int { return 1<<40 | purpose<<32 | int(uint32(user)) }

// agreeFunc replaces each element of vals by its maximum over every process
// taking part in the creation of a communicator.
type agreeFunc func(vals []int64) error

func encodeInts(v []int64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], uint64(x))
	}
	return b
}

func decodeInts(b []byte) []int64 {
	v := make([]int64, len(b)/8)
	for i := range v {
		v[i] = int64(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

func maxInto(dst, src []int64) {
	for i := range dst {
		if i < len(src) && src[i] > dst[i] {
			dst[i] = src[i]
		}
	}
}

// intraAgree agrees over every member of an intracommunicator with an
// Allreduce(MAX) on it.
func intraAgree(ctx context.Context, parent *comm.Comm) agreeFunc {
	return func(vals []int64) error {
		recv := make([]byte, 8*len(vals))
		if err := collective.Allreduce(ctx, parent, encodeInts(vals), recv, comm.TypeInt64, collective.OpMax); err != nil {
			return err
		}
		copy(vals, decodeInts(recv))
		return nil
	}
}

// groupAgree agrees over a subset of a communicator's processes
// (MPI_Comm_create_group): a binomial reduction to the first member and a
// binomial broadcast back, on ch (the parent's collective shadow) with
// internal tags carrying the user's tag. members lists the parent ranks in
// group order; me is the caller's index in it.
func groupAgree(ctx context.Context, ch *comm.Comm, members []int, me int, tag int) agreeFunc {
	return func(vals []int64) error {
		n := len(members)
		recv := make([]byte, 8*len(vals))
		for mask := 1; mask < n; mask <<= 1 {
			if me&mask != 0 {
				if err := ch.Send(ctx, encodeInts(vals), members[me-mask], internalTag(tagGroupReduce, tag), comm.ModeStandard); err != nil {
					return err
				}
				break
			}
			if me+mask < n {
				if _, err := ch.Recv(ctx, recv, members[me+mask], internalTag(tagGroupReduce, tag)); err != nil {
					return err
				}
				maxInto(vals, decodeInts(recv))
			}
		}
		top := 1
		for top < n {
			top <<= 1
		}
		if me != 0 {
			low := me & -me
			if _, err := ch.Recv(ctx, recv, members[me-low], internalTag(tagGroupBcast, tag)); err != nil {
				return err
			}
			copy(vals, decodeInts(recv))
			top = low
		}
		for m := top >> 1; m >= 1; m >>= 1 {
			if me+m < n {
				if err := ch.Send(ctx, encodeInts(vals), members[me+m], internalTag(tagGroupBcast, tag), comm.ModeStandard); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// exchangeInts sends vals to rank peer of ch and receives at most max
// values from it, under one tag.
func exchangeInts(ctx context.Context, ch *comm.Comm, peer, tag int, vals []int64, max int) ([]int64, error) {
	buf := make([]byte, 8*max)
	rr, err := ch.Irecv(buf, peer, tag)
	if err != nil {
		return nil, err
	}
	if err := ch.Send(ctx, encodeInts(vals), peer, tag, comm.ModeStandard); err != nil {
		ch.Endpoint().Cancel(rr)
		return nil, err
	}
	st, err := ch.Endpoint().Wait(ctx, rr)
	if err == nil {
		err = st.Err
	}
	if err != nil {
		return nil, err
	}
	return decodeInts(buf[:st.Bytes]), nil
}

func bcastInts(ctx context.Context, c *comm.Comm, vals []int64, root int) error {
	b := encodeInts(vals)
	if err := collective.Bcast(ctx, c, b, root); err != nil {
		return err
	}
	copy(vals, decodeInts(b))
	return nil
}

// interAgree agrees over both groups of an intercommunicator being made or
// used: an Allreduce(MAX) over the local group, an exchange between the
// two leaders over ch (which, at the leader, addresses the other group's
// leader as rank remoteLeader), and a broadcast from the leader. A failure
// of the leaders' exchange reaches every local process.
func interAgree(ctx context.Context, local *comm.Comm, leader int, ch *comm.Comm, remoteLeader, tag int) agreeFunc {
	return func(vals []int64) error {
		if err := intraAgree(ctx, local)(vals); err != nil {
			return err
		}
		n := len(vals)
		buf := make([]int64, n+1)
		copy(buf, vals)
		if local.Rank() == leader {
			other, err := exchangeInts(ctx, ch, remoteLeader, tag, vals, n)
			if err != nil {
				buf[n] = int64(comm.ClassOf(err))
			} else {
				maxInto(buf[:n], other)
			}
		}
		if err := bcastInts(ctx, local, buf, leader); err != nil {
			return err
		}
		if buf[n] != 0 {
			return comm.Errorf(comm.ErrorClass(buf[n]), "the group leaders could not exchange their data")
		}
		copy(vals, buf[:n])
		return nil
	}
}

// maxContext is the largest even context id a communicator may get: its
// collective id (+1) and the next proposal (+2) must still fit.
const maxContext = math.MaxUint32 - 3

// allocContext returns a context id that every process taking part in the
// creation of a communicator agrees on (agree spans exactly them) and that
// none of them uses for a live communicator. localErr is an error this
// process found in its arguments: it is shared through the same
// agreement, so that every process returns an error instead of some of
// them waiting forever.
//
// The scheme: each rank keeps nextContext, the lowest even id it may
// propose (firstFreeContext at first, every id below it has been used by
// this rank). The processes agree on the MAX of their nextContext values
// (an Allreduce over the parent communicator, or its equivalent for
// MPI_Comm_create_group and intercommunicators), and each then sets
// nextContext to agreed+2. The agreed id is at least every member's
// nextContext, so it is above every id any member has used, and members
// of disjoint communicators (the colours of one split) may share it
// because a message only ever reaches members of its own communicator.
// The scheme needs no central authority and works unchanged when ranks
// live on several hosts. Ids are never reused; 2^31 creations exhaust
// them.
//
// Two creations on different parents may run at once on one rank when it
// asked for MPI_THREAD_MULTIPLE, and could then agree on the same id. So
// when any member runs at that level (the agreement carries a flag), a
// second round confirms the id: each member claims it unless it is below
// its nextContext or claimed by another creation in flight, the members
// agree on whether anyone failed, and if so they start again above the
// failed id.
func (r *rankState) allocContext(agree agreeFunc, localErr error) (uint32, error) {
	return r.allocContextConfirmed(agree, localErr, false)
}

// allocContextConfirmed is allocContext, with the confirming round when
// confirm is set: the agreement of an MPI_Comm_idup runs while the rank
// goes on and may create other communicators. While one is in flight,
// every creation on the rank asks for the confirming round too.
func (r *rankState) allocContextConfirmed(agree agreeFunc, localErr error, confirm bool) (uint32, error) {
	floor := int64(0)
	need := int64(0)
	r.mu.Lock()
	if confirm || r.threadLevel == abi.ThreadMultiple || r.idups > 0 {
		need = 1
	}
	r.mu.Unlock()
	for {
		r.mu.Lock()
		if r.nextContext < firstFreeContext {
			r.nextContext = firstFreeContext
		}
		p := max(int64(r.nextContext), floor)
		r.mu.Unlock()
		v := []int64{p, need, int64(comm.ClassOf(localErr))}
		if err := agree(v); err != nil {
			return 0, err
		}
		if v[2] != 0 {
			if localErr != nil {
				return 0, localErr
			}
			return 0, comm.Errorf(comm.ErrorClass(v[2]), "another process passed invalid arguments to this collective call (%s)", comm.ErrorClass(v[2]))
		}
		if v[0] > maxContext || v[0]%2 != 0 {
			return 0, comm.Errorf(comm.ErrOther, "no context ids left for a new communicator")
		}
		agreed := uint32(v[0])
		if v[1] == 0 {
			r.mu.Lock()
			r.nextContext = max(r.nextContext, agreed+2)
			r.mu.Unlock()
			return agreed, nil
		}
		r.mu.Lock()
		conflict := agreed < r.nextContext || r.ctxClaimed[agreed]
		if !conflict {
			if r.ctxClaimed == nil {
				r.ctxClaimed = map[uint32]bool{}
			}
			r.ctxClaimed[agreed] = true
		}
		r.mu.Unlock()
		w := []int64{boolInt64(conflict)}
		err := agree(w)
		r.mu.Lock()
		if !conflict {
			delete(r.ctxClaimed, agreed)
			if err == nil && w[0] == 0 {
				r.nextContext = max(r.nextContext, agreed+2)
			}
		}
		r.mu.Unlock()
		if err != nil {
			return 0, err
		}
		if w[0] == 0 {
			return agreed, nil
		}
		floor = int64(agreed) + 2
	}
}

func boolInt64(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// lookupComm resolves a communicator handle without making its error
// handler the call's (for secondary arguments such as a peer communicator).
func (r *rankState) lookupComm(h uint32) (*commState, *interComm, error) {
	r.mu.Lock()
	cs, ic := r.comms[h], r.inter[h]
	r.mu.Unlock()
	if cs == nil {
		if h == abi.CommNull {
			return nil, nil, comm.Errorf(comm.ErrComm, "MPI_COMM_NULL is not a valid communicator here")
		}
		return nil, nil, comm.Errorf(comm.ErrComm, "invalid communicator handle %s", describeHandle(h, "communicator"))
	}
	return cs, ic, nil
}

// interOf returns the intercommunicator state of cs, nil for an
// intracommunicator.
func (r *rankState) interOf(cs *commState) *interComm {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.inter[cs.handle]
}

// addComm registers a new communicator and returns its handle.
func (r *rankState) addComm(cs *commState, ic *interComm) (uint32, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, err := allocHandle(&r.commAlloc, commHandles, r.comms, cs)
	if err != nil {
		return 0, err
	}
	cs.handle = h
	if ic != nil {
		if r.inter == nil {
			r.inter = map[uint32]*interComm{}
		}
		r.inter[h] = ic
	}
	return h, nil
}

// newIntra makes the commState of a new intracommunicator over the given
// world ranks (which must include this rank), inheriting the parent's
// error handler.
func (c *call) newIntra(parent *commState, ctx uint32, ranks []int) (uint32, error) {
	return c.newIntraHandled(c.r.errhandlerOf(parent), ctx, ranks)
}

// newIntraHandled is newIntra with error handler eh.
func (c *call) newIntraHandled(eh uint32, ctx uint32, ranks []int) (uint32, error) {
	nc, err := c.r.job.world.Comm(c.r.rank, ctx, ranks)
	if err != nil {
		return 0, comm.Errorf(comm.ErrIntern, "%v", err)
	}
	return c.r.addComm(&commState{c: nc, errhandler: eh}, nil)
}

// errhandlerOf is cs's error handler.
func (r *rankState) errhandlerOf(cs *commState) uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cs.errhandler
}

// newInter makes the commState of a new intercommunicator.
func (c *call) newInter(parent *commState, ctx uint32, local, remote *comm.Group) (uint32, error) {
	return c.newInterHandled(c.r.errhandlerOf(parent), ctx, local, remote)
}

// newInterHandled is newInter with error handler eh.
func (c *call) newInterHandled(eh uint32, ctx uint32, local, remote *comm.Group) (uint32, error) {
	w := c.r.job.world
	lc, err := w.Comm(c.r.rank, ctx, local.WorldRanks())
	if err != nil {
		return 0, comm.Errorf(comm.ErrIntern, "%v", err)
	}
	ic, err := w.InterComm(c.r.rank, ctx, local, remote)
	if err != nil {
		return 0, comm.Errorf(comm.ErrIntern, "%v", err)
	}
	return c.r.addComm(&commState{c: ic, errhandler: eh}, &interComm{local: lc, remote: remote})
}

// localGroup is the group of the processes of cs's (local) group.
func (r *rankState) localGroup(cs *commState) *comm.Group {
	if ic := r.interOf(cs); ic != nil {
		return ic.local.Group()
	}
	return cs.c.Group()
}

// putComm writes a communicator handle to the guest.
func (c *call) putComm(ptr uint32, h uint32) error {
	return c.putI32(ptr, int32(h), "newcomm")
}

// checkOut validates an output pointer of 4 bytes before a collective
// call, so that a bad pointer becomes a shared error rather than a
// failure after the others have gone on.
func (c *call) checkOut(ptr uint32, what string) error {
	_, err := c.out(ptr, 4, what)
	return err
}

// infoArg validates an MPI_Info argument without the rank's state: the
// predefined ones and any handle of the info range. Prefer c.checkInfo
// (mpi_info.go), which also checks that the object exists. The hints are
// all optional and ignored.
func infoArg(h uint32) error {
	if h == abi.InfoNull || h == abi.InfoEnv || isInfoHandle(h) {
		return nil
	}
	return comm.Errorf(comm.ErrInfo, "invalid info handle %s", describeHandle(h, "info"))
}

// cstring reads a NUL-terminated guest string of at most limit bytes.
func (c *call) cstring(ptr uint32, limit int, what string) (string, error) {
	if ptr == 0 {
		return "", comm.Errorf(comm.ErrArg, "%s is a NULL pointer", what)
	}
	size := c.mem.Size()
	if ptr >= size {
		return "", comm.Errorf(comm.ErrBuffer, "%s at %#x is outside the rank's memory (%d bytes)", what, ptr, size)
	}
	n := min(size-ptr, uint32(limit)+1)
	b, ok := c.mem.Read(ptr, n)
	if !ok {
		return "", comm.Errorf(comm.ErrBuffer, "%s at %#x is outside the rank's memory", what, ptr)
	}
	i := bytes.IndexByte(b, 0)
	if i < 0 {
		if int(n) > limit {
			return string(b[:limit]), nil
		}
		return "", comm.Errorf(comm.ErrArg, "%s at %#x is not NUL-terminated", what, ptr)
	}
	return string(b[:i]), nil
}

// dup duplicates cs: same group(s), new context, the parent's error handler.
func (c *call) dup(cs *commState, localErr error) (uint32, error) {
	if ic := c.r.interOf(cs); ic != nil {
		ctx, err := c.r.allocContext(interAgree(c.ctx, ic.local, 0, cs.c.Collective(), 0, internalTag(tagInterAgree, 0)), localErr)
		if err != nil {
			return 0, err
		}
		return c.newInter(cs, ctx, ic.local.Group(), ic.remote)
	}
	ctx, err := c.r.allocContext(intraAgree(c.ctx, cs.c), localErr)
	if err != nil {
		return 0, err
	}
	h, err := c.newIntra(cs, ctx, cs.c.Group().WorldRanks())
	if err == nil {
		// A duplicate keeps the topology (MPI-4.1 section 8.4).
		c.r.setTopology(h, cs.topo)
	}
	return h, err
}

// split is MPI_Comm_split: the processes with the same colour form a new
// communicator, ranked by key with ties broken by their rank in the
// parent. MPI_UNDEFINED gives MPI_COMM_NULL (returned as 0, nil).
func (c *call) split(cs *commState, color, key int32, localErr error) (uint32, error) {
	parent := cs.c
	if localErr == nil && color < 0 && color != abi.Undefined {
		localErr = comm.Errorf(comm.ErrArg, "invalid color %d (it must be non-negative or MPI_UNDEFINED)", color)
	}
	n := parent.Size()
	all := make([]byte, 24*n)
	mine := encodeInts([]int64{int64(color), int64(key), int64(comm.ClassOf(localErr))})
	if err := collective.Allgather(c.ctx, parent, mine, all, len(mine)); err != nil {
		return 0, err
	}
	v := decodeInts(all)
	for i := 0; i < n; i++ {
		if cl := comm.ErrorClass(v[3*i+2]); cl != comm.Success {
			if localErr != nil {
				return 0, localErr
			}
			return 0, comm.Errorf(cl, "rank %d of the communicator passed invalid arguments", i)
		}
	}
	ctx, err := c.r.allocContext(intraAgree(c.ctx, parent), nil)
	if err != nil {
		return 0, err
	}
	if color == abi.Undefined {
		return 0, nil
	}
	var members []int
	for i := 0; i < n; i++ {
		if int32(v[3*i]) == color {
			members = append(members, i)
		}
	}
	sort.SliceStable(members, func(a, b int) bool { return v[3*members[a]+1] < v[3*members[b]+1] })
	ranks := make([]int, len(members))
	for i, m := range members {
		ranks[i] = parent.WorldRank(m)
	}
	return c.newIntra(cs, ctx, ranks)
}

// subsetOf checks that every member of g is in the group of parent.
func subsetOf(g, parent *comm.Group) error {
	for i := 0; i < g.Size(); i++ {
		if !parent.Contains(g.WorldRank(i)) {
			return comm.Errorf(comm.ErrGroup, "rank %d of the group (world rank %d) is not in the communicator", i, g.WorldRank(i))
		}
	}
	return nil
}

// Names of functions that handle intercommunicators themselves; c.comm
// passes intercommunicators to them (and to the point-to-point functions)
// and rejects them everywhere else.
var interAware = map[string]bool{
	"MPI_Comm_rank": true, "MPI_Comm_size": true,
	"MPI_Comm_set_errhandler": true, "MPI_Comm_get_errhandler": true,
	"MPI_Comm_dup": true, "MPI_Comm_dup_with_info": true, "MPI_Comm_idup": true, "MPI_Comm_idup_with_info": true,
	"MPI_Comm_free": true, "MPI_Comm_compare": true, "MPI_Comm_group": true,
	"MPI_Comm_set_name": true, "MPI_Comm_get_name": true, "MPI_Comm_test_inter": true,
	"MPI_Comm_remote_size": true, "MPI_Comm_remote_group": true, "MPI_Intercomm_merge": true,
}

// The names of the point-to-point and collective functions, built on
// first use (a package-level initializer would form a cycle through
// c.comm).
var (
	funcNamesOnce           sync.Once
	p2pNameSet, collNameSet map[string]bool
)

func funcNames() (p2p, coll map[string]bool) {
	funcNamesOnce.Do(func() {
		p2pNameSet, collNameSet = map[string]bool{}, map[string]bool{}
		for _, f := range p2pFunctions() {
			p2pNameSet[f.name] = true
		}
		for _, f := range collectiveFunctions() {
			collNameSet[f.name] = true
		}
	})
	return p2pNameSet, collNameSet
}

// interView decides what a function gets for an intercommunicator:
// point-to-point functions the commState itself (its comm.Comm addresses
// the remote group), MPI_Comm_size a view whose comm.Comm is the local
// group, the functions of interAware the commState; everything else fails.
func (c *call) interView(cs *commState, ic *interComm) (*commState, error) {
	p2p, coll := funcNames()
	switch {
	case c.name == "MPI_Comm_size":
		v := *cs
		v.c = ic.local
		return &v, nil
	case interAware[c.name] || p2p[c.name] || coll[c.name] || isCollTableName(c.name):
		// the collectives resolve intercommunicators themselves
		// (inter_coll.go)
		return cs, nil
	default:
		return nil, comm.Errorf(comm.ErrComm, "%s does not support intercommunicators yet", c.name)
	}
}

// compareComms is MPI_Comm_compare.
func (r *rankState) compareComms(h1, h2 uint32, a, b *commState) comm.Relation {
	if h1 == h2 {
		return comm.Ident
	}
	ia, ib := r.interOf(a), r.interOf(b)
	if (ia == nil) != (ib == nil) {
		return comm.Unequal
	}
	rel := comm.CompareGroups(r.localGroup(a), r.localGroup(b))
	if ia != nil {
		rel = max(rel, comm.CompareGroups(ia.remote, ib.remote))
	}
	if rel == comm.Ident {
		rel = comm.Congruent
	}
	return rel
}

func relationOut(rel comm.Relation) int32 {
	switch rel {
	case comm.Ident:
		return abi.Ident
	case comm.Congruent:
		return abi.Congruent
	case comm.Similar:
		return abi.Similar
	}
	return abi.Unequal
}

// intercommCreate is MPI_Intercomm_create.
func (c *call) intercommCreate(lcs *commState, localLeader int, peerH uint32, remoteLeader, tag int, out uint32) (uint32, error) {
	local := lcs.c
	if localLeader < 0 || localLeader >= local.Size() {
		return 0, comm.Errorf(comm.ErrRank, "invalid local leader %d (local communicator size %d)", localLeader, local.Size())
	}
	if tag < 0 {
		return 0, comm.Errorf(comm.ErrTag, "invalid tag %d (tags must be non-negative)", tag)
	}
	localErr := c.checkOut(out, "newintercomm")
	leader := local.Rank() == localLeader
	var ch *comm.Comm
	// The leaders exchange their groups over peer_comm; the other
	// processes learn the remote group, or the leader's error, from a
	// broadcast: [error class, remote size, world ranks...].
	hdr := make([]int64, 2)
	var remoteRanks []int64
	if leader {
		pcs, pic, err := c.r.lookupComm(peerH)
		switch {
		case err != nil:
		case pic != nil:
			err = comm.Errorf(comm.ErrComm, "peer_comm must be an intracommunicator")
		case remoteLeader < 0 || remoteLeader >= pcs.c.Size():
			err = comm.Errorf(comm.ErrRank, "invalid remote leader %d (peer communicator size %d)", remoteLeader, pcs.c.Size())
		case remoteLeader == pcs.c.Rank():
			err = comm.Errorf(comm.ErrRank, "the remote leader %d is the local leader itself", remoteLeader)
		}
		if err == nil {
			ch = pcs.c.Collective()
			mine := make([]int64, local.Size())
			for i := range mine {
				mine[i] = int64(local.WorldRank(i))
			}
			remoteRanks, err = exchangeInts(c.ctx, ch, remoteLeader, internalTag(tagInterGroups, tag), mine, c.r.job.world.Size())
		}
		hdr[0], hdr[1] = int64(comm.ClassOf(err)), int64(len(remoteRanks))
		if err != nil {
			localErr = err
		}
	}
	if err := bcastInts(c.ctx, local, hdr, localLeader); err != nil {
		return 0, err
	}
	if hdr[0] != 0 {
		if leader {
			return 0, localErr
		}
		return 0, comm.Errorf(comm.ErrorClass(hdr[0]), "the local leader could not reach the remote group")
	}
	if !leader {
		remoteRanks = make([]int64, hdr[1])
	}
	if err := bcastInts(c.ctx, local, remoteRanks, localLeader); err != nil {
		return 0, err
	}
	rr := make([]int, len(remoteRanks))
	for i, x := range remoteRanks {
		rr[i] = int(x)
	}
	remote, err := comm.NewGroup(rr)
	if err != nil {
		return 0, comm.Errorf(comm.ErrIntern, "remote group: %v", err)
	}
	lg := local.Group()
	if lg.Intersection(remote).Size() != 0 {
		// Both sides see the same overlap and fail alike.
		return 0, comm.Errorf(comm.ErrComm, "the local and remote groups overlap (world rank %d is in both)", lg.Intersection(remote).WorldRank(0))
	}
	ctx, err := c.r.allocContext(interAgree(c.ctx, local, localLeader, ch, remoteLeader, internalTag(tagInterAgree, tag)), localErr)
	if err != nil {
		return 0, err
	}
	return c.newInter(lcs, ctx, lg, remote)
}

// intercommMerge is MPI_Intercomm_merge.
func (c *call) intercommMerge(cs *commState, ic *interComm, high bool, out uint32) (uint32, error) {
	localErr := c.checkOut(out, "newintracomm")
	// The leaders (local rank 0) exchange [high, leader's world rank] and
	// broadcast [local high, remote high, remote leader's world rank].
	local := ic.local
	leaderWorld := local.WorldRank(0)
	info := []int64{boolInt64(high), 0, 0}
	if local.Rank() == 0 {
		other, err := exchangeInts(c.ctx, cs.c.Collective(), 0, internalTag(tagMerge, 0), []int64{boolInt64(high), int64(leaderWorld)}, 2)
		if err != nil {
			return 0, err
		}
		if len(other) != 2 {
			return 0, comm.Errorf(comm.ErrIntern, "merge: the remote leader sent %d values", len(other))
		}
		info[1], info[2] = other[0], other[1]
	}
	if err := bcastInts(c.ctx, local, info, 0); err != nil {
		return 0, err
	}
	// The group that said high=false comes first; on a tie, the group
	// whose leader has the lower world rank.
	localFirst := info[0] < info[1] || info[0] == info[1] && int64(leaderWorld) < info[2]
	lg := local.Group()
	var ranks []int
	if localFirst {
		ranks = append(lg.WorldRanks(), ic.remote.WorldRanks()...)
	} else {
		ranks = append(ic.remote.WorldRanks(), lg.WorldRanks()...)
	}
	ctx, err := c.r.allocContext(interAgree(c.ctx, local, 0, cs.c.Collective(), 0, internalTag(tagInterAgree, 1)), localErr)
	if err != nil {
		return 0, err
	}
	return c.newIntra(cs, ctx, ranks)
}

func commFunctions() []mpiFunc {
	dupFn := func(name string, infoArgIdx, outIdx, reqIdx int) mpiFunc {
		n := 2
		if infoArgIdx >= 0 {
			n++
		}
		if reqIdx >= 0 {
			n++
		}
		return mpiFunc{name: name, params: params(n), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			localErr := c.checkOut(c.u32(outIdx), "newcomm")
			if localErr == nil && infoArgIdx >= 0 {
				localErr = c.checkInfo(c.u32(infoArgIdx))
			}
			if localErr == nil && reqIdx >= 0 {
				localErr = c.checkOut(c.u32(reqIdx), "request")
			}
			if reqIdx >= 0 && c.r.interOf(cs) == nil {
				return c.idup(cs, localErr, infoArgIdx, outIdx, reqIdx)
			}
			h, err := c.dup(cs, localErr)
			if err != nil {
				return err
			}
			if err := c.putComm(c.u32(outIdx), h); err != nil {
				return err
			}
			if reqIdx >= 0 {
				// An intercommunicator's duplicate is made at once (its
				// agreement spans both groups): the request is already
				// done; the attributes are copied here as the Wait of an
				// intracommunicator's would (idup).
				if err := c.finishDup(cs, h, c.dupHints(cs, infoArgIdx)); err != nil {
					_ = c.putComm(c.u32(outIdx), abi.CommNull)
					return err
				}
				req := c.r.ep.NewGenericRequest()
				req.Complete(nil)
				return c.putI32(c.u32(reqIdx), int32(c.r.addCommRequest(req, cs)), "request")
			}
			return nil
		}}
	}
	return []mpiFunc{
		dupFn("MPI_Comm_dup", -1, 1, -1),
		dupFn("MPI_Comm_dup_with_info", 1, 2, -1),
		dupFn("MPI_Comm_idup", -1, 1, 2),
		dupFn("MPI_Comm_idup_with_info", 1, 2, 3),
		{name: "MPI_Comm_split", params: params(4), fn: func(c *call) error {
			// (comm, color, key, newcomm*)
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			h, err := c.split(cs, int32(c.int(1)), int32(c.int(2)), c.checkOut(c.u32(3), "newcomm"))
			if err != nil {
				return err
			}
			return c.putComm(c.u32(3), orNull(h))
		}},
		{name: "MPI_Comm_split_type", params: params(5), fn: func(c *call) error {
			// (comm, split_type, key, info, newcomm*)
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			localErr := c.checkOut(c.u32(4), "newcomm")
			if localErr == nil {
				localErr = c.checkInfo(c.u32(3))
			}
			color := abi.Undefined
			switch t := int32(c.int(1)); t {
			case abi.CommTypeShared:
				// Every rank of the job runs in this process and shares
				// its memory: one colour for the host.
				color = 0
			case abi.Undefined:
			case abi.CommTypeHWGuided, abi.CommTypeResourceGuided:
				// The resource to split by comes in the info argument
				// (mpi_hw_resource_type, mpi_pset_name); without one the
				// standard gives MPI_COMM_NULL.
			case abi.CommTypeHWUnguided:
				// No hardware level finer than the host is known: there
				// is no strict subset to split into, so MPI_COMM_NULL.
			default:
				if localErr == nil {
					localErr = comm.Errorf(comm.ErrArg, "invalid split_type %d", t)
				}
			}
			h, err := c.split(cs, color, int32(c.int(2)), localErr)
			if err != nil {
				return err
			}
			return c.putComm(c.u32(4), orNull(h))
		}},
		{name: "MPI_Comm_create", params: params(3), fn: func(c *call) error {
			// (comm, group, newcomm*)
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			localErr := c.checkOut(c.u32(2), "newcomm")
			g, gerr := c.group(c.u32(1))
			if localErr == nil {
				localErr = gerr
			}
			if localErr == nil {
				localErr = subsetOf(g, cs.c.Group())
			}
			ctx, err := c.r.allocContext(intraAgree(c.ctx, cs.c), localErr)
			if err != nil {
				return err
			}
			if !g.Contains(c.r.rank) {
				return c.putComm(c.u32(2), abi.CommNull)
			}
			h, err := c.newIntra(cs, ctx, g.WorldRanks())
			if err != nil {
				return err
			}
			return c.putComm(c.u32(2), h)
		}},
		{name: "MPI_Comm_create_group", params: params(4), fn: func(c *call) error {
			// (comm, group, tag, newcomm*): collective over group only.
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			g, err := c.group(c.u32(1))
			if err != nil {
				return err
			}
			tag := c.int(2)
			if tag < 0 {
				return comm.Errorf(comm.ErrTag, "invalid tag %d (tags must be non-negative)", tag)
			}
			if err := c.checkOut(c.u32(3), "newcomm"); err != nil {
				return err
			}
			pg := cs.c.Group()
			if err := subsetOf(g, pg); err != nil {
				return err
			}
			me := g.Rank(c.r.rank)
			if me == comm.Undefined {
				return c.putComm(c.u32(3), abi.CommNull)
			}
			members := make([]int, g.Size())
			for i := range members {
				members[i] = pg.Rank(g.WorldRank(i))
			}
			ctx, err := c.r.allocContext(groupAgree(c.ctx, cs.c.Collective(), members, me, tag), nil)
			if err != nil {
				return err
			}
			h, err := c.newIntra(cs, ctx, g.WorldRanks())
			if err != nil {
				return err
			}
			return c.putComm(c.u32(3), h)
		}},
		{name: "MPI_Comm_free", params: params(1), fn: func(c *call) error {
			p := c.u32(0)
			h, err := c.getI32(p, "comm")
			if err != nil {
				return err
			}
			cs, err := c.comm(uint32(h))
			if err != nil {
				return err
			}
			switch uint32(h) {
			case abi.CommWorld:
				return comm.Errorf(comm.ErrComm, "MPI_COMM_WORLD cannot be freed")
			case abi.CommSelf:
				return comm.Errorf(comm.ErrComm, "MPI_COMM_SELF cannot be freed")
			}
			c.r.mu.Lock()
			if _, inter := c.r.inter[uint32(h)]; !inter {
				// Release the shared-memory collectives' slot
				// once every rank has freed the communicator.
				c.r.job.coll.Forget(cs.c)
			}
			delete(c.r.comms, uint32(h))
			delete(c.r.inter, uint32(h))
			c.r.mu.Unlock()
			return c.putComm(p, abi.CommNull)
		}},
		{name: "MPI_Comm_compare", params: params(3), fn: func(c *call) error {
			a, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			b, err := c.comm(c.u32(1))
			if err != nil {
				return err
			}
			rel := c.r.compareComms(c.u32(0), c.u32(1), a, b)
			return c.putI32(c.u32(2), relationOut(rel), "result")
		}},
		{name: "MPI_Comm_group", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			if err := c.checkOut(c.u32(1), "group"); err != nil {
				return err
			}
			return c.putGroup(c.u32(1), c.r.localGroup(cs))
		}},
		{name: "MPI_Comm_remote_group", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			ic := c.r.interOf(cs)
			if ic == nil {
				return comm.Errorf(comm.ErrComm, "not an intercommunicator")
			}
			if err := c.checkOut(c.u32(1), "group"); err != nil {
				return err
			}
			return c.putGroup(c.u32(1), ic.remote)
		}},
		{name: "MPI_Comm_remote_size", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			ic := c.r.interOf(cs)
			if ic == nil {
				return comm.Errorf(comm.ErrComm, "not an intercommunicator")
			}
			return c.putI32(c.u32(1), int32(ic.remote.Size()), "size")
		}},
		{name: "MPI_Comm_test_inter", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), boolInt(c.r.interOf(cs) != nil), "flag")
		}},
		{name: "MPI_Comm_set_name", params: params(2), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			// Longer names are truncated to MPI_MAX_OBJECT_NAME-1 bytes.
			name, err := c.cstring(c.u32(1), abi.MaxObjectName-1, "comm_name")
			if err != nil {
				return err
			}
			c.r.mu.Lock()
			cs.name = name
			c.r.mu.Unlock()
			return nil
		}},
		{name: "MPI_Comm_get_name", params: params(3), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			if err := c.checkOut(c.u32(2), "resultlen"); err != nil {
				return err
			}
			c.r.mu.Lock()
			name := cs.name
			c.r.mu.Unlock()
			return c.putString(c.u32(1), abi.MaxObjectName, c.u32(2), name, "comm_name")
		}},
		{name: "MPI_Comm_get_parent", params: params(1), fn: func(c *call) error {
			// No process is ever spawned.
			return c.putComm(c.u32(0), abi.CommNull)
		}},
		{name: "MPI_Intercomm_create", params: params(6), fn: func(c *call) error {
			// (local_comm, local_leader, peer_comm, remote_leader, tag, newintercomm*)
			lcs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			h, err := c.intercommCreate(lcs, c.int(1), c.u32(2), c.int(3), c.int(4), c.u32(5))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(5), int32(h), "newintercomm")
		}},
		{name: "MPI_Intercomm_merge", params: params(3), fn: func(c *call) error {
			// (intercomm, high, newintracomm*)
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			ic := c.r.interOf(cs)
			if ic == nil {
				return comm.Errorf(comm.ErrComm, "not an intercommunicator")
			}
			h, err := c.intercommMerge(cs, ic, c.int(1) != 0, c.u32(2))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(2), int32(h), "newintracomm")
		}},
	}
}

// orNull maps the "no communicator" result 0 to MPI_COMM_NULL.
func orNull(h uint32) uint32 {
	if h == 0 {
		return abi.CommNull
	}
	return h
}

// idup is MPI_Comm_idup(_with_info) on an intracommunicator. The agreement
// on the new context id runs on a goroutine of its own, over a copy of the
// parent pinned to its next collective sequence number (so that it stays
// apart from the collectives the rank starts meanwhile), always with the
// confirming round of allocContextConfirmed, since the rank may create
// other communicators while it runs. The Wait or Test that completes the
// request makes the communicator, copies the parent's attributes (their
// callbacks run there, on the rank's goroutine) and hints, and writes the
// handle to newcomm, which the program may not use before.
func (c *call) idup(cs *commState, localErr error, infoArg, outArg, reqArg int) error {
	hints := c.dupHints(cs, infoArg) // the info may be freed before the Wait
	pc := cs.c.PinCollSeq()
	req := c.r.ep.NewGenericRequest()
	r, ctx := c.r, c.ctx
	var agreed uint32
	r.mu.Lock()
	r.idups++
	r.mu.Unlock()
	go func() {
		id, err := r.allocContextConfirmed(intraAgree(ctx, pc), localErr, true)
		r.mu.Lock()
		r.idups--
		r.mu.Unlock()
		agreed = id
		req.Complete(err)
	}()
	if localErr != nil {
		// The agreement carries the error to the other processes; this
		// one reports it at once.
		return localErr
	}
	h := c.r.addCommRequest(req, cs)
	outPtr := c.u32(outArg)
	ranks := cs.c.Group().WorldRanks()
	c.r.setRelease(h, func(wc *call) error {
		if req.Status().Err != nil {
			return nil // the request's error
		}
		nh, err := wc.newIntra(cs, agreed, ranks)
		if err != nil {
			return err
		}
		if err := wc.finishDup(cs, nh, hints); err != nil {
			_ = wc.putComm(outPtr, abi.CommNull)
			return err
		}
		return wc.putComm(outPtr, nh)
	})
	return c.putI32(c.u32(reqArg), int32(h), "request")
}

// dupHints are the info hints a duplicate of cs gets: those of the info
// argument (infoArg >= 0) or the parent's.
func (c *call) dupHints(cs *commState, infoArg int) *infoObj {
	if infoArg >= 0 {
		if o, err := c.infoRead(c.u32(infoArg)); err == nil && o != nil {
			return o.dup()
		}
		return nil
	}
	x := &c.r.ext
	x.mu.Lock()
	defer x.mu.Unlock()
	if o := x.commHints[cs.handle]; o != nil {
		return o.dup()
	}
	return nil
}

// finishDup copies the attributes of old to its duplicate nh and sets the
// duplicate's hints (the work the attribute hooks do for MPI_Comm_dup; the
// hooks leave the nonblocking duplicates to this). On failure the
// duplicate is freed.
func (c *call) finishDup(old *commState, nh uint32, hints *infoObj) error {
	if err := c.copyAll(attrComm, old.handle, nh); err != nil {
		_ = c.deleteAll(attrComm, nh)
		c.r.mu.Lock()
		delete(c.r.comms, nh)
		delete(c.r.inter, nh)
		c.r.mu.Unlock()
		return err
	}
	c.setCommHints(nh, hints)
	return nil
}
