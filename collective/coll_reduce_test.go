package collective

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/wasmpi/wasmpi/comm"
)

// intInput is rank r's int32 contribution: values of both signs.
func intInput(r, count int) []int32 {
	v := make([]int32, count)
	for i := range v {
		v[i] = int32((r*37+i*11)%23 - 11 + r*i)
	}
	return v
}

func sumI32(n, count int) []int32 {
	out := make([]int32, count)
	for r := 0; r < n; r++ {
		for i, x := range intInput(r, count) {
			out[i] += x
		}
	}
	return out
}

func maxI32(n, count int) []int32 {
	out := intInput(0, count)
	for r := 1; r < n; r++ {
		for i, x := range intInput(r, count) {
			out[i] = max(out[i], x)
		}
	}
	return out
}

// floatInput is rank r's float64 contribution: values of wildly different
// magnitudes, so that the order of the additions shows in the result.
func floatInput(r, count int) []float64 {
	rng := rand.New(rand.NewPCG(uint64(r), 42))
	v := make([]float64, count)
	for i := range v {
		v[i] = (rng.Float64() - 0.5) * math.Pow(10, float64(rng.IntN(33)-16))
	}
	return v
}

// treeSum is the documented order of combination: the binomial tree over
// ranks rooted at rank 0, lower ranks on the left.
func treeSum(xs [][]float64) []float64 {
	n := len(xs)
	var f func(lo, span int) []float64
	f = func(lo, span int) []float64 {
		if span == 1 {
			return append([]float64(nil), xs[lo]...)
		}
		left := f(lo, span/2)
		if lo+span/2 < n {
			right := f(lo+span/2, span/2)
			for i := range left {
				left[i] += right[i]
			}
		}
		return left
	}
	span := 1
	for span < n {
		span <<= 1
	}
	return f(0, span)
}

// chainSum is x0 + x1 + ... + x(k-1) strictly left to right.
func chainSum(xs [][]float64, k int) []float64 {
	out := append([]float64(nil), xs[0]...)
	for r := 1; r < k; r++ {
		for i := range out {
			out[i] += xs[r][i]
		}
	}
	return out
}

func TestReduceInt32(t *testing.T) {
	const count = 9
	for _, n := range testSizes {
		for root := 0; root < n; root++ {
			for _, inPlace := range []bool{false, true} {
				for _, op := range []Op{OpSum, OpMax} {
					want := sumI32(n, count)
					if op == OpMax {
						want = maxI32(n, count)
					}
					mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
						me := c.Rank()
						send := i32s(intInput(me, count)...)
						var recv []byte
						if me == root {
							recv = i32s(make([]int32, count)...)
							if inPlace {
								copy(recv, send)
								send = nil
							}
						}
						if err := Reduce(ctx, c, send, recv, comm.TypeInt32, op, root); err != nil {
							return err
						}
						if me == root && !eqI32(toI32(recv), want) {
							return fail(c, "reduce %v to %d: got %v, want %v", op, root, toI32(recv), want)
						}
						return nil
					})
				}
			}
		}
	}
}

func TestAllreduceInt32(t *testing.T) {
	for _, count := range []int{0, 1, 9, 20000} { // 80 000 bytes > comm.EagerLimit
		for _, n := range testSizes {
			if count > 1000 && n != 3 && n != 8 {
				continue // large messages only twice: the race detector makes them slow
			}
			for _, inPlace := range []bool{false, true} {
				for _, op := range []Op{OpSum, OpMax} {
					want := sumI32(n, count)
					if op == OpMax {
						want = maxI32(n, count)
					}
					mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
						send := i32s(intInput(c.Rank(), count)...)
						recv := make([]byte, len(send))
						if inPlace {
							copy(recv, send)
							send = nil
						}
						if err := Allreduce(ctx, c, send, recv, comm.TypeInt32, op); err != nil {
							return err
						}
						if !eqI32(toI32(recv), want) {
							return fail(c, "allreduce %v: got %v, want %v", op, toI32(recv)[:min(count, 10)], want[:min(count, 10)])
						}
						return nil
					})
				}
			}
		}
	}
}

