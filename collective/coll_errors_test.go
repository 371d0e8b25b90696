package collective

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// healthy runs a barrier and an allreduce and checks the result: after a
// failed collective the communicator must still work (no stray messages).
func healthy(ctx context.Context, c *comm.Comm) error {
	if err := Barrier(ctx, c); err != nil {
		return fmt.Errorf("barrier after the failure: %w", err)
	}
	recv := make([]byte, 4)
	if err := Allreduce(ctx, c, i32s(int32(c.Rank()+1)), recv, comm.TypeInt32, OpSum); err != nil {
		return fmt.Errorf("allreduce after the failure: %w", err)
	}
	n := int32(c.Size())
	if got := toI32(recv)[0]; got != n*(n+1)/2 {
		return fail(c, "allreduce after the failure: %d", got)
	}
	return nil
}

// expect returns an error unless err has class want.
func expect(c *comm.Comm, what string, err error, want comm.ErrorClass) error {
	if got := comm.ClassOf(err); got != want {
		return fail(c, "%s: got %v (%v), want %v", what, got, err, want)
	}
	return nil
}

func TestBadRoot(t *testing.T) {
	for _, n := range testSizes {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			buf := make([]byte, 8*n+16)
			cs, ds := make([]int, n), make([]int, n)
			for _, root := range []int{-1, n, comm.ProcNull} {
				calls := map[string]error{
					"bcast":      Bcast(ctx, c, buf[:8], root),
					"reduce":     Reduce(ctx, c, buf[:8], buf[8:16], comm.TypeInt32, OpSum, root),
					"gather":     Gather(ctx, c, buf[:8], buf, 8, root),
					"gatherv":    Gatherv(ctx, c, buf[:0], buf, cs, ds, root),
					"scatter":    Scatter(ctx, c, buf, buf[:8], 8, root),
					"scatterv":   Scatterv(ctx, c, buf, cs, ds, nil, root),
					"bad op too": Reduce(ctx, c, buf[:8], buf[8:16], comm.TypeByte, OpSum, root),
				}
				for what, err := range calls {
					if err := expect(c, fmt.Sprintf("%s root %d", what, root), err, comm.ErrRoot); err != nil {
						return err
					}
				}
			}
			return healthy(ctx, c)
		})
	}
}

func TestOpNotAllowed(t *testing.T) {
	for _, n := range testSizes {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			in, out := make([]byte, 8*n), make([]byte, 8*n)
			counts := make([]int, n)
			for _, tc := range []struct {
				t     comm.Datatype
				op    Op
				class comm.ErrorClass
			}{
				{comm.TypeByte, OpSum, comm.ErrOp},
				{comm.TypeInt, OpMinloc, comm.ErrOp},
				{comm.TypeInt, OpReplace, comm.ErrOp},
				{comm.TypeInt, OpNoOp, comm.ErrOp},
				{comm.TypeDouble, OpBand, comm.ErrOp},
				{comm.TypeInt, OpNull, comm.ErrOp},
				{comm.TypeInt, Op(99), comm.ErrOp},
				{comm.TypeNull, OpSum, comm.ErrType},
			} {
				calls := map[string]error{
					"reduce":               Reduce(ctx, c, in[:8], out[:8], tc.t, tc.op, n-1),
					"allreduce":            Allreduce(ctx, c, in[:8], out[:8], tc.t, tc.op),
					"scan":                 Scan(ctx, c, in[:8], out[:8], tc.t, tc.op),
					"exscan":               Exscan(ctx, c, nil, out[:8], tc.t, tc.op),
					"reduce_scatter":       ReduceScatter(ctx, c, in, out, counts, tc.t, tc.op),
					"reduce_scatter_block": ReduceScatterBlock(ctx, c, in, out[:8], 1, tc.t, tc.op),
				}
				for what, err := range calls {
					if err := expect(c, fmt.Sprintf("%s %v on %v", what, tc.op, tc.t), err, tc.class); err != nil {
						return err
					}
				}
			}
			return healthy(ctx, c)
		})
	}
}

