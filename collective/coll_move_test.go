package collective

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/wasmpi/wasmpi/comm"
)

func TestBarrier(t *testing.T) {
	for _, n := range testSizes {
		var arrived atomic.Int32
		mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
			for round := 1; round <= 5; round++ {
				arrived.Add(1)
				if err := Barrier(ctx, c); err != nil {
					return err
				}
				if got := arrived.Load(); got < int32(round*n) {
					return fail(c, "round %d: left the barrier when only %d of %d arrivals happened", round, got, round*n)
				}
				// A second barrier keeps fast ranks from starting the
				// next round before everyone has checked.
				if err := Barrier(ctx, c); err != nil {
					return err
				}
			}
			return nil
		})
	}
}

func TestBcast(t *testing.T) {
	for _, n := range testSizes {
		for root := 0; root < n; root++ {
			for _, size := range []int{0, 13, 100 << 10} { // 100 KiB > comm.EagerLimit
				if size > 1000 && (n != 5 || root == 1) {
					continue // large messages only once: the race detector makes them slow
				}
				mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
					buf := filled(size, 0xee)
					if c.Rank() == root {
						buf = pattern(root, 0, size)
					}
					if err := Bcast(ctx, c, buf, root); err != nil {
						return err
					}
					return checkBytes(c, "bcast", buf, pattern(root, 0, size))
				})
			}
		}
	}
}

func TestGather(t *testing.T) {
	const bl = 5
	for _, n := range testSizes {
		for _, root := range []int{0, n - 1, n / 2} {
			for _, inPlace := range []bool{false, true} {
				mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
					me := c.Rank()
					send := pattern(me, root, bl)
					var recv []byte
					if me == root {
						recv = filled(n*bl+3, 0xee) // longer than needed: the tail stays
						if inPlace {
							copy(recv[me*bl:], send)
							send = nil
						}
					}
					if err := Gather(ctx, c, send, recv, bl, root); err != nil {
						return err
					}
					if me != root {
						return nil
					}
					var want []byte
					for i := 0; i < n; i++ {
						want = append(want, pattern(i, root, bl)...)
					}
					return checkBytes(c, "gather", recv, append(want, 0xee, 0xee, 0xee))
				})
			}
		}
	}
}

// vcounts are irregular per-rank block lengths, zeros included.
func vcounts(n int) []int {
	counts := make([]int, n)
	for i := range counts {
		counts[i] = (i * 3) % 4 * 2 // 0, 6, 4, 2, 0, ...
	}
	return counts
}

func TestGatherv(t *testing.T) {
	for _, n := range testSizes {
		counts := vcounts(n)
		displs, total := layout(counts, reversed(n), 3)
		for _, root := range []int{0, n - 1} {
			for _, inPlace := range []bool{false, true} {
				mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
					me := c.Rank()
					send := pattern(me, root, counts[me])
					var recv []byte
					var cs, ds []int
					if me == root {
						recv, cs, ds = filled(total, 0xee), counts, displs
						if inPlace {
							copy(recv[displs[me]:], send)
							send = nil
						}
					}
					if err := Gatherv(ctx, c, send, recv, cs, ds, root); err != nil {
						return err
					}
					if me != root {
						return nil
					}
					want := filled(total, 0xee)
					for i := 0; i < n; i++ {
						copy(want[displs[i]:], pattern(i, root, counts[i]))
					}
					return checkBytes(c, "gatherv", recv, want)
				})
			}
		}
	}
}

func TestScatter(t *testing.T) {
	for _, bl := range []int{0, 6, 70 << 10} {
		for _, n := range testSizes {
			if bl > 1000 && n != 5 {
				continue
			}
			for _, root := range []int{0, n - 1} {
				for _, inPlace := range []bool{false, true} {
					mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
						me := c.Rank()
						var send []byte
						if me == root {
							for i := 0; i < n; i++ {
								send = append(send, pattern(root, i, bl)...)
							}
						}
						recv := filled(bl, 0xee)
						if me == root && inPlace {
							recv = nil
						}
						if err := Scatter(ctx, c, send, recv, bl, root); err != nil {
							return err
						}
						if recv == nil {
							return checkBytes(c, "scatter root block", send[me*bl:(me+1)*bl], pattern(root, me, bl))
						}
						return checkBytes(c, "scatter", recv, pattern(root, me, bl))
					})
				}
			}
		}
	}
}

func TestScatterv(t *testing.T) {
	for _, n := range testSizes {
		counts := vcounts(n)
		displs, total := layout(counts, reversed(n), 2)
		for _, root := range []int{0, n - 1} {
			for _, inPlace := range []bool{false, true} {
				mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
					me := c.Rank()
					var send []byte
					var cs, ds []int
					if me == root {
						send, cs, ds = filled(total, 0xee), counts, displs
						for i := 0; i < n; i++ {
							copy(send[displs[i]:], pattern(root, i, counts[i]))
						}
					}
					recv := filled(counts[me], 0xdd)
					if me == root && inPlace {
						recv = nil
					}
					if err := Scatterv(ctx, c, send, cs, ds, recv, root); err != nil {
						return err
					}
					if recv == nil {
						return nil
					}
					return checkBytes(c, "scatterv", recv, pattern(root, me, counts[me]))
				})
			}
		}
	}
}

