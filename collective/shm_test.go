package collective

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// runShared is runRanks with a Shared domain attached to every rank's
// context, so that the collectives take the shared-memory path. fn also
// gets the plain context, under which they take the message-based one.
func runShared(t *testing.T, n int, fn func(sctx, mctx context.Context, c *comm.Comm) error) []error {
	t.Helper()
	d := &Shared{}
	return runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
		return fn(WithShared(ctx, d), ctx, c)
	})
}

// mixedF64 is a vector of doubles of very different magnitudes, different
// on every rank, so that a different order of combination changes the bits.
func mixedF64(rank, elems int) []byte {
	v := make([]float64, elems)
	for i := range v {
		x := float64((rank+3)*(i+7)%97) / 7
		v[i] = x * math.Pow(10, float64((rank*5+i)%17-8))
		if (rank+i)%3 == 0 {
			v[i] = -v[i]
		}
	}
	return f64s(v...)
}

// pairsDI is a vector of MPI_DOUBLE_INT elements (8-byte value, 4-byte
// index, 4 bytes of padding) with ties between ranks.
func pairsDI(rank, elems int) []byte {
	b := make([]byte, 16*elems)
	for i := 0; i < elems; i++ {
		binary.LittleEndian.PutUint64(b[16*i:], math.Float64bits(float64((rank*3+i)%4)))
		binary.LittleEndian.PutUint32(b[16*i+8:], uint32(rank*1000+i))
	}
	return b
}

// TestSharedMatchesMessages checks that the shared-memory Reduce,
// Allreduce and Bcast produce exactly the bytes of the message-based
// algorithms (same order of combination), for small (staged) and large
// (segmented) vectors, in place and not, to every root.
func TestSharedMatchesMessages(t *testing.T) {
	type red struct {
		name string
		t    comm.Datatype
		op   Op
		data func(rank, elems int) []byte
	}
	reds := []red{
		{"sum double", comm.TypeDouble, OpSum, mixedF64},
		{"prod double", comm.TypeDouble, OpProd, mixedF64},
		{"max double", comm.TypeDouble, OpMax, mixedF64},
		{"minloc double_int", comm.TypeDoubleInt, OpMinloc, pairsDI},
	}
	// 0, 1 and 5 elements are staged; 1000 and 20001 are read in place
	// (20001 does not divide evenly among the ranks).
	elemCounts := []int{0, 1, 5, 1000, 20001}
	for _, n := range []int{2, 3, 5, 8} {
		errs := runShared(t, n, func(sctx, mctx context.Context, c *comm.Comm) error {
			me := c.Rank()
			for _, r := range reds {
				for _, elems := range elemCounts {
					if r.t == comm.TypeDoubleInt && elems > 1000 {
						continue
					}
					in := r.data(me, elems)
					want := make([]byte, len(in))
					if err := Allreduce(mctx, c, in, want, r.t, r.op); err != nil {
						return fail(c, "%s message allreduce: %v", r.name, err)
					}
					got := make([]byte, len(in))
					if err := Allreduce(sctx, c, in, got, r.t, r.op); err != nil {
						return fail(c, "%s shared allreduce: %v", r.name, err)
					}
					if err := checkBytes(c, fmt.Sprintf("%s allreduce of %d", r.name, elems), got, want); err != nil {
						return err
					}
					inplace := r.data(me, elems)
					if err := Allreduce(sctx, c, nil, inplace, r.t, r.op); err != nil {
						return fail(c, "%s shared allreduce in place: %v", r.name, err)
					}
					if err := checkBytes(c, fmt.Sprintf("%s allreduce in place of %d", r.name, elems), inplace, want); err != nil {
						return err
					}
					for root := 0; root < n; root++ {
						out := filled(len(in), 0xEE)
						send := in
						if me == root && root%2 == 1 {
							copy(out, in)
							send = nil // in place at odd roots
						}
						if err := Reduce(sctx, c, send, out, r.t, r.op, root); err != nil {
							return fail(c, "%s shared reduce to %d: %v", r.name, root, err)
						}
						if me == root {
							if err := checkBytes(c, fmt.Sprintf("%s reduce of %d to %d", r.name, elems, root), out, want); err != nil {
								return err
							}
						} else if err := checkBytes(c, "non-root receive buffer", out, filled(len(in), 0xEE)); err != nil {
							return err
						}
					}
				}
			}
			for _, bl := range []int{0, 5, bcastStageMax + 8} {
				want := make([]byte, 0, n*bl)
				for j := 0; j < n; j++ {
					want = append(want, pattern(j, bl, bl)...)
				}
				for _, inPlace := range []bool{false, true} {
					out := filled(n*bl+3, 0xEE)
					send := pattern(me, bl, bl)
					if inPlace {
						copy(out[me*bl:], send)
						send = nil
					}
					if err := Allgather(sctx, c, send, out, bl); err != nil {
						return fail(c, "shared allgather of %d: %v", bl, err)
					}
					if err := checkBytes(c, fmt.Sprintf("allgather of %d (in place %v)", bl, inPlace), out, append(want[:n*bl:n*bl], 0xEE, 0xEE, 0xEE)); err != nil {
						return err
					}
				}
			}
			for _, size := range []int{0, 3, bcastStageMax, bcastStageMax + 1, 100000} {
				for root := 0; root < n; root++ {
					buf := filled(size, 0)
					if me == root {
						buf = pattern(root, size, size)
					}
					if err := Bcast(sctx, c, buf, root); err != nil {
						return fail(c, "shared bcast of %d from %d: %v", size, root, err)
					}
					if err := checkBytes(c, fmt.Sprintf("bcast of %d from %d", size, root), buf, pattern(root, size, size)); err != nil {
						return err
					}
				}
			}
			return nil
		})
		for r, err := range errs {
			if err != nil {
				t.Errorf("n=%d rank %d: %v", n, r, err)
			}
		}
	}
}

