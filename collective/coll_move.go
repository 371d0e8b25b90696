package collective

import (
	"context"

	"github.com/wasmpi/wasmpi/comm"
)

// Data-movement collectives. Within one process every message is copied
// once, from the sender's memory to the receiver's, when the receive is
// already posted; the algorithms therefore favour posting receives early
// and keeping the number of hops a byte makes small.

// Barrier blocks until every rank of c has entered it.
//
// Algorithm: dissemination. In round k = 0, 1, ... (while 2^k < size) each
// rank sends an empty message to rank+2^k and receives one from rank-2^k
// (mod size); ceil(log2 size) rounds. Tag phase = round. Under a context
// from WithShared, on a communicator whose ranks share the process: a
// counting barrier on atomics (shm.go).
func Barrier(ctx context.Context, c *comm.Comm) error {
	if s, err := sharedSlot(ctx, c, kindBarrier); err != nil || s != nil {
		if err != nil {
			return err
		}
		return s.barrier(ctx, c)
	}
	x, err := begin(ctx, c, kindBarrier)
	if err != nil {
		return err
	}
	for k, dist := 0, 1; dist < x.size; k, dist = k+1, dist<<1 {
		if err := x.irecv(nil, (x.me-dist+x.size)%x.size, k); err != nil {
			return err
		}
		if err := x.isend(nil, (x.me+dist)%x.size, k); err != nil {
			return err
		}
		if err := x.wait(); err != nil {
			return err
		}
	}
	return x.finish()
}

// Bcast copies buf of root to buf of every other rank. All ranks must pass
// buffers of the same length.
//
// Algorithm: binomial tree rooted at root over ranks relative to the root
// (ceil(log2 size) hops; a parent sends to its children largest subtree
// first). Under a context from WithShared, on a communicator whose ranks
// share the process: the ranks copy straight from the root (shm.go).
func Bcast(ctx context.Context, c *comm.Comm, buf []byte, root int) error {
	if s, err := sharedSlot(ctx, c, kindBcast); err != nil || s != nil {
		if err != nil {
			return err
		}
		return s.bcast(ctx, c, buf, root)
	}
	x, err := begin(ctx, c, kindBcast)
	if err != nil {
		return err
	}
	if err := x.checkRoot(root); err != nil {
		return err
	}
	if err := x.bcastTree(buf, root, 0); err != nil {
		return err
	}
	return x.finish()
}

// bcastTree broadcasts buf from root over a binomial tree, in one phase.
func (x *xfer) bcastTree(buf []byte, root, phase int) error {
	size := x.size
	if size == 1 {
		return nil
	}
	vr := (x.me - root + size) % size
	mask := 1
	for ; mask < size; mask <<= 1 {
		if vr&mask != 0 {
			if err := x.irecv(buf, (vr-mask+root)%size, phase); err != nil {
				return err
			}
			if err := x.wait(); err != nil {
				return err
			}
			break
		}
	}
	for mask >>= 1; mask > 0; mask >>= 1 {
		if vr+mask < size {
			if err := x.isend(buf, (vr+mask+root)%size, phase); err != nil {
				return err
			}
		}
	}
	return x.wait()
}

