package rma

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
)

// newTestWindow makes a window of n ranks with size bytes each, rank r's
// memory starting at guest address 0x1000*(r+1), displacement unit du.
func newTestWindow(n, size int, du int64) (*Window, [][]byte) {
	mems := make([][]byte, n)
	ms := make([]Member, n)
	for r := range ms {
		mems[r] = make([]byte, size)
		ms[r] = Member{Region: Region{Base: uint64(0x1000 * (r + 1)), Mem: mems[r]}, DispUnit: du}
	}
	return NewWindow(ms), mems
}

func intLayout(b []byte) Layout {
	return Layout{Mem: b, Type: comm.BasicTypeMap(comm.TypeInt), Count: int64(len(b) / 4)}
}

func i32(b []byte, i int) int32 { return int32(binary.LittleEndian.Uint32(b[4*i:])) }

func TestPutGetDerived(t *testing.T) {
	w, mems := newTestWindow(2, 64, 4)
	// every other int of 4 at the target, from 4 contiguous ints
	vec, err := comm.Vector(4, 1, 2, comm.BasicTypeMap(comm.TypeInt))
	if err != nil {
		t.Fatal(err)
	}
	src := make([]byte, 16)
	for i := 0; i < 4; i++ {
		binary.LittleEndian.PutUint32(src[4*i:], uint32(10+i))
	}
	if err := w.Put(Target{Rank: 1, Disp: 1, Type: vec, Count: 1}, intLayout(src)); err != nil {
		t.Fatal(err)
	}
	want := []int32{0, 10, 0, 11, 0, 12, 0, 13, 0}
	for i, v := range want {
		if got := i32(mems[1], i); got != v {
			t.Errorf("target int %d = %d, want %d", i, got, v)
		}
	}
	// and back into a strided origin buffer
	dst := make([]byte, 40)
	if err := w.Get(Target{Rank: 1, Disp: 1, Type: vec, Count: 1}, Layout{Mem: dst, Origin: 4, Type: vec, Count: 1}); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 4; i++ {
		if got := i32(dst, 1+2*i); got != int32(10+i) {
			t.Errorf("got int %d = %d, want %d", 1+2*i, got, 10+i)
		}
	}
}

func TestRangeAndTypeErrors(t *testing.T) {
	w, _ := newTestWindow(2, 16, 4)
	src := make([]byte, 8)
	var re *Error
	if err := w.Put(Target{Rank: 0, Disp: 3, Type: comm.BasicTypeMap(comm.TypeInt), Count: 2}, intLayout(src)); !errors.As(err, &re) || re.Kind != ErrRange {
		t.Errorf("put past the end: %v, want ErrRange", err)
	}
	if err := w.Put(Target{Rank: 0, Disp: -1, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}, intLayout(src[:4])); !errors.As(err, &re) || re.Kind != ErrRange {
		t.Errorf("negative displacement: %v, want ErrRange", err)
	}
	if err := w.Put(Target{Rank: 2, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}, intLayout(src[:4])); comm.ClassOf(err) != comm.ErrRank {
		t.Errorf("rank 2: %v, want ErrRank", err)
	}
	if err := w.Put(Target{Rank: 0, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}, intLayout(src)); comm.ClassOf(err) != comm.ErrTruncate {
		t.Errorf("8 bytes into 4: %v, want ErrTruncate", err)
	}
	if err := w.Accumulate(Target{Rank: 0, Type: comm.BasicTypeMap(comm.TypeDouble), Count: 1}, Layout{Mem: src, Type: comm.BasicTypeMap(comm.TypeDouble), Count: 1}, comm.TypeDouble, collective.OpBand, nil); comm.ClassOf(err) != comm.ErrOp {
		t.Errorf("BAND on double: %v, want ErrOp", err)
	}
}

// TestConcurrentFetchAndOp has every rank add to one counter many times
// under shared locks: the total must be exact.
func TestConcurrentFetchAndOp(t *testing.T) {
	const n, iters = 8, 200
	w, mems := newTestWindow(n, 8, 1)
	ctx := context.Background()
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			one, old := make([]byte, 4), make([]byte, 4)
			binary.LittleEndian.PutUint32(one, 1)
			for i := 0; i < iters; i++ {
				if err := w.Lock(ctx, r, 0, false); err != nil {
					t.Error(err)
					return
				}
				res := intLayout(old)
				if err := w.Accumulate(Target{Rank: 0, Disp: 4, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}, intLayout(one), comm.TypeInt, collective.OpSum, &res); err != nil {
					t.Error(err)
				}
				if err := w.Unlock(r, 0, false); err != nil {
					t.Error(err)
				}
			}
		}(r)
	}
	wg.Wait()
	if got := i32(mems[0], 1); got != n*iters {
		t.Errorf("counter = %d, want %d", got, n*iters)
	}
}