// TestSharedBarrierRounds checks that nobody leaves a shared barrier before
// everyone has arrived, and nobody gets more than one round ahead, over
// many rounds.
func TestSharedBarrierRounds(t *testing.T) {
	const rounds = 300
	for _, n := range []int{2, 3, 8} {
		var arrived atomic.Int64
		mustRunShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
			for i := int64(0); i < rounds; i++ {
				arrived.Add(1)
				if err := Barrier(sctx, c); err != nil {
					return err
				}
				got := arrived.Load()
				if lo, hi := int64(n)*(i+1), int64(n)*(i+2); got < lo || got > hi {
					return fail(c, "after barrier %d, %d arrivals counted, want %d to %d", i, got, lo, hi)
				}
			}
			return nil
		})
	}
}

func mustRunShared(t *testing.T, n int, fn func(sctx, mctx context.Context, c *comm.Comm) error) {
	t.Helper()
	for r, err := range runShared(t, n, fn) {
		if err != nil {
			t.Errorf("n=%d rank %d: %v", n, r, err)
		}
	}
}

// TestSharedConcurrentComms runs streams of shared collectives on several
// communicators at once (one goroutine per rank and communicator, two of
// them with the same context id and disjoint groups, as Comm_split makes
// them), while message-based collectives run on a pinned copy of one of
// them, as nonblocking collectives do. Every result is checked exactly.
func TestSharedConcurrentComms(t *testing.T) {
	const n, rounds = 4, 150
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := comm.NewWorld(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	d := &Shared{}
	sctx := WithShared(ctx, d)
	all := []int{0, 1, 2, 3}
	type member struct {
		c    *comm.Comm
		name string
	}
	var wg sync.WaitGroup
	errc := make(chan error, 64)
	// pins, when not nil, are copies of c pinned in advance (in the same
	// order on every rank, as the rank's goroutine pins nonblocking
	// collectives in call order); they take the message path.
	stream := func(c *comm.Comm, name string, pins []*comm.Comm) {
		defer wg.Done()
		me, size := c.Rank(), c.Size()
		pinned := pins != nil
		for i := 0; i < rounds; i++ {
			cctx, cc := sctx, c
			if pinned {
				cc, pins = pins[0], pins[1:]
			}
			v := int32(i*10 + me)
			big := make([]byte, 4*(reduceStageMax/4+3))
			for k := 0; k < len(big); k += 4 {
				binary.LittleEndian.PutUint32(big[k:], uint32(v+int32(k)))
			}
			out := make([]byte, len(big))
			if err := Allreduce(cctx, cc, big, out, comm.TypeInt32, OpSum); err != nil {
				errc <- fmt.Errorf("%s rank %d round %d: %w", name, me, i, err)
				return
			}
			for k := 0; k < len(out); k += 4 {
				want := int32(size*(i*10+k)) + int32(size*(size-1)/2)
				if got := int32(binary.LittleEndian.Uint32(out[k:])); got != want {
					errc <- fmt.Errorf("%s rank %d round %d: element %d is %d, want %d", name, me, i, k/4, got, want)
					return
				}
			}
			if pinned {
				cc, pins = pins[0], pins[1:]
			}
			root := i % size
			b := make([]byte, 8)
			if me == root {
				copy(b, i32s(int32(i), int32(root)))
			}
			if err := Bcast(cctx, cc, b, root); err != nil {
				errc <- fmt.Errorf("%s rank %d round %d bcast: %w", name, me, i, err)
				return
			}
			if got := toI32(b); got[0] != int32(i) || got[1] != int32(root) {
				errc <- fmt.Errorf("%s rank %d round %d: bcast gave %v", name, me, i, got)
				return
			}
		}
	}
	for r := 0; r < n; r++ {
		var ms []member
		for _, ctxID := range []uint32{10, 12} {
			c, err := w.Comm(r, ctxID, all)
			if err != nil {
				t.Fatal(err)
			}
			ms = append(ms, member{c, fmt.Sprintf("comm %d", ctxID)})
		}
		half := []int{0, 1}
		if r >= 2 {
			half = []int{2, 3}
		}
		c, err := w.Comm(r, 14, half)
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, member{c, fmt.Sprintf("split %v", half)})
		pins := make([]*comm.Comm, 2*rounds)
		for i := range pins {
			pins[i] = ms[0].c.PinCollSeq()
		}
		for _, m := range ms {
			wg.Add(1)
			go stream(m.c, m.name, nil)
		}
		wg.Add(1)
		go stream(ms[0].c, "pinned copies of comm 10", pins)
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Error(err)
	}
	if ctx.Err() != nil {
		t.Fatal("timed out (a collective hung)")
	}
}