// TestMismatchedLengths checks that ranks passing different lengths fail
// (ErrTruncate where a message is longer than its slot, ErrOther where it is
// shorter) instead of hanging, and that the communicator keeps working.
func TestMismatchedLengths(t *testing.T) {
	for _, n := range testSizes[1:] {
		last := n - 1
		// Bcast: the last rank (a leaf of the tree rooted at 0) passes a
		// buffer too short, then too long.
		for _, size := range []int{8, 32} {
			errs := runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
				buf := make([]byte, 16)
				if c.Rank() == last {
					buf = make([]byte, size)
				}
				err := Bcast(ctx, c, buf, 0)
				if h := healthy(ctx, c); h != nil {
					return h
				}
				return err
			})
			want := comm.ErrTruncate
			if size > 16 {
				want = comm.ErrOther
			}
			wantClass(t, errs, want, func(r int) bool { return r == last })
			wantClass(t, errs, comm.Success, func(r int) bool { return r != last })
		}
		// Allreduce: one rank's count differs; the error spreads to all.
		for _, size := range []int{4, 16} {
			errs := runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
				in := make([]byte, 8)
				if c.Rank() == last {
					in = make([]byte, size)
				}
				err := Allreduce(ctx, c, in, make([]byte, len(in)), comm.TypeInt32, OpSum)
				if h := healthy(ctx, c); h != nil {
					return h
				}
				return err
			})
			for r, err := range errs {
				if cl := comm.ClassOf(err); cl != comm.ErrOther && cl != comm.ErrTruncate {
					t.Errorf("n=%d allreduce with rank %d's input of %d bytes: rank %d got %v", n, last, size, r, err)
				}
			}
		}
		// Gather: a non-root sends too much.
		errs := runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
			send := make([]byte, 4)
			if c.Rank() == last {
				send = make([]byte, 6)
			}
			err := Gather(ctx, c, send, make([]byte, 4*n), 4, 0)
			if h := healthy(ctx, c); h != nil {
				return h
			}
			return err
		})
		wantClass(t, errs, comm.ErrTruncate, func(r int) bool { return r == 0 })
		wantClass(t, errs, comm.Success, func(r int) bool { return r != 0 })
	}
}

// TestRootArgumentErrors checks errors only the root can see: the root
// fails, drains or feeds the others so that nobody hangs, and the
// communicator keeps working.
func TestRootArgumentErrors(t *testing.T) {
	const big = 70 << 10 // rendezvous-sized: a send blocks until received
	for _, n := range testSizes {
		root := n / 2
		isRoot := func(r int) bool { return r == root }
		notRoot := func(r int) bool { return r != root }
		counts, displs := make([]int, n), make([]int, n)
		for i := range counts {
			counts[i], displs[i] = big, i*big
		}
		run := func(call func(ctx context.Context, c *comm.Comm) error) []error {
			return runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
				err := call(ctx, c)
				if h := healthy(ctx, c); h != nil {
					return h
				}
				return err
			})
		}

		// Gatherv: a displacement past the end of the receive buffer.
		errs := run(func(ctx context.Context, c *comm.Comm) error {
			var recv []byte
			if c.Rank() == root {
				recv = make([]byte, n*big-1)
			}
			return Gatherv(ctx, c, make([]byte, big), recv, counts, displs, root)
		})
		wantClass(t, errs, comm.ErrBuffer, isRoot)
		wantClass(t, errs, comm.Success, notRoot)

		// Gatherv: a negative count.
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			cs := append([]int(nil), counts...)
			cs[n-1] = -1
			return Gatherv(ctx, c, make([]byte, big), make([]byte, n*big), cs, displs, root)
		})
		wantClass(t, errs, comm.ErrCount, isRoot)

		// Gatherv: too few counts.
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			return Gatherv(ctx, c, make([]byte, big), make([]byte, n*big), counts[:n-1], displs, root)
		})
		wantClass(t, errs, comm.ErrArg, isRoot)

		// Gather: receive buffer too small.
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			return Gather(ctx, c, make([]byte, big), make([]byte, n*big-1), big, root)
		})
		wantClass(t, errs, comm.ErrBuffer, isRoot)

		// Scatter: send buffer too small. The others receive nothing and
		// fail too (they expected data).
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			return Scatter(ctx, c, make([]byte, n*big-1), make([]byte, big), big, root)
		})
		wantClass(t, errs, comm.ErrBuffer, isRoot)
		wantClass(t, errs, comm.ErrOther, notRoot)

		// Scatterv: a block past the end of the send buffer.
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			return Scatterv(ctx, c, make([]byte, n*big-1), counts, displs, make([]byte, big), root)
		})
		wantClass(t, errs, comm.ErrBuffer, isRoot)
		wantClass(t, errs, comm.ErrOther, notRoot)

		// Reduce: receive buffer too small at the root.
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			return Reduce(ctx, c, make([]byte, 8), make([]byte, 4), comm.TypeInt32, OpSum, root)
		})
		wantClass(t, errs, comm.ErrBuffer, isRoot)
		wantClass(t, errs, comm.Success, notRoot)

		// Input not a whole number of elements on one rank: all fail
		// (except the ones that cannot tell, when n is 1).
		errs = run(func(ctx context.Context, c *comm.Comm) error {
			return Allreduce(ctx, c, make([]byte, 6), make([]byte, 6), comm.TypeInt32, OpSum)
		})
		wantClass(t, errs, comm.ErrCount, nil)
	}
}

