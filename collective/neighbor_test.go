package collective

import (
	"context"
	"testing"

	"github.com/wasmpi/wasmpi/comm"
)

// A ring: block j goes to neighbour j; the block from the left neighbour
// is the one it sent rightwards, whatever the ring's size (with 1 or 2
// processes both neighbours are one process).
func TestNeighborExchangeRing(t *testing.T) {
	for _, n := range testSizes {
		for _, periodic := range []bool{true, false} {
			ring, err := comm.NewCart([]int{n}, []bool{periodic})
			if err != nil {
				t.Fatal(err)
			}
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				topo := comm.Topology{Kind: comm.TopoCart, Cart: ring}
				nb := topo.Neighbors(me)
				sends := [][]byte{i32s(int32(10*me + 0)), i32s(int32(10*me + 1))}
				recvs := [][]byte{i32s(-1), i32s(-1)}
				if err := NeighborExchange(ctx, c, "test", nb, sends, recvs); err != nil {
					return err
				}
				left, right := int32(10*((me-1+n)%n)+1), int32(10*((me+1)%n))
				if !periodic && me == 0 {
					left = -1
				}
				if !periodic && me == n-1 {
					right = -1
				}
				if got := [2]int32{toI32(recvs[0])[0], toI32(recvs[1])[0]}; got != [2]int32{left, right} {
					return fail(c, "periodic=%v: got %v, want [%d %d]", periodic, got, left, right)
				}
				return nil
			})
		}
	}
}

// Two exchanges in flight on one communicator keep their messages apart,
// and a message longer than its block is MPI_ERR_TRUNCATE at the receiver.
func TestNeighborExchangeOverlapAndTruncate(t *testing.T) {
	for _, n := range []int{2, 3, 5} {
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			me := c.Rank()
			nb := comm.Neighborhood{Sources: []int{(me - 1 + n) % n}, Dests: []int{(me + 1) % n}}
			a, b := c.PinCollSeq(), c.PinCollSeq()
			ra, rb := [][]byte{i32s(-1)}, [][]byte{i32s(-1)}
			done := make(chan error, 1)
			go func() { done <- NeighborExchange(ctx, b, "second", nb, [][]byte{i32s(int32(200 + me))}, rb) }()
			if err := NeighborExchange(ctx, a, "first", nb, [][]byte{i32s(int32(100 + me))}, ra); err != nil {
				return err
			}
			if err := <-done; err != nil {
				return err
			}
			from := int32((me - 1 + n) % n)
			if toI32(ra[0])[0] != 100+from || toI32(rb[0])[0] != 200+from {
				return fail(c, "overlapping exchanges mixed: %v %v", toI32(ra[0]), toI32(rb[0]))
			}
			return nil
		})
		errs := runRanks(t, n, func(ctx context.Context, c *comm.Comm) error {
			me := c.Rank()
			nb := comm.Neighborhood{Sources: []int{(me - 1 + n) % n}, Dests: []int{(me + 1) % n}}
			send := i32s(1)
			if me == 0 {
				send = i32s(1, 2)
			}
			return NeighborExchange(ctx, c, "test", nb, [][]byte{send}, [][]byte{i32s(0)})
		})
		wantClass(t, errs, comm.ErrTruncate, func(r int) bool { return r == 1 })
		wantClass(t, errs, comm.Success, func(r int) bool { return r != 1 })
	}
}