// TestSharedErrors checks the errors of the shared path and that the
// communicator keeps working after them.
func TestSharedErrors(t *testing.T) {
	for _, n := range []int{2, 3, 5} {
		last := n - 1
		after := func(sctx context.Context, c *comm.Comm) error {
			out := make([]byte, 4)
			if err := Allreduce(sctx, c, i32s(1), out, comm.TypeInt32, OpSum); err != nil {
				return fmt.Errorf("allreduce after the error: %w", err)
			}
			if got := toI32(out)[0]; got != int32(c.Size()) {
				return fail(c, "allreduce after the error gave %d", got)
			}
			return nil
		}
		for _, size := range []int{8, 32, 2 * bcastStageMax} {
			errs := runShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
				l := 16
				if size > bcastStageMax {
					l = bcastStageMax + 16
				}
				buf := make([]byte, l)
				if c.Rank() == last {
					buf = make([]byte, size)
				}
				err := Bcast(sctx, c, buf, 0)
				if h := after(sctx, c); h != nil {
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
		for _, size := range []int{4, 16, 4 * reduceStageMax} {
			errs := runShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
				in := make([]byte, 8)
				if c.Rank() == last {
					in = make([]byte, size)
				}
				err := Allreduce(sctx, c, in, make([]byte, len(in)), comm.TypeInt32, OpSum)
				if h := after(sctx, c); h != nil {
					return h
				}
				return err
			})
			wantClass(t, errs, comm.ErrOther, nil)
		}
		errs := runShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
			err := Reduce(sctx, c, make([]byte, 8), make([]byte, 4), comm.TypeInt32, OpSum, last)
			if h := after(sctx, c); h != nil {
				return h
			}
			return err
		})
		wantClass(t, errs, comm.ErrBuffer, func(r int) bool { return r == last })
		wantClass(t, errs, comm.Success, func(r int) bool { return r != last })

		errs = runShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
			in := make([]byte, 8)
			if c.Rank() == 0 {
				in = make([]byte, 6)
			}
			err := Reduce(sctx, c, in, make([]byte, 8), comm.TypeInt32, OpSum, last)
			if h := after(sctx, c); h != nil {
				return h
			}
			return err
		})
		wantClass(t, errs, comm.ErrCount, func(r int) bool { return r == 0 })
		wantClass(t, errs, comm.ErrOther, func(r int) bool { return r == last })
		wantClass(t, errs, comm.Success, func(r int) bool { return r != 0 && r != last })

		errs = runShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
			send := make([]byte, 4)
			if c.Rank() == last {
				send = make([]byte, 6)
			}
			err := Allgather(sctx, c, send, make([]byte, 4*c.Size()), 4)
			if h := after(sctx, c); h != nil {
				return h
			}
			return err
		})
		wantClass(t, errs, comm.ErrTruncate, func(r int) bool { return r == last })
		wantClass(t, errs, comm.ErrOther, func(r int) bool { return r != last })

		// Errors every rank sees alike come first, without synchronising.
		errs = runShared(t, n, func(sctx, _ context.Context, c *comm.Comm) error {
			if err := Bcast(sctx, c, nil, 5); comm.ClassOf(err) != comm.ErrRoot {
				return fail(c, "bcast from root 5: %v", err)
			}
			if err := Reduce(sctx, c, i32s(1), make([]byte, 4), comm.TypeByte, OpSum, 0); comm.ClassOf(err) != comm.ErrOp {
				return fail(c, "sum of bytes: %v", err)
			}
			return after(sctx, c)
		})
		wantClass(t, errs, comm.Success, nil)
	}
}