func TestAllgather(t *testing.T) {
	for _, bl := range []int{0, 7, 70 << 10} {
		for _, n := range testSizes {
			if bl > 1000 && n != 5 {
				continue
			}
			for _, inPlace := range []bool{false, true} {
				mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
					me := c.Rank()
					send := pattern(me, 0, bl)
					recv := filled(n*bl, 0xee)
					if inPlace {
						copy(recv[me*bl:], send)
						send = nil
					}
					if err := Allgather(ctx, c, send, recv, bl); err != nil {
						return err
					}
					var want []byte
					for i := 0; i < n; i++ {
						want = append(want, pattern(i, 0, bl)...)
					}
					return checkBytes(c, "allgather", recv, want)
				})
			}
		}
	}
}

func TestAllgatherv(t *testing.T) {
	for _, n := range testSizes {
		counts := vcounts(n)
		displs, total := layout(counts, reversed(n), 1)
		for _, inPlace := range []bool{false, true} {
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				send := pattern(me, 0, counts[me])
				recv := filled(total, 0xee)
				if inPlace {
					copy(recv[displs[me]:], send)
					send = nil
				}
				if err := Allgatherv(ctx, c, send, recv, counts, displs); err != nil {
					return err
				}
				want := filled(total, 0xee)
				for i := 0; i < n; i++ {
					copy(want[displs[i]:], pattern(i, 0, counts[i]))
				}
				return checkBytes(c, "allgatherv", recv, want)
			})
		}
	}
}

func TestAlltoall(t *testing.T) {
	for _, bl := range []int{0, 3, 70 << 10} {
		for _, n := range testSizes {
			if bl > 1000 && n != 5 {
				continue
			}
			for _, inPlace := range []bool{false, true} {
				mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
					me := c.Rank()
					var send []byte
					for j := 0; j < n; j++ {
						send = append(send, pattern(me, j, bl)...)
					}
					recv := filled(n*bl, 0xee)
					if inPlace {
						copy(recv, send)
						send = nil
					}
					if err := Alltoall(ctx, c, send, recv, bl); err != nil {
						return err
					}
					var want []byte
					for i := 0; i < n; i++ {
						want = append(want, pattern(i, me, bl)...)
					}
					return checkBytes(c, "alltoall", recv, want)
				})
			}
		}
	}
}

// a2aCount is the number of bytes rank i sends to rank j in the irregular
// all-to-all tests. It is symmetric, as in-place calls require.
func a2aCount(i, j int) int { return (i+j)%3 + (i*j)%2*4 }

func TestAlltoallv(t *testing.T) {
	for _, n := range testSizes {
		for _, inPlace := range []bool{false, true} {
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				scounts, rcounts := make([]int, n), make([]int, n)
				for j := 0; j < n; j++ {
					scounts[j], rcounts[j] = a2aCount(me, j), a2aCount(j, me)
				}
				sdispls, stotal := layout(scounts, reversed(n), 1)
				rdispls, rtotal := layout(rcounts, identity(n), 2)
				send := filled(stotal, 0xcc)
				for j := 0; j < n; j++ {
					copy(send[sdispls[j]:], pattern(me, j, scounts[j]))
				}
				recv := filled(rtotal, 0xee)
				if inPlace {
					for j := 0; j < n; j++ {
						copy(recv[rdispls[j]:], pattern(me, j, rcounts[j]))
					}
					send, scounts, sdispls = nil, nil, nil
				}
				if err := Alltoallv(ctx, c, send, scounts, sdispls, recv, rcounts, rdispls); err != nil {
					return err
				}
				want := filled(rtotal, 0xee)
				for i := 0; i < n; i++ {
					copy(want[rdispls[i]:], pattern(i, me, rcounts[i]))
				}
				return checkBytes(c, "alltoallv", recv, want)
			})
		}
	}
}

func TestAlltoallw(t *testing.T) {
	for _, n := range testSizes {
		for _, inPlace := range []bool{false, true} {
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				send, recv := make([][]byte, n), make([][]byte, n)
				for j := 0; j < n; j++ {
					send[j] = pattern(me, j, a2aCount(me, j))
					recv[j] = filled(a2aCount(j, me), 0xee)
					if inPlace {
						copy(recv[j], send[j])
					}
				}
				if inPlace {
					send = nil
				}
				if err := Alltoallw(ctx, c, send, recv); err != nil {
					return err
				}
				for i := 0; i < n; i++ {
					if err := checkBytes(c, "alltoallw", recv[i], pattern(i, me, a2aCount(i, me))); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}
}