// Gather collects blockLen bytes from every rank into recvbuf of root, in
// rank order. blockLen is significant at the root only; every other rank
// sends all of sendbuf, which must be blockLen bytes long. recvbuf (at least
// size*blockLen bytes) is used at the root only. In place at the root:
// sendbuf nil, the root's block already in recvbuf.
//
// Algorithm: linear. The root posts all receives at once, straight into
// recvbuf, and waits for them together; the others send to the root.
func Gather(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, blockLen int, root int) error {
	x, err := begin(ctx, c, kindGather)
	if err != nil {
		return err
	}
	if err := x.checkRoot(root); err != nil {
		return err
	}
	if x.me != root {
		return x.sendToRoot(sendbuf, root)
	}
	x.checkFixed("receive buffer", recvbuf, blockLen)
	for i := 0; i < x.size; i++ {
		blk := x.block(recvbuf, i*blockLen, blockLen)
		if i == root {
			if sendbuf != nil {
				x.copyOwn(blk, sendbuf)
			}
			continue
		}
		if err := x.irecv(blk, i, 0); err != nil {
			return err
		}
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// sendToRoot is the non-root side of the gathers.
func (x *xfer) sendToRoot(buf []byte, root int) error {
	if err := x.isend(buf, root, 0); err != nil {
		return err
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// recvFromRoot is the non-root side of the scatters.
func (x *xfer) recvFromRoot(buf []byte, root int) error {
	if err := x.irecv(buf, root, 0); err != nil {
		return err
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// Gatherv collects sendbuf of every rank into recvbuf of root: rank i's
// bytes go to recvbuf[displs[i]:displs[i]+counts[i]]. counts and displs are
// in bytes and used at the root only; the others send all of sendbuf. In
// place at the root: sendbuf nil.
//
// Algorithm: linear, as Gather.
func Gatherv(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, counts, displs []int, root int) error {
	x, err := begin(ctx, c, kindGatherv)
	if err != nil {
		return err
	}
	if err := x.checkRoot(root); err != nil {
		return err
	}
	if x.me != root {
		return x.sendToRoot(sendbuf, root)
	}
	valid := x.checkVector("receive buffer", counts, displs, len(recvbuf))
	for i := 0; i < x.size; i++ {
		var blk []byte
		if valid {
			blk = x.block(recvbuf, displs[i], counts[i])
		}
		if i == root {
			if sendbuf != nil {
				x.copyOwn(blk, sendbuf)
			}
			continue
		}
		if err := x.irecv(blk, i, 0); err != nil {
			return err
		}
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// Scatter sends block i (blockLen bytes) of sendbuf at root to rank i, into
// its recvbuf. blockLen and sendbuf (at least size*blockLen bytes) are
// significant at the root only; every other rank receives exactly
// len(recvbuf) bytes. In place at the root: recvbuf nil (the root's block
// stays in sendbuf).
//
// Algorithm: linear. The root starts all sends at once and waits for them
// together.
func Scatter(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, blockLen int, root int) error {
	x, err := begin(ctx, c, kindScatter)
	if err != nil {
		return err
	}
	if err := x.checkRoot(root); err != nil {
		return err
	}
	if x.me != root {
		return x.recvFromRoot(recvbuf, root)
	}
	x.checkFixed("send buffer", sendbuf, blockLen)
	for k := 1; k < x.size; k++ {
		i := (root + k) % x.size
		if err := x.isend(x.block(sendbuf, i*blockLen, blockLen), i, 0); err != nil {
			return err
		}
	}
	if recvbuf != nil {
		x.copyOwn(recvbuf, x.block(sendbuf, root*blockLen, blockLen))
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// Scatterv sends sendbuf[displs[i]:displs[i]+counts[i]] at root to rank i,
// into its recvbuf. sendbuf, counts and displs (in bytes) are significant
// at the root only. In place at the root: recvbuf nil.
//
// Algorithm: linear, as Scatter.
func Scatterv(ctx context.Context, c *comm.Comm, sendbuf []byte, counts, displs []int, recvbuf []byte, root int) error {
	x, err := begin(ctx, c, kindScatterv)
	if err != nil {
		return err
	}
	if err := x.checkRoot(root); err != nil {
		return err
	}
	if x.me != root {
		return x.recvFromRoot(recvbuf, root)
	}
	valid := x.checkVector("send buffer", counts, displs, len(sendbuf))
	blk := func(i int) []byte {
		if !valid {
			return nil
		}
		return x.block(sendbuf, displs[i], counts[i])
	}
	for k := 1; k < x.size; k++ {
		i := (root + k) % x.size
		if err := x.isend(blk(i), i, 0); err != nil {
			return err
		}
	}
	if recvbuf != nil {
		x.copyOwn(recvbuf, blk(root))
	}
	if err := x.wait(); err != nil {
		return err
	}
	return x.finish()
}

// Allgather collects blockLen bytes from every rank into recvbuf of every
// rank, in rank order. sendbuf must be blockLen bytes long; recvbuf at least
// size*blockLen. In place: sendbuf nil, the rank's own block already in
// recvbuf.
//
// Algorithm: ring. In step s = 0..size-2 each rank receives block
// (rank-s-1) from its left neighbour while passing block (rank-s) to its
// right neighbour, both straight from and into recvbuf. Under a context
// from WithShared, on a communicator whose ranks share the process: every
// rank copies the blocks straight from the others (shm.go).
func Allgather(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, blockLen int) error {
	if s, err := sharedSlot(ctx, c, kindAllgather); err != nil || s != nil {
		if err != nil {
			return err
		}
		return s.allgather(ctx, c, sendbuf, recvbuf, blockLen)
	}
	x, err := begin(ctx, c, kindAllgather)
	if err != nil {
		return err
	}
	x.checkFixed("receive buffer", recvbuf, blockLen)
	blk := func(i int) []byte { return x.block(recvbuf, i*blockLen, blockLen) }
	if sendbuf != nil {
		x.copyOwn(blk(x.me), sendbuf)
	}
	if err := x.ring(blk); err != nil {
		return err
	}
	return x.finish()
}

// Allgatherv collects sendbuf of every rank into recvbuf of every rank:
// rank i's bytes go to recvbuf[displs[i]:displs[i]+counts[i]] (bytes). In
// place: sendbuf nil, the rank's own block already in recvbuf.
//
// Algorithm: ring, as Allgather.
func Allgatherv(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, counts, displs []int) error {
	x, err := begin(ctx, c, kindAllgatherv)
	if err != nil {
		return err
	}
	valid := x.checkVector("receive buffer", counts, displs, len(recvbuf))
	blk := func(i int) []byte {
		if !valid {
			return nil
		}
		return x.block(recvbuf, displs[i], counts[i])
	}
	if sendbuf != nil {
		x.copyOwn(blk(x.me), sendbuf)
	}
	if err := x.ring(blk); err != nil {
		return err
	}
	return x.finish()
}

// ring runs the steps of the ring allgather on the blocks blk(i).
func (x *xfer) ring(blk func(i int) []byte) error {
	size := x.size
	left, right := (x.me-1+size)%size, (x.me+1)%size
	for s := 0; s < size-1; s++ {
		if err := x.irecv(blk((x.me-s-1+2*size)%size), left, 0); err != nil {
			return err
		}
		if err := x.isend(blk((x.me-s+size)%size), right, 0); err != nil {
			return err
		}
		if err := x.wait(); err != nil {
			return err
		}
	}
	return nil
}

// Alltoall sends block j (blockLen bytes) of sendbuf to rank j, which
// stores it as block i of its recvbuf (i the sender). sendbuf and recvbuf
// hold at least size*blockLen bytes. In place: sendbuf nil, the data to send
// taken from recvbuf (it is copied aside first).
//
// Algorithm: direct exchange. Each rank posts all its receives, then starts
// all its sends (to rank+1, rank+2, ... so that not every rank hits the same
// peer first), copies its own block and waits for everything.
func Alltoall(ctx context.Context, c *comm.Comm, sendbuf, recvbuf []byte, blockLen int) error {
	x, err := begin(ctx, c, kindAlltoall)
	if err != nil {
		return err
	}
	x.checkFixed("receive buffer", recvbuf, blockLen)
	recv := func(i int) []byte { return x.block(recvbuf, i*blockLen, blockLen) }
	var send func(i int) []byte
	if sendbuf != nil {
		x.checkFixed("send buffer", sendbuf, blockLen)
		send = func(i int) []byte { return x.block(sendbuf, i*blockLen, blockLen) }
	} else {
		send = x.stash(recv)
	}
	if err := x.exchange(recv, send, sendbuf == nil); err != nil {
		return err
	}
	return x.finish()
}

// exchange runs the direct all-to-all exchange: recv(i) receives from rank
// i, send(j) goes to rank j. send(me) is copied to recv(me) unless the call
// is in place.
func (x *xfer) exchange(recv, send func(i int) []byte, inPlace bool) error {
	size := x.size
	for k := 1; k < size; k++ {
		i := (x.me - k + size) % size
		if err := x.irecv(recv(i), i, 0); err != nil {
			return err
		}
	}
	for k := 1; k < size; k++ {
		j := (x.me + k) % size
		if err := x.isend(send(j), j, 0); err != nil {
			return err
		}
	}
	if !inPlace {
		x.copyOwn(recv(x.me), send(x.me))
	}
	return x.wait()
}

// Alltoallv sends sendbuf[sdispls[j]:sdispls[j]+scounts[j]] to rank j, which
// stores it at recvbuf[rdispls[i]:rdispls[i]+rcounts[i]] (i the sender). All
// counts and displacements are in bytes. In place: sendbuf nil (scounts and
// sdispls are then ignored); the data to send is taken from recvbuf with
// rcounts and rdispls, copied aside first.
//
// Algorithm: direct exchange, as Alltoall.
func Alltoallv(ctx context.Context, c *comm.Comm, sendbuf []byte, scounts, sdispls []int, recvbuf []byte, rcounts, rdispls []int) error {
	x, err := begin(ctx, c, kindAlltoallv)
	if err != nil {
		return err
	}
	rvalid := x.checkVector("receive buffer", rcounts, rdispls, len(recvbuf))
	recv := func(i int) []byte {
		if !rvalid {
			return nil
		}
		return x.block(recvbuf, rdispls[i], rcounts[i])
	}
	var send func(i int) []byte
	if sendbuf != nil {
		svalid := x.checkVector("send buffer", scounts, sdispls, len(sendbuf))
		send = func(i int) []byte {
			if !svalid {
				return nil
			}
			return x.block(sendbuf, sdispls[i], scounts[i])
		}
	} else {
		send = x.stash(recv)
	}
	if err := x.exchange(recv, send, sendbuf == nil); err != nil {
		return err
	}
	return x.finish()
}

// stash copies the blocks blk(i), i != me, into one scratch buffer and
// returns a function giving the copies (nil for me, whose block an
// in-place exchange leaves alone). In-place all-to-all uses it to save the
// data to send before the receives overwrite it.
func (x *xfer) stash(blk func(i int) []byte) func(i int) []byte {
	if !x.ok() {
		return func(int) []byte { return nil }
	}
	offs := make([]int, x.size+1)
	for i := 0; i < x.size; i++ {
		n := 0
		if i != x.me {
			n = len(blk(i))
		}
		offs[i+1] = offs[i] + n
	}
	saved := x.scratch(offs[x.size])
	for i := 0; i < x.size; i++ {
		if i != x.me {
			copy(saved[offs[i]:offs[i+1]], blk(i))
		}
	}
	return func(i int) []byte {
		if i == x.me || !x.ok() {
			return nil
		}
		return saved[offs[i]:offs[i+1]:offs[i+1]]
	}
}

// Alltoallw sends send[j] to rank j, which receives it into its recv[i]
// (i the sender): the rank layer has already cut the per-peer blocks out of
// the guest buffers. In place: send nil; the data to send is taken from
// recv, copied aside first.
//
// Algorithm: direct exchange, as Alltoall.
func Alltoallw(ctx context.Context, c *comm.Comm, send [][]byte, recv [][]byte) error {
	x, err := begin(ctx, c, kindAlltoallw)
	if err != nil {
		return err
	}
	if len(recv) < x.size {
		x.failf(comm.ErrArg, "%d receive blocks for %d ranks", len(recv), x.size)
	}
	if send != nil && len(send) < x.size {
		x.failf(comm.ErrArg, "%d send blocks for %d ranks", len(send), x.size)
	}
	rblk := func(i int) []byte {
		if !x.ok() {
			return nil
		}
		return recv[i]
	}
	var sblk func(i int) []byte
	if send != nil {
		sblk = func(i int) []byte {
			if !x.ok() {
				return nil
			}
			return send[i]
		}
	} else {
		sblk = x.stash(rblk)
	}
	if err := x.exchange(rblk, sblk, send == nil); err != nil {
		return err
	}
	return x.finish()
}