// TestSharedCancel checks that a shared barrier that one rank never joins
// ends with the waiters' context, and that the communicator then refuses
// further shared collectives instead of synchronising wrongly.
func TestSharedCancel(t *testing.T) {
	errs := runShared(t, 3, func(sctx, _ context.Context, c *comm.Comm) error {
		if c.Rank() == 0 {
			return nil // never joins
		}
		short, cancel := context.WithTimeout(sctx, 30*time.Millisecond)
		defer cancel()
		if err := Barrier(short, c); !errors.Is(err, context.DeadlineExceeded) {
			return fail(c, "barrier without rank 0: %v", err)
		}
		if err := Barrier(sctx, c); comm.ClassOf(err) != comm.ErrOther {
			return fail(c, "barrier on the interrupted communicator: %v", err)
		}
		return nil
	})
	for r, err := range errs {
		if err != nil {
			t.Errorf("rank %d: %v", r, err)
		}
	}
}

// TestSharedStop checks that ranks waiting in a shared collective return
// when the world stops.
func TestSharedStop(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := comm.NewWorld(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	sctx := WithShared(ctx, &Shared{})
	errc := make(chan error, 2)
	for r := 1; r < 3; r++ {
		c, err := w.Comm(r, 0, []int{0, 1, 2})
		if err != nil {
			t.Fatal(err)
		}
		go func() { errc <- Allreduce(sctx, c, make([]byte, 8), make([]byte, 8), comm.TypeInt64, OpSum) }()
	}
	time.Sleep(20 * time.Millisecond)
	stop := errors.New("rank 0 failed")
	w.Stop(stop)
	for i := 0; i < 2; i++ {
		if err := <-errc; !errors.Is(err, stop) {
			t.Errorf("allreduce in a stopped world returned %v, want %v", err, stop)
		}
	}
}

// countingTransport delivers in process but is not comm's own in-process
// transport, as a network transport would not be; it counts deliveries.
type countingTransport struct {
	w *comm.World
	n atomic.Int64
}

func (tr *countingTransport) Deliver(_ context.Context, dst int, m *comm.Message) error {
	tr.n.Add(1)
	tr.w.Endpoint(dst).Arrive(m)
	return nil
}

// TestSharedNeedsInProcessTransport checks that a world whose ranks are
// reached through another transport keeps the message-based algorithms
// even with a Shared domain, and still gets exact results.
func TestSharedNeedsInProcessTransport(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tr := &countingTransport{}
	w, err := comm.NewWorld(ctx, 3, comm.WithTransport(tr))
	if err != nil {
		t.Fatal(err)
	}
	tr.w = w
	sctx := WithShared(ctx, &Shared{})
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for r := 0; r < 3; r++ {
		c, err := w.Comm(r, 0, []int{0, 1, 2})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			out := make([]byte, 4)
			errs[r] = Allreduce(sctx, c, i32s(int32(r+1)), out, comm.TypeInt32, OpSum)
			if errs[r] == nil && toI32(out)[0] != 6 {
				errs[r] = fail(c, "allreduce gave %v, want 6", toI32(out))
			}
		}()
	}
	wg.Wait()
	for r, err := range errs {
		if err != nil {
			t.Errorf("rank %d: %v", r, err)
		}
	}
	if tr.n.Load() == 0 {
		t.Error("no message went through the transport: the shared path was taken")
	}
}

// TestSharedForget checks that a communicator's slot is released once
// every rank has freed the communicator, and not before.
func TestSharedForget(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	const n = 3
	w, err := comm.NewWorld(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	d := &Shared{}
	sctx := WithShared(ctx, d)
	slots := func() int {
		k := 0
		d.slots.Range(func(any, any) bool { k++; return true })
		return k
	}
	cs := make([]*comm.Comm, n)
	var wg sync.WaitGroup
	for r := range cs {
		if cs[r], err = w.Comm(r, 6, identity(n)); err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := Barrier(sctx, cs[r]); err != nil {
				t.Errorf("rank %d: %v", r, err)
			}
		}()
	}
	wg.Wait()
	if got := slots(); got != 1 {
		t.Fatalf("%d slots after a barrier, want 1", got)
	}
	for r, c := range cs {
		d.Forget(c)
		want := 1
		if r == n-1 {
			want = 0
		}
		if got := slots(); got != want {
			t.Errorf("%d slots after %d ranks freed the communicator, want %d", got, r+1, want)
		}
	}
}