func TestAllToAllArgumentErrors(t *testing.T) {
	for _, n := range testSizes {
		bad := n - 1
		errs := runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
			counts, displs := make([]int, n), make([]int, n)
			for i := range counts {
				counts[i], displs[i] = 4, 4*i
			}
			send := make([]byte, 4*n)
			if c.Rank() == bad {
				send = send[:4*n-1] // the last block sticks out
			}
			err := Alltoallv(ctx, c, send, counts, displs, make([]byte, 4*n), counts, displs)
			if h := healthy(ctx, c); h != nil {
				return h
			}
			return err
		})
		// The bad rank fails; everyone it sends to notices.
		wantClass(t, errs, comm.ErrBuffer, func(r int) bool { return r == bad })
		wantClass(t, errs, comm.ErrOther, func(r int) bool { return r != bad })

		errs = runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
			return Alltoallw(ctx, c, make([][]byte, n-1), make([][]byte, n))
		})
		wantClass(t, errs, comm.ErrArg, nil)
	}
}

// TestCancel checks that a collective whose peers never come returns when
// its context ends, and leaves no receive posted behind.
func TestCancel(t *testing.T) {
	errs := runRanks(t, 3, func(ctx context.Context, c *comm.Comm) error {
		if c.Rank() == 0 {
			return nil // never joins
		}
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancel()
		buf := make([]byte, 4*c.Size())
		err := Gather(short, c, make([]byte, 4), buf, 4, c.Rank())
		if !errors.Is(err, context.DeadlineExceeded) {
			return fail(c, "gather without rank 0: %v", err)
		}
		if posted, _ := c.Endpoint().Pending(); posted != 0 {
			return fail(c, "%d receives still posted after the cancelled gather", posted)
		}
		return nil
	})
	for r, err := range errs {
		if err != nil {
			t.Errorf("rank %d: %v", r, err)
		}
	}
}

// TestZeroLength runs every collective with nothing to move.
func TestZeroLength(t *testing.T) {
	for _, n := range testSizes {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			zeros := make([]int, n)
			var none []byte
			calls := []struct {
				name string
				err  error
			}{
				{"bcast", Bcast(ctx, c, nil, n-1)},
				{"reduce", Reduce(ctx, c, nil, nil, comm.TypeDouble, OpSum, 0)},
				{"reduce empty", Reduce(ctx, c, []byte{}, nil, comm.TypeDouble, OpSum, n-1)},
				{"allreduce", Allreduce(ctx, c, nil, nil, comm.TypeDouble, OpSum)},
				{"reduce_scatter", ReduceScatter(ctx, c, nil, nil, zeros, comm.TypeInt, OpSum)},
				{"reduce_scatter_block", ReduceScatterBlock(ctx, c, none, none, 0, comm.TypeInt, OpSum)},
				{"scan", Scan(ctx, c, nil, nil, comm.TypeInt, OpMax)},
				{"exscan", Exscan(ctx, c, nil, nil, comm.TypeInt, OpMax)},
				{"gather", Gather(ctx, c, none, none, 0, 0)},
				{"gatherv", Gatherv(ctx, c, none, none, zeros, zeros, n-1)},
				{"scatter", Scatter(ctx, c, none, none, 0, 0)},
				{"scatterv", Scatterv(ctx, c, none, zeros, zeros, none, n-1)},
				{"allgather", Allgather(ctx, c, none, none, 0)},
				{"allgatherv", Allgatherv(ctx, c, none, none, zeros, zeros)},
				{"alltoall", Alltoall(ctx, c, none, none, 0)},
				{"alltoallv", Alltoallv(ctx, c, none, zeros, zeros, none, zeros, zeros)},
				{"alltoallw", Alltoallw(ctx, c, make([][]byte, n), make([][]byte, n))},
				{"alltoallw in place", Alltoallw(ctx, c, nil, make([][]byte, n))},
			}
			for _, call := range calls {
				if call.err != nil {
					return fail(c, "%s: %v", call.name, call.err)
				}
			}
			return healthy(ctx, c)
		})
	}
}

