package collective

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// testSizes are the communicator sizes every collective is tested with.
var testSizes = []int{1, 2, 3, 4, 5, 8}

// rankFunc is the body one rank runs.
type rankFunc func(ctx context.Context, c *comm.Comm) error

// runRanks creates a world of n ranks, gives rank r the communicator
// w.Comm(r, 0, [0..n-1]) and runs fn on its own goroutine for every rank.
// It returns the error of every rank. A hang fails the test through the
// timeout instead of blocking it.
func runRanks(t *testing.T, n int, fn rankFunc) []error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := comm.NewWorld(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	ranks := make([]int, n)
	for i := range ranks {
		ranks[i] = i
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		c, err := w.Comm(r, 0, ranks)
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					errs[r] = fmt.Errorf("rank %d panicked: %v", r, p)
				}
			}()
			errs[r] = fn(ctx, c)
		}()
	}
	wg.Wait()
	if ctx.Err() != nil {
		t.Fatalf("n=%d: timed out (a collective hung): %v", n, errs)
	}
	return errs
}

// mustRun is runRanks that fails the test on any rank's error.
func mustRun(t *testing.T, n int, fn rankFunc) {
	t.Helper()
	for r, err := range runRanks(t, n, fn) {
		if err != nil {
			t.Errorf("n=%d rank %d: %v", n, r, err)
		}
	}
}

// wantClass checks that every rank in which (nil for all) failed with class.
func wantClass(t *testing.T, errs []error, class comm.ErrorClass, which func(r int) bool) {
	t.Helper()
	for r, err := range errs {
		if which != nil && !which(r) {
			continue
		}
		if got := comm.ClassOf(err); got != class {
			t.Errorf("rank %d of %d: got %v (%v), want %v", r, len(errs), got, err, class)
		}
	}
}

// fail formats a data error of one rank.
func fail(c *comm.Comm, format string, args ...any) error {
	return fmt.Errorf("rank %d of %d: %s", c.Rank(), c.Size(), fmt.Sprintf(format, args...))
}

func i32s(v ...int32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
	}
	return b
}

func toI32(b []byte) []int32 {
	v := make([]int32, len(b)/4)
	for i := range v {
		v[i] = int32(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return v
}

func f64s(v ...float64) []byte {
	b := make([]byte, 8*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
	}
	return b
}

func toF64(b []byte) []float64 {
	v := make([]float64, len(b)/8)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return v
}

func eqI32(a []int32, b []int32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// pattern fills n bytes identifying (from, to) so misplaced data shows.
func pattern(from, to, n int) []byte {
	b := make([]byte, n)
	for k := range b {
		b[k] = byte(from*31 + to*7 + k*3 + 1)
	}
	return b
}

// filled returns n bytes of v.
func filled(n int, v byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = v
	}
	return b
}

// checkBytes compares got with want and reports the first difference.
func checkBytes(c *comm.Comm, what string, got, want []byte) error {
	if bytes.Equal(got, want) {
		return nil
	}
	if len(got) != len(want) {
		return fail(c, "%s: %d bytes, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fail(c, "%s: byte %d is %#x, want %#x", what, i, got[i], want[i])
		}
	}
	return nil
}

// layout places blocks of the given lengths in a buffer in the order given
// by perm, with gap bytes before each, and returns the displacements and
// the buffer length.
func layout(counts []int, perm []int, gap int) (displs []int, n int) {
	displs = make([]int, len(counts))
	for _, i := range perm {
		n += gap
		displs[i] = n
		n += counts[i]
	}
	return displs, n + gap
}

func reversed(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = n - 1 - i
	}
	return p
}

func identity(n int) []int {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	return p
}
