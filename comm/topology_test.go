package comm

import (
	"slices"
	"testing"
	"time"
)

func TestDimsCreate(t *testing.T) {
	cases := []struct {
		nnodes   int
		in, want []int
	}{
		{6, []int{0, 0}, []int{3, 2}},
		{7, []int{0, 0}, []int{7, 1}},
		{6, []int{0, 3, 0}, []int{2, 3, 1}},
		{16, []int{0, 0, 0}, []int{4, 2, 2}},
		{12, []int{0, 0}, []int{4, 3}},
		{36, []int{0, 0, 0}, []int{4, 3, 3}},
		{64, []int{0, 0, 0, 0}, []int{4, 4, 2, 2}},
		{1, []int{0, 0, 0}, []int{1, 1, 1}},
		{8, []int{2, 0, 2}, []int{2, 2, 2}},
		{24, []int{0, 0, 0}, []int{4, 3, 2}},
		{2147483647, []int{0, 0}, []int{2147483647, 1}},
		{1, []int{}, []int{}},
		{5, []int{5}, []int{5}},
	}
	for _, c := range cases {
		got := slices.Clone(c.in)
		if err := DimsCreate(c.nnodes, got); err != nil || !slices.Equal(got, c.want) {
			t.Errorf("DimsCreate(%d, %v) = %v, %v; want %v", c.nnodes, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct {
		nnodes int
		in     []int
	}{{7, []int{0, 3, 0}}, {0, []int{0}}, {6, []int{-1, 0}}, {6, []int{2, 2}}, {4, []int{}}, {4, []int{8, 0}}} {
		if err := DimsCreate(c.nnodes, slices.Clone(c.in)); ClassOf(err) != ErrDims {
			t.Errorf("DimsCreate(%d, %v) = %v, want MPI_ERR_DIMS", c.nnodes, c.in, err)
		}
	}
}

func TestCart(t *testing.T) {
	g, err := NewCart([]int{3, 4}, []bool{true, false})
	if err != nil {
		t.Fatal(err)
	}
	if g.Size() != 12 {
		t.Fatalf("size %d", g.Size())
	}
	for r := 0; r < 12; r++ {
		c := g.Coords(r)
		if c[0] != r/4 || c[1] != r%4 {
			t.Errorf("Coords(%d) = %v", r, c)
		}
		if back, _ := g.Rank(c); back != r {
			t.Errorf("Rank(%v) = %d, want %d", c, back, r)
		}
	}
	if r, err := g.Rank([]int{-1, 2}); err != nil || r != 10 {
		t.Errorf("periodic wrap: %d, %v", r, err)
	}
	if _, err := g.Rank([]int{0, 4}); ClassOf(err) != ErrArg {
		t.Errorf("non-periodic overflow: %v", err)
	}
	if s, d := g.Shift(0, 0, 1); s != 8 || d != 4 {
		t.Errorf("Shift(0, dim 0) = %d, %d", s, d)
	}
	if s, d := g.Shift(0, 1, 1); s != ProcNull || d != 1 {
		t.Errorf("Shift(0, dim 1) = %d, %d", s, d)
	}
	if s, d := g.Shift(5, 1, 2); s != ProcNull || d != 7 {
		t.Errorf("Shift(5, dim 1, 2) = %d, %d", s, d)
	}
	nb := g.neighborhood(5)
	if !slices.Equal(nb.Sources, []int{1, 9, 4, 6}) || !slices.Equal(nb.Dests, nb.Sources) {
		t.Errorf("neighbours of 5: %+v", nb)
	}
	sub, color := g.Sub(7, []bool{false, true})
	if !slices.Equal(sub.Dims, []int{4}) || !slices.Equal(sub.Periods, []bool{false}) || color != 1 {
		t.Errorf("Sub: %+v colour %d", sub, color)
	}
	if _, err := NewCart([]int{2, 0}, []bool{false, false}); ClassOf(err) != ErrDims {
		t.Errorf("zero extent: %v", err)
	}
}

func TestGraph(t *testing.T) {
	g, err := NewGraph([]int{2, 3, 4, 4}, []int{1, 2, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if !g.Symmetric || g.Nodes() != 4 || !slices.Equal(g.Neighbors(0), []int{1, 2}) || len(g.Neighbors(3)) != 0 {
		t.Errorf("graph %+v", g)
	}
	if g, err := NewGraph([]int{1, 1}, []int{1}); err != nil || g.Symmetric {
		t.Errorf("one-way edge: %+v, %v", g, err)
	}
	for _, bad := range [][2][]int{{{2, 1}, {1, 0}}, {{1, 2}, {1}}, {{1, 2}, {1, 2}}, {{1, 2}, {1, -1}}} {
		if _, err := NewGraph(bad[0], bad[1]); ClassOf(err) != ErrArg {
			t.Errorf("NewGraph(%v, %v) = %v, want MPI_ERR_ARG", bad[0], bad[1], err)
		}
	}
}

// DimsCreate agrees with an exhaustive search over every non-increasing
// factorisation, and stays fast for numbers with many divisors.
func TestDimsCreateExhaustive(t *testing.T) {
	var all func(n, k, limit int, cur []int, visit func([]int))
	all = func(n, k, limit int, cur []int, visit func([]int)) {
		if k == 1 {
			if n <= limit {
				visit(append(cur, n))
			}
			return
		}
		for f := min(n, limit); f >= 1; f-- {
			if n%f == 0 {
				all(n/f, k-1, f, append(cur, f), visit)
			}
		}
	}
	for n := 1; n <= 400; n++ {
		for k := 1; k <= 6; k++ {
			var best []int
			all(n, k, n, nil, func(v []int) {
				if best == nil || v[0]-v[k-1] < best[0]-best[k-1] || (v[0]-v[k-1] == best[0]-best[k-1] && v[0] < best[0]) {
					best = slices.Clone(v)
				}
			})
			got := make([]int, k)
			if err := DimsCreate(n, got); err != nil {
				t.Fatal(err)
			}
			// Ties beyond spread and largest factor go to the
			// lexicographically largest, the first one found here.
			if !slices.Equal(got, best) {
				t.Errorf("DimsCreate(%d, %d) = %v, an exhaustive search finds %v", n, k, got, best)
			}
			prod := 1
			for _, d := range got {
				prod *= d
			}
			if prod != n {
				t.Errorf("DimsCreate(%d, %d) = %v: product %d", n, k, got, prod)
			}
		}
	}
	start := time.Now()
	for _, n := range []int{735134400, 1 << 30, 2147483647, 223092870} {
		for _, k := range []int{2, 3, 6, 12, 31, 1000} {
			if err := DimsCreate(n, make([]int, k)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("DimsCreate on numbers with many divisors took %v", d)
	}
}