// TestInterleavedWithPointToPoint runs two different collectives back to
// back (Bcast from root 1, then Reduce to root 2) while point-to-point
// messages, including wildcard receives posted before the collectives and
// messages using the very tags the collectives use, travel on the
// communicator's user context.
func TestInterleavedWithPointToPoint(t *testing.T) {
	for _, n := range testSizes {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			me := c.Rank()
			right, left := (me+1)%n, (me-1+n)%n
			// A wildcard receive posted first must only ever see user
			// messages.
			wild := make([]byte, 4)
			wreq, err := c.Irecv(wild, comm.AnySource, comm.AnyTag)
			if err != nil {
				return err
			}
			userTag := collTag(kindBcast, 0) // same number, other context
			if err := c.Send(ctx, i32s(int32(1000+me)), right, userTag, comm.ModeStandard); err != nil {
				return err
			}
			buf := make([]byte, 8)
			root1, root2 := 1%n, 2%n
			if me == root1 {
				copy(buf, i32s(11, 22))
			}
			if err := Bcast(ctx, c, buf, root1); err != nil {
				return err
			}
			if err := c.Send(ctx, i32s(int32(2000+me)), right, collTag(kindReduce, 0), comm.ModeStandard); err != nil {
				return err
			}
			sum := make([]byte, 4)
			if err := Reduce(ctx, c, i32s(int32(me)), sum, comm.TypeInt32, OpSum, root2); err != nil {
				return err
			}
			if got := toI32(buf); !eqI32(got, []int32{11, 22}) {
				return fail(c, "bcast: %v", got)
			}
			if me == root2 {
				if got := toI32(sum)[0]; got != int32(n*(n-1)/2) {
					return fail(c, "reduce: %d", got)
				}
			}
			st, err := c.Endpoint().Wait(ctx, wreq)
			if err != nil {
				return err
			}
			if st.Source != left || st.Tag != userTag || toI32(wild)[0] != int32(1000+left) {
				return fail(c, "wildcard receive got %v from %d tag %d", toI32(wild), st.Source, st.Tag)
			}
			second := make([]byte, 4)
			if _, err := c.Recv(ctx, second, left, collTag(kindReduce, 0)); err != nil {
				return err
			}
			if got := toI32(second)[0]; got != int32(2000+left) {
				return fail(c, "second user message: %d", got)
			}
			return nil
		})
	}
}

// TestConcurrentKinds runs a stream of Bcasts and a stream of Allreduces at
// the same time on every rank (as nonblocking collectives would): each call
// has its own tags, so they never take each other's messages. As a
// nonblocking collective does, each call draws its sequence number up front,
// in the same order on every rank (PinCollSeq), and runs later.
func TestConcurrentKinds(t *testing.T) {
	const rounds = 20
	for _, n := range testSizes {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			var bc, ar [rounds]*comm.Comm
			for i := range rounds {
				bc[i], ar[i] = c.PinCollSeq(), c.PinCollSeq()
			}
			errc := make(chan error, 2)
			go func() {
				for i := 0; i < rounds; i++ {
					c := bc[i]
					root := i % n
					buf := make([]byte, 4)
					if c.Rank() == root {
						copy(buf, i32s(int32(i*100+root)))
					}
					if err := Bcast(ctx, c, buf, root); err != nil {
						errc <- err
						return
					}
					if got := toI32(buf)[0]; got != int32(i*100+root) {
						errc <- fail(c, "bcast round %d: %d", i, got)
						return
					}
				}
				errc <- nil
			}()
			go func() {
				for i := 0; i < rounds; i++ {
					c := ar[i]
					out := make([]byte, 4)
					if err := Allreduce(ctx, c, i32s(int32(i+c.Rank())), out, comm.TypeInt32, OpSum); err != nil {
						errc <- err
						return
					}
					if got, want := toI32(out)[0], int32(n*i+n*(n-1)/2); got != want {
						errc <- fail(c, "allreduce round %d: %d, want %d", i, got, want)
						return
					}
				}
				errc <- nil
			}()
			return errors.Join(<-errc, <-errc)
		})
	}
}

// TestConcurrentSameKind has two Bcasts from different roots in progress at
// once on every rank, started in the same order everywhere but run in
// opposite orders on even and odd ranks: their sequence numbers keep them
// apart.
func TestConcurrentSameKind(t *testing.T) {
	for _, n := range testSizes {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			first, second := c.PinCollSeq(), c.PinCollSeq()
			a, b := make([]byte, 4), make([]byte, 4)
			if c.Rank() == 0 {
				copy(a, i32s(111))
			}
			if c.Rank() == n-1 {
				copy(b, i32s(222))
			}
			errc := make(chan error, 2)
			run := func(cm *comm.Comm, buf []byte, root int) {
				errc <- Bcast(ctx, cm, buf, root)
			}
			if c.Rank()%2 == 0 {
				go run(first, a, 0)
				go run(second, b, n-1)
			} else {
				go run(second, b, n-1)
				go run(first, a, 0)
			}
			if err := errors.Join(<-errc, <-errc); err != nil {
				return err
			}
			if toI32(a)[0] != 111 || toI32(b)[0] != 222 {
				return fail(c, "got %d and %d, want 111 and 222", toI32(a)[0], toI32(b)[0])
			}
			return nil
		})
	}
}