// TestExclusiveLock increments a counter with plain Get and Put under an
// exclusive lock: no update may be lost.
func TestExclusiveLock(t *testing.T) {
	const n, iters = 4, 100
	w, mems := newTestWindow(n, 4, 4)
	ctx := context.Background()
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			buf := make([]byte, 4)
			tgt := Target{Rank: n - 1, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}
			for i := 0; i < iters; i++ {
				if err := w.Lock(ctx, r, n-1, true); err != nil {
					t.Error(err)
					return
				}
				_ = w.Get(tgt, intLayout(buf))
				binary.LittleEndian.PutUint32(buf, binary.LittleEndian.Uint32(buf)+1)
				_ = w.Put(tgt, intLayout(buf))
				if err := w.Unlock(r, n-1, true); err != nil {
					t.Error(err)
				}
			}
		}(r)
	}
	wg.Wait()
	if got := i32(mems[n-1], 0); got != n*iters {
		t.Errorf("counter = %d, want %d", got, n*iters)
	}
	if err := w.Unlock(0, 0, true); err == nil {
		t.Error("unlock without a lock succeeded")
	}
}

// TestPSCWAndBarrier runs rounds of post/start/complete/wait in a ring and
// a barrier between rounds.
func TestPSCWAndBarrier(t *testing.T) {
	const n, rounds = 5, 20
	w, mems := newTestWindow(n, 4, 4)
	ctx := context.Background()
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			left, right := (r+n-1)%n, (r+1)%n
			buf := make([]byte, 4)
			for k := 1; k <= rounds; k++ {
				w.Post(r, []int{left})
				if err := w.Start(ctx, r, []int{right}); err != nil {
					t.Error(err)
					return
				}
				binary.LittleEndian.PutUint32(buf, uint32(100*k+r))
				if err := w.Put(Target{Rank: right, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}, intLayout(buf)); err != nil {
					t.Error(err)
				}
				w.Complete(r, []int{right})
				if err := w.Wait(ctx, r, []int{left}); err != nil {
					t.Error(err)
					return
				}
				if got := i32(mems[r], 0); got != int32(100*k+left) {
					t.Errorf("round %d rank %d: got %d, want %d", k, r, got, 100*k+left)
				}
				if err := w.Barrier(ctx); err != nil {
					t.Error(err)
					return
				}
			}
		}(r)
	}
	wg.Wait()
}

func TestWaitStopsWithContext(t *testing.T) {
	w, _ := newTestWindow(2, 4, 4)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() { time.Sleep(20 * time.Millisecond); cancel(fmt.Errorf("job stopped")) }()
	if err := w.Start(ctx, 0, []int{1}); err == nil {
		t.Fatal("Start without a Post returned nil")
	}
	if err := w.Barrier(ctx); err == nil {
		t.Fatal("Barrier with one rank returned nil")
	}
}

func TestDynamicAndCompareAndSwap(t *testing.T) {
	ms := []Member{{DispUnit: 1, Dynamic: true}, {DispUnit: 1, Dynamic: true}}
	w := NewWindow(ms)
	mem := make([]byte, 16)
	tgt := Target{Rank: 1, Disp: 0x2004, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}
	buf := []byte{7, 0, 0, 0}
	var re *Error
	if err := w.Put(tgt, intLayout(buf)); !errors.As(err, &re) || re.Kind != ErrRange {
		t.Fatalf("put before attach: %v", err)
	}
	if err := w.Attach(1, Region{Base: 0x2000, Mem: mem}); err != nil {
		t.Fatal(err)
	}
	if err := w.Attach(1, Region{Base: 0x2008, Mem: make([]byte, 4)}); !errors.As(err, &re) || re.Kind != ErrAttach {
		t.Errorf("overlapping attach: %v", err)
	}
	if err := w.Put(tgt, intLayout(buf)); err != nil {
		t.Fatal(err)
	}
	res := make([]byte, 4)
	if err := w.CompareAndSwap(tgt, comm.TypeInt, []byte{9, 0, 0, 0}, []byte{7, 0, 0, 0}, res); err != nil {
		t.Fatal(err)
	}
	if i32(res, 0) != 7 || i32(mem, 1) != 9 {
		t.Errorf("CAS: result %d, memory %d; want 7, 9", i32(res, 0), i32(mem, 1))
	}
	if err := w.CompareAndSwap(tgt, comm.TypeInt, []byte{1, 0, 0, 0}, []byte{7, 0, 0, 0}, res); err != nil || i32(res, 0) != 9 || i32(mem, 1) != 9 {
		t.Errorf("failing CAS: %v, result %d, memory %d", err, i32(res, 0), i32(mem, 1))
	}
	if err := w.Detach(1, 0x2000); err != nil {
		t.Fatal(err)
	}
	if err := w.Detach(1, 0x2000); !errors.As(err, &re) || re.Kind != ErrAttach {
		t.Errorf("second detach: %v", err)
	}
}