// TestFloatSumDeterministic checks that float64 sums are bit-identical on
// every rank, from run to run and between Reduce (any root), Allreduce and
// Reduce_scatter_block, and that they follow the documented order.
func TestFloatSumDeterministic(t *testing.T) {
	const count = 64
	for _, n := range testSizes {
		xs := make([][]float64, n)
		for r := range xs {
			xs[r] = floatInput(r, count)
		}
		want := f64s(treeSum(xs)...)
		var runs [2][][]byte // the allreduce result of every rank, per run
		for run := range runs {
			var mu sync.Mutex
			runs[run] = make([][]byte, n)
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				in := f64s(xs[me]...)
				recv := make([]byte, len(in))
				if err := Allreduce(ctx, c, in, recv, comm.TypeDouble, OpSum); err != nil {
					return err
				}
				mu.Lock()
				runs[run][me] = append([]byte(nil), recv...)
				mu.Unlock()
				if err := checkBytes(c, "allreduce", recv, want); err != nil {
					return err
				}
				for root := 0; root < n; root++ {
					clear(recv)
					if err := Reduce(ctx, c, in, recv, comm.TypeDouble, OpSum, root); err != nil {
						return err
					}
					if me == root {
						if err := checkBytes(c, "reduce", recv, want); err != nil {
							return err
						}
					}
				}
				// count is a multiple of every tested size but 3 and 5.
				if count%n == 0 {
					block := count / n
					part := make([]byte, 8*block)
					if err := ReduceScatterBlock(ctx, c, in, part, block, comm.TypeDouble, OpSum); err != nil {
						return err
					}
					if err := checkBytes(c, "reduce_scatter_block", part, want[8*block*me:8*block*(me+1)]); err != nil {
						return err
					}
				}
				scan := make([]byte, len(in))
				if err := Scan(ctx, c, in, scan, comm.TypeDouble, OpSum); err != nil {
					return err
				}
				if err := checkBytes(c, "scan", scan, f64s(chainSum(xs, me+1)...)); err != nil {
					return err
				}
				return nil
			})
		}
		for r := 0; r < n; r++ {
			if !bytes.Equal(runs[0][r], runs[1][r]) || !bytes.Equal(runs[0][r], runs[0][0]) {
				t.Errorf("n=%d: allreduce results differ between runs or ranks", n)
			}
		}
		// The order matters for these inputs: a plain left-to-right sum
		// differs (for n >= 4), so the test would notice a different tree.
		if n >= 4 && bytes.Equal(f64s(chainSum(xs, n)...), want) {
			t.Errorf("n=%d: chain and tree orders agree for these inputs; pick others", n)
		}
	}
}

func TestMinlocTwoInt(t *testing.T) {
	for _, n := range testSizes {
		for _, root := range []int{0, n - 1} {
			// Element k of rank r is (value, index) = ((r*3+k)%4, r):
			// several ranks tie on the minimum; the lowest index wins.
			const count = 4
			want := make([]int32, 0, 2*count)
			for k := 0; k < count; k++ {
				best, idx := int32(math.MaxInt32), int32(-1)
				for r := 0; r < n; r++ {
					if v := int32((r*3 + k) % 4); v < best {
						best, idx = v, int32(r)
					}
				}
				want = append(want, best, idx)
			}
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				var in []int32
				for k := 0; k < count; k++ {
					in = append(in, int32((me*3+k)%4), int32(me))
				}
				recv := make([]byte, 8*count)
				if err := Reduce(ctx, c, i32s(in...), recv, comm.Type2Int, OpMinloc, root); err != nil {
					return err
				}
				if me == root && !eqI32(toI32(recv), want) {
					return fail(c, "minloc: got %v, want %v", toI32(recv), want)
				}
				all := make([]byte, 8*count)
				if err := Allreduce(ctx, c, i32s(in...), all, comm.Type2Int, OpMinloc); err != nil {
					return err
				}
				if !eqI32(toI32(all), want) {
					return fail(c, "allreduce minloc: got %v, want %v", toI32(all), want)
				}
				return nil
			})
		}
	}
}

