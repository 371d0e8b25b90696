package comm_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
)

func grp(t *testing.T, ranks ...int) *comm.Group {
	t.Helper()
	g, err := comm.NewGroup(ranks)
	if err != nil {
		t.Fatalf("NewGroup(%v): %v", ranks, err)
	}
	return g
}

func grpIs(t *testing.T, what string, g *comm.Group, want ...int) {
	t.Helper()
	if got := g.WorldRanks(); !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func TestGroupNew(t *testing.T) {
	src := []int{5, 3, 9}
	g := grp(t, src...)
	src[0] = 7 // the group keeps its own copy
	grpIs(t, "NewGroup", g, 5, 3, 9)
	if g.Size() != 3 || g.WorldRank(1) != 3 {
		t.Errorf("Size %d WorldRank(1) %d", g.Size(), g.WorldRank(1))
	}
	for w, want := range map[int]int{5: 0, 3: 1, 9: 2, 0: comm.Undefined, 4: comm.Undefined} {
		if got := g.Rank(w); got != want {
			t.Errorf("Rank(%d) = %d, want %d", w, got, want)
		}
	}
	_, err := comm.NewGroup([]int{1, 2, 1})
	mtClass(t, "duplicate world rank", err, comm.ErrRank)
	_, err = comm.NewGroup([]int{-1})
	mtClass(t, "negative world rank", err, comm.ErrRank)
	if e, _ := comm.NewGroup(nil); e != comm.EmptyGroup || e.Size() != 0 {
		t.Errorf("NewGroup(nil) is not EmptyGroup")
	}
}

// TestGroupLargeRank exercises the indexed lookup used for large groups.
func TestGroupLargeRank(t *testing.T) {
	var ranks []int
	for i := 0; i < 100; i++ {
		ranks = append(ranks, 3*i+1)
	}
	g := grp(t, ranks...)
	for i, w := range ranks {
		if g.Rank(w) != i {
			t.Fatalf("Rank(%d) = %d, want %d", w, g.Rank(w), i)
		}
		if g.Rank(w+1) != comm.Undefined {
			t.Fatalf("Rank(%d) = %d, want Undefined", w+1, g.Rank(w+1))
		}
	}
}

func TestGroupAlgebra(t *testing.T) {
	a := grp(t, 0, 1, 2, 3, 4)
	b := grp(t, 6, 4, 2, 5)
	grpIs(t, "a∪b", a.Union(b), 0, 1, 2, 3, 4, 6, 5)
	grpIs(t, "b∪a", b.Union(a), 6, 4, 2, 5, 0, 1, 3)
	grpIs(t, "a∩b", a.Intersection(b), 2, 4)
	grpIs(t, "b∩a", b.Intersection(a), 4, 2)
	grpIs(t, "a−b", a.Difference(b), 0, 1, 3)
	grpIs(t, "b−a", b.Difference(a), 6, 5)
	if e := a.Difference(a); e != comm.EmptyGroup {
		t.Errorf("a−a is not EmptyGroup: %v", e.WorldRanks())
	}
	if e := a.Intersection(grp(t, 9)); e != comm.EmptyGroup {
		t.Errorf("disjoint intersection is not EmptyGroup")
	}
	grpIs(t, "a∪∅", a.Union(comm.EmptyGroup), 0, 1, 2, 3, 4)
	grpIs(t, "∅∪b", comm.EmptyGroup.Union(b), 6, 4, 2, 5)
}

func TestGroupCompare(t *testing.T) {
	cases := []struct {
		a, b []int
		want comm.Relation
	}{
		{[]int{0, 1, 2}, []int{0, 1, 2}, comm.Ident},
		{[]int{0, 1, 2}, []int{2, 0, 1}, comm.Similar},
		{[]int{0, 1, 2}, []int{0, 1}, comm.Unequal},
		{[]int{0, 1, 2}, []int{0, 1, 3}, comm.Unequal},
		{nil, nil, comm.Ident},
	}
	for _, c := range cases {
		if got := comm.CompareGroups(grp(t, c.a...), grp(t, c.b...)); got != c.want {
			t.Errorf("CompareGroups(%v, %v) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestGroupInclExcl(t *testing.T) {
	g := grp(t, 10, 11, 12, 13, 14, 15)
	in, err := g.Incl([]int{5, 0, 3})
	mtNoErr(t, "Incl", err)
	grpIs(t, "Incl(5,0,3)", in, 15, 10, 13)
	ex, err := g.Excl([]int{5, 0, 3})
	mtNoErr(t, "Excl", err)
	grpIs(t, "Excl(5,0,3)", ex, 11, 12, 14)
	if e, _ := g.Incl(nil); e != comm.EmptyGroup {
		t.Errorf("Incl() is not EmptyGroup")
	}
	all, _ := g.Excl(nil)
	grpIs(t, "Excl()", all, 10, 11, 12, 13, 14, 15)
	for _, bad := range [][]int{{6}, {-1}, {1, 2, 1}} {
		_, err := g.Incl(bad)
		mtClass(t, "Incl bad", err, comm.ErrRank)
		_, err = g.Excl(bad)
		mtClass(t, "Excl bad", err, comm.ErrRank)
	}
}

func TestGroupRanges(t *testing.T) {
	var ranks []int
	for i := 0; i < 10; i++ {
		ranks = append(ranks, 100+i)
	}
	g := grp(t, ranks...)
	r := func(f, l, s int) comm.Range { return comm.Range{First: f, Last: l, Stride: s} }
	cases := []struct {
		rs       []comm.Range
		incl     []int
		excl     []int
		inclName string
	}{
		{[]comm.Range{r(0, 9, 3)}, []int{100, 103, 106, 109}, []int{101, 102, 104, 105, 107, 108}, "0..9 step 3"},
		{[]comm.Range{r(9, 0, -4)}, []int{109, 105, 101}, []int{100, 102, 103, 104, 106, 107, 108}, "9..0 step -4"},
		{[]comm.Range{r(1, 2, 5)}, []int{101}, []int{100, 102, 103, 104, 105, 106, 107, 108, 109}, "stride past last"},
		{[]comm.Range{r(4, 4, -1), r(0, 1, 1)}, []int{104, 100, 101}, []int{102, 103, 105, 106, 107, 108, 109}, "two ranges"},
		{[]comm.Range{r(0, 9, 1)}, ranks, nil, "all"},
		{nil, nil, ranks, "none"},
	}
	for _, c := range cases {
		in, err := g.RangeIncl(c.rs)
		mtNoErr(t, "RangeIncl "+c.inclName, err)
		grpIs(t, "RangeIncl "+c.inclName, in, c.incl...)
		ex, err := g.RangeExcl(c.rs)
		mtNoErr(t, "RangeExcl "+c.inclName, err)
		grpIs(t, "RangeExcl "+c.inclName, ex, c.excl...)
	}
	bad := []struct {
		rs    []comm.Range
		class comm.ErrorClass
	}{
		{[]comm.Range{r(0, 5, 0)}, comm.ErrArg},
		{[]comm.Range{r(-1, 5, 1)}, comm.ErrRank},
		{[]comm.Range{r(0, 10, 1)}, comm.ErrRank},
		{[]comm.Range{r(10, 0, -1)}, comm.ErrRank},
		{[]comm.Range{r(5, 2, 1)}, comm.ErrArg},
		{[]comm.Range{r(2, 5, -1)}, comm.ErrArg},
		{[]comm.Range{r(0, 4, 2), r(4, 6, 1)}, comm.ErrRank},
	}
	for _, b := range bad {
		_, err := g.RangeIncl(b.rs)
		mtClass(t, "RangeIncl bad", err, b.class)
		_, err = g.RangeExcl(b.rs)
		mtClass(t, "RangeExcl bad", err, b.class)
	}
}

func TestGroupTranslate(t *testing.T) {
	g := grp(t, 4, 2, 0, 6)
	h := grp(t, 0, 1, 2, 3)
	got, err := g.Translate([]int{0, 1, 2, 3, comm.ProcNull}, h)
	mtNoErr(t, "Translate", err)
	want := []int{comm.Undefined, 2, 0, comm.Undefined, comm.ProcNull}
	if !slices.Equal(got, want) {
		t.Errorf("Translate = %v, want %v", got, want)
	}
	_, err = g.Translate([]int{4}, h)
	mtClass(t, "Translate out of range", err, comm.ErrRank)
	_, err = g.Translate([]int{comm.AnySource}, h)
	mtClass(t, "Translate AnySource", err, comm.ErrRank)
}

// TestCommGroup: a communicator's group is its world ranks in rank order.
func TestCommGroup(t *testing.T) {
	w, _ := mtWorld(t, 4)
	c, err := w.Comm(2, 8, []int{3, 2, 0})
	mtNoErr(t, "Comm", err)
	grpIs(t, "Group", c.Group(), 3, 2, 0)
}

// TestInterComm: point-to-point on an intercommunicator addresses the remote
// group, the source a receiver sees is the sender's local rank, and traffic
// of two intercommunicators with different contexts never mixes.
func TestInterComm(t *testing.T) {
	w, _ := mtWorld(t, 5)
	ga, gb := grp(t, 4, 0), grp(t, 1, 3, 2)
	mk := func(ctx uint32, r int) *comm.Comm {
		local, remote := ga, gb
		if gb.Contains(r) {
			local, remote = gb, ga
		}
		c, err := w.InterComm(r, ctx, local, remote)
		mtNoErr(t, "InterComm", err)
		return c
	}
	ctx := context.Background()
	// a0 (world 4) sends to b2 (world 2) on context 20; a1 (world 0) sends
	// to b2 on context 22. b2 receives from any source on each context.
	a0, a1 := mk(20, 4), mk(22, 0)
	b2x, b2y := mk(20, 2), mk(22, 2)
	if a0.Size() != 3 || a0.Rank() != 0 || b2x.Size() != 2 || b2x.Rank() != 2 {
		t.Fatalf("sizes/ranks: a0 %d/%d b2 %d/%d", a0.Size(), a0.Rank(), b2x.Size(), b2x.Rank())
	}
	mtNoErr(t, "a1 send", a1.Send(ctx, []byte("y"), 2, 7, comm.ModeStandard))
	mtNoErr(t, "a0 send", a0.Send(ctx, []byte("x"), 2, 7, comm.ModeStandard))
	buf := make([]byte, 1)
	st, err := b2x.Recv(ctx, buf, comm.AnySource, comm.AnyTag)
	mtNoErr(t, "b2 recv ctx 20", err)
	mtCheckStatus(t, "b2 recv ctx 20", st, 0, 7, 1)
	if buf[0] != 'x' {
		t.Errorf("context 20 got %q", buf)
	}
	st, err = b2y.Recv(ctx, buf, comm.AnySource, comm.AnyTag)
	mtNoErr(t, "b2 recv ctx 22", err)
	mtCheckStatus(t, "b2 recv ctx 22", st, 1, 7, 1)
	if buf[0] != 'y' {
		t.Errorf("context 22 got %q", buf)
	}
	// Rank 3 of the remote group does not exist for a0.
	_, err = a0.Isend(ctx, buf, 3, 0, comm.ModeStandard)
	mtClass(t, "send to remote rank 3", err, comm.ErrRank)
	// b0 (world 1) answers a1 (world 0) in the other direction.
	b0 := mk(22, 1)
	done := make(chan error, 1)
	go func() { done <- b0.Send(ctx, []byte("z"), 1, 3, comm.ModeSync) }()
	st, err = a1.Recv(ctx, buf, 0, 3)
	mtNoErr(t, "a1 recv", err)
	mtCheckStatus(t, "a1 recv", st, 0, 3, 1)
	select {
	case err := <-done:
		mtNoErr(t, "b0 ssend", err)
	case <-time.After(5 * time.Second):
		t.Fatal("synchronous send did not complete")
	}
	if _, err := w.InterComm(4, 30, ga, grp(t, 0, 1)); err == nil {
		t.Errorf("overlapping groups accepted")
	}
	if _, err := w.InterComm(1, 30, ga, gb); err == nil {
		t.Errorf("rank outside the local group accepted")
	}
}

// TestConcurrentCollectivesOnTwoContexts: every rank runs Allreduces on a
// communicator and on a duplicate (another context, same group) from two
// goroutines at once; the traffic of the two never mixes.
func TestConcurrentCollectivesOnTwoContexts(t *testing.T) {
	const n, rounds = 5, 200
	w, parent := mtWorld(t, n)
	dup := mtComms(t, w, 8)
	ctx := w.Context()
	errs := make(chan error, 2*n)
	var wg sync.WaitGroup
	run := func(c *comm.Comm, scale int) {
		defer wg.Done()
		in, out := make([]byte, 8), make([]byte, 8)
		for i := 0; i < rounds; i++ {
			binary.LittleEndian.PutUint64(in, uint64(scale*(c.Rank()+i)))
			if err := collective.Allreduce(ctx, c, in, out, comm.TypeInt64, collective.OpSum); err != nil {
				errs <- err
				return
			}
			want := scale * (n*(n-1)/2 + n*i)
			if got := int(binary.LittleEndian.Uint64(out)); got != want {
				errs <- fmt.Errorf("rank %d context %d round %d: sum %d, want %d", c.Rank(), c.Context(), i, got, want)
				return
			}
		}
	}
	for r := 0; r < n; r++ {
		wg.Add(2)
		go run(parent[r], 1)
		go run(dup[r], 1000)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