func TestRegistryJoin(t *testing.T) {
	var g Registry
	const n = 4
	ws := make([]*Window, n)
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			w, err := g.Join(context.Background(), "k", n, r, Member{DispUnit: int64(r + 1)})
			if err != nil {
				t.Error(err)
			}
			ws[r] = w
		}(r)
	}
	wg.Wait()
	for r := 0; r < n; r++ {
		if ws[r] != ws[0] || ws[0].Member(r).DispUnit != int64(r+1) {
			t.Fatalf("rank %d got another window or member", r)
		}
	}
}

// TestAccumulateStrided combines a strided origin into a strided target
// and fetches the old values into a strided result.
func TestAccumulateStrided(t *testing.T) {
	w, mems := newTestWindow(1, 32, 4)
	every2, err := comm.Vector(4, 1, 2, comm.BasicTypeMap(comm.TypeInt))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		binary.LittleEndian.PutUint32(mems[0][4*i:], uint32(i))
	}
	in := make([]byte, 32)
	for i := 0; i < 8; i++ {
		binary.LittleEndian.PutUint32(in[4*i:], uint32(100*i))
	}
	res := make([]byte, 32)
	rl := Layout{Mem: res, Origin: 4, Type: every2, Count: 1}
	// target: ints 1, 3, 5, 7; origin: ints 0, 2, 4, 6; result: ints 1, 3, 5, 7
	if err := w.Accumulate(Target{Rank: 0, Disp: 1, Type: every2, Count: 1}, Layout{Mem: in, Type: every2, Count: 1}, comm.TypeInt, collective.OpSum, &rl); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 8; i++ {
		want := int32(i)
		if i%2 == 1 {
			want += int32(100 * (i - 1))
		}
		if got := i32(mems[0], i); got != want {
			t.Errorf("target int %d = %d, want %d", i, got, want)
		}
		wantRes := int32(0)
		if i%2 == 1 {
			wantRes = int32(i)
		}
		if got := i32(res, i); got != wantRes {
			t.Errorf("result int %d = %d, want %d", i, got, wantRes)
		}
	}
	// MPI_NO_OP only fetches; a mixed accumulate is refused
	if err := w.Accumulate(Target{Rank: 0, Disp: 1, Type: every2, Count: 1}, Layout{Type: every2}, comm.TypeInt, collective.OpNoOp, &rl); err != nil {
		t.Fatal(err)
	}
	if got := i32(res, 3); got != 3+200 {
		t.Errorf("no-op fetch %d, want 203", got)
	}
	if err := w.Accumulate(Target{Rank: 0, Type: comm.BasicTypeMap(comm.TypeFloat), Count: 1}, Layout{Mem: in, Type: comm.BasicTypeMap(comm.TypeInt), Count: 1}, comm.TypeInt, collective.OpSum, nil); comm.ClassOf(err) != comm.ErrType {
		t.Errorf("int into float: %v, want ErrType", err)
	}
}

// TestSignatures: mixed type signatures must match basic type by basic
// type; MPI_BYTE matches anything.
func TestSignatures(t *testing.T) {
	w, mems := newTestWindow(1, 64, 1)
	i, d := comm.BasicTypeMap(comm.TypeInt), comm.BasicTypeMap(comm.TypeDouble)
	intDouble, err := comm.Struct([]int64{1, 1}, []int64{0, 8}, []*comm.TypeMap{i, d})
	if err != nil {
		t.Fatal(err)
	}
	doubleInt, err := comm.Struct([]int64{1, 1}, []int64{0, 8}, []*comm.TypeMap{d, i})
	if err != nil {
		t.Fatal(err)
	}
	src := make([]byte, 16)
	binary.LittleEndian.PutUint32(src, 5)
	binary.LittleEndian.PutUint64(src[8:], 0x4000000000000000) // 2.0
	if err := w.Put(Target{Rank: 0, Disp: 16, Type: intDouble, Count: 1}, Layout{Mem: src, Type: intDouble, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if i32(mems[0], 4) != 5 || binary.LittleEndian.Uint64(mems[0][24:]) != 0x4000000000000000 {
		t.Errorf("struct put: %v", mems[0][16:32])
	}
	if err := w.Put(Target{Rank: 0, Type: doubleInt, Count: 1}, Layout{Mem: src, Type: intDouble, Count: 1}); comm.ClassOf(err) != comm.ErrType {
		t.Errorf("int+double into double+int: %v, want ErrType", err)
	}
	bytes12 := Layout{Mem: src, Type: comm.BasicTypeMap(comm.TypeByte), Count: 12}
	if err := w.Put(Target{Rank: 0, Disp: 32, Type: intDouble, Count: 1}, bytes12); err != nil {
		t.Errorf("bytes into a struct: %v", err)
	}
}