func TestReduceScatter(t *testing.T) {
	for _, n := range testSizes {
		counts := make([]int, n)
		total := 0
		for i := range counts {
			counts[i] = []int{1, 3, 0, 2}[i%4] // unequal, zeros included
			total += counts[i]
		}
		want := sumI32(n, total)
		for _, inPlace := range []bool{false, true} {
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				send := i32s(intInput(me, total)...)
				off := 0
				for i := 0; i < me; i++ {
					off += counts[i]
				}
				var recv []byte
				if inPlace {
					recv, send = send, nil
				} else {
					recv = make([]byte, 4*counts[me])
				}
				if err := ReduceScatter(ctx, c, send, recv, counts, comm.TypeInt32, OpSum); err != nil {
					return err
				}
				got := toI32(recv[:4*counts[me]])
				if !eqI32(got, want[off:off+counts[me]]) {
					return fail(c, "reduce_scatter: got %v, want %v", got, want[off:off+counts[me]])
				}
				return nil
			})
		}
	}
}

func TestReduceScatterBlock(t *testing.T) {
	const block = 3
	for _, n := range testSizes {
		want := maxI32(n, n*block)
		for _, inPlace := range []bool{false, true} {
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				send := i32s(intInput(me, n*block)...)
				var recv []byte
				if inPlace {
					recv, send = send, nil
				} else {
					recv = make([]byte, 4*block)
				}
				if err := ReduceScatterBlock(ctx, c, send, recv, block, comm.TypeInt32, OpMax); err != nil {
					return err
				}
				wantMax := want[me*block : (me+1)*block]
				if got := toI32(recv[:4*block]); !eqI32(got, wantMax) {
					return fail(c, "reduce_scatter_block: got %v, want %v", got, wantMax)
				}
				return nil
			})
		}
	}
}

func TestScanExscan(t *testing.T) {
	const count = 5
	for _, n := range testSizes {
		for _, inPlace := range []bool{false, true} {
			mustRun(t, n, func(ctx context.Context, c *comm.Comm) error {
				me := c.Rank()
				in := i32s(intInput(me, count)...)
				prefix := func(k int) []int32 { // sum over ranks 0..k-1
					out := make([]int32, count)
					for r := 0; r < k; r++ {
						for i, x := range intInput(r, count) {
							out[i] += x
						}
					}
					return out
				}
				send, recv := in, make([]byte, len(in))
				if inPlace {
					copy(recv, in)
					send = nil
				}
				if err := Scan(ctx, c, send, recv, comm.TypeInt32, OpSum); err != nil {
					return err
				}
				if got := toI32(recv); !eqI32(got, prefix(me+1)) {
					return fail(c, "scan: got %v, want %v", got, prefix(me+1))
				}
				send, recv = in, i32s(-7, -7, -7, -7, -7)
				if inPlace {
					copy(recv, in)
					send = nil
				}
				if err := Exscan(ctx, c, send, recv, comm.TypeInt32, OpSum); err != nil {
					return err
				}
				want := prefix(me)
				if me == 0 { // untouched
					want = []int32{-7, -7, -7, -7, -7}
					if inPlace {
						want = intInput(0, count)
					}
				}
				if got := toI32(recv); !eqI32(got, want) {
					return fail(c, "exscan: got %v, want %v", got, want)
				}
				return nil
			})
		}
	}
}

func TestReduceLocal(t *testing.T) {
	in, inout := i32s(1, -5, 7), i32s(2, 3, -9)
	if err := ReduceLocal(in, inout, comm.TypeInt32, OpSum); err != nil {
		t.Fatal(err)
	}
	if got := toI32(inout); !eqI32(got, []int32{3, -2, -2}) {
		t.Errorf("reduce_local sum: %v", got)
	}
	if err := ReduceLocal(in, in, comm.TypeInt32, OpMax); err != nil {
		t.Errorf("same buffer: %v", err)
	}
	checks := []struct {
		err   error
		class comm.ErrorClass
	}{
		{ReduceLocal(in, inout, comm.TypeByte, OpSum), comm.ErrOp},
		{ReduceLocal(in, inout, comm.TypeInt32, OpReplace), comm.ErrOp},
		{ReduceLocal(in, inout, comm.TypeInt32, OpNull), comm.ErrOp},
		{ReduceLocal(in, inout, comm.TypeNull, OpSum), comm.ErrType},
		{ReduceLocal(in, inout[:8], comm.TypeInt32, OpSum), comm.ErrArg},
		{ReduceLocal(in[:4], in[2:6], comm.TypeByte, OpBor), comm.ErrBuffer},
	}
	for i, ch := range checks {
		if got := comm.ClassOf(ch.err); got != ch.class {
			t.Errorf("case %d: got %v (%v), want %v", i, got, ch.err, ch.class)
		}
	}
}
