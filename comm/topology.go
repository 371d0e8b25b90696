package comm

import (
	"fmt"
	"math"
	"slices"
)

// Process topologies (MPI-4.1 chapter 8): the Cartesian, graph and
// distributed-graph structures a communicator may carry, the neighbour
// lists the neighbourhood collectives follow, and MPI_Dims_create's
// factorisation. A Topology is immutable once made, so a duplicate
// communicator can share it.

// TopologyKind says which kind of topology a communicator carries.
type TopologyKind int

// The topology kinds.
const (
	TopoCart TopologyKind = 1 + iota
	TopoGraph
	TopoDistGraph
)

func (k TopologyKind) String() string {
	switch k {
	case TopoCart:
		return "Cartesian"
	case TopoGraph:
		return "graph"
	case TopoDistGraph:
		return "distributed graph"
	}
	return fmt.Sprintf("TopologyKind(%d)", int(k))
}

// Topology is the virtual topology of a communicator; exactly one of Cart,
// Graph and Dist is set, as Kind says.
type Topology struct {
	Kind  TopologyKind
	Cart  *CartTopology
	Graph *GraphTopology
	Dist  *DistGraphTopology
}

// Neighborhood is what a neighbourhood collective exchanges with: the
// ranks it receives from and sends to, in the order the standard fixes for
// the blocks of the receive and send buffers (ProcNull entries have a block
// that is neither sent nor written). Labels pair a send with its receive
// when one pair of ranks is connected more than once: a message sent to
// Dests[j] lands in the first still-unfilled receive slot i of the
// destination with Sources[i] = sender and SourceLabels[i] =
// DestLabels[j]. Nil labels are all 0 (pairing in order). Labels are
// smaller than 256.
type Neighborhood struct {
	Sources, Dests           []int
	SourceLabels, DestLabels []int
}

// Neighbors returns the neighbourhood of rank me.
func (t *Topology) Neighbors(me int) Neighborhood {
	switch t.Kind {
	case TopoCart:
		return t.Cart.neighborhood(me)
	case TopoGraph:
		n := t.Graph.Neighbors(me)
		return Neighborhood{Sources: n, Dests: n}
	default:
		return Neighborhood{Sources: t.Dist.Sources, Dests: t.Dist.Dests}
	}
}

// CartTopology is a Cartesian grid; ranks are numbered in row-major order
// of the coordinates (the last dimension varies fastest).
type CartTopology struct {
	Dims    []int
	Periods []bool
}

// NewCart checks the extents of a grid and returns it. An extent must be
// positive (ErrDims).
func NewCart(dims []int, periods []bool) (*CartTopology, error) {
	if len(periods) != len(dims) {
		return nil, Errorf(ErrArg, "%d periods for %d dimensions", len(periods), len(dims))
	}
	size := 1
	for i, d := range dims {
		if d <= 0 {
			return nil, Errorf(ErrDims, "dims[%d] = %d: every extent of a Cartesian grid must be positive", i, d)
		}
		if size > (1<<31-1)/d {
			return nil, Errorf(ErrDims, "the grid has more than 2^31 points")
		}
		size *= d
	}
	return &CartTopology{Dims: slices.Clone(dims), Periods: slices.Clone(periods)}, nil
}

// Size is the number of grid points (1 for zero dimensions).
func (t *CartTopology) Size() int {
	n := 1
	for _, d := range t.Dims {
		n *= d
	}
	return n
}

// Rank is the rank at coords. A coordinate outside a periodic dimension
// wraps around; outside a non-periodic one it is an error (ErrArg).
func (t *CartTopology) Rank(coords []int) (int, error) {
	if len(coords) != len(t.Dims) {
		return 0, Errorf(ErrArg, "%d coordinates for %d dimensions", len(coords), len(t.Dims))
	}
	r := 0
	for i, d := range t.Dims {
		c := coords[i]
		if c < 0 || c >= d {
			if !t.Periods[i] {
				return 0, Errorf(ErrArg, "coordinate %d of dimension %d is outside [0, %d) and the dimension is not periodic", c, i, d)
			}
			c = ((c % d) + d) % d
		}
		r = r*d + c
	}
	return r, nil
}

// Coords are the coordinates of rank r (which must be in the grid).
func (t *CartTopology) Coords(r int) []int {
	out := make([]int, len(t.Dims))
	for i := len(t.Dims) - 1; i >= 0; i-- {
		out[i] = r % t.Dims[i]
		r /= t.Dims[i]
	}
	return out
}

// Shift is MPI_Cart_shift for rank r: the rank disp steps back (source) and
// disp steps forward (dest) along dimension dim, ProcNull past the edge of
// a non-periodic dimension. dim must be a dimension of the grid.
func (t *CartTopology) Shift(r, dim, disp int) (source, dest int) {
	at := func(step int) int {
		c := t.Coords(r)
		d := t.Dims[dim]
		c[dim] += step
		if c[dim] < 0 || c[dim] >= d {
			if !t.Periods[dim] {
				return ProcNull
			}
			c[dim] = ((c[dim] % d) + d) % d
		}
		n, _ := t.Rank(c)
		return n
	}
	return at(-disp), at(disp)
}

// neighborhood: for each dimension the neighbour one step back, then the
// one a step forward, both as sources and as destinations. A block sent
// backwards arrives at that neighbour as the one from its forward side, and
// the other way round, which the labels say (it matters when both
// neighbours are one process: a periodic dimension of extent 1 or 2).
func (t *CartTopology) neighborhood(me int) Neighborhood {
	n := 2 * len(t.Dims)
	nb := Neighborhood{Sources: make([]int, n), Dests: make([]int, n), SourceLabels: make([]int, n), DestLabels: make([]int, n)}
	for d := range t.Dims {
		back, fwd := t.Shift(me, d, 1)
		nb.Sources[2*d], nb.Sources[2*d+1] = back, fwd
		nb.Dests[2*d], nb.Dests[2*d+1] = back, fwd
		nb.SourceLabels[2*d], nb.SourceLabels[2*d+1] = 0, 1
		nb.DestLabels[2*d], nb.DestLabels[2*d+1] = 1, 0
	}
	return nb
}

// Sub is the grid of the dimensions with remain[i] set, and the colour
// that groups rank r with the ranks it shares a sub-grid with: the
// row-major index of its coordinates in the dropped dimensions.
func (t *CartTopology) Sub(r int, remain []bool) (*CartTopology, int) {
	c := t.Coords(r)
	sub := &CartTopology{Dims: []int{}, Periods: []bool{}}
	color := 0
	for i, d := range t.Dims {
		if remain[i] {
			sub.Dims = append(sub.Dims, d)
			sub.Periods = append(sub.Periods, t.Periods[i])
		} else {
			color = color*d + c[i]
		}
	}
	return sub, color
}

// GraphTopology is a graph given as in MPI_Graph_create: the neighbours of
// node i are Edges[Index[i-1]:Index[i]] (Index[-1] = 0).
type GraphTopology struct {
	Index []int
	Edges []int
	// Symmetric records whether every edge u->v is matched by as many v->u:
	// only then can neighbours exchange with each other.
	Symmetric bool
}

// NewGraph checks a graph description (ErrArg for a decreasing index, an
// edge count that does not match or an edge to a node outside the graph).
func NewGraph(index, edges []int) (*GraphTopology, error) {
	prev := 0
	for i, x := range index {
		if x < prev {
			return nil, Errorf(ErrArg, "index[%d] = %d is smaller than the entry before it (%d)", i, x, prev)
		}
		prev = x
	}
	if prev != len(edges) {
		return nil, Errorf(ErrArg, "the index counts %d edges but %d were given", prev, len(edges))
	}
	n := len(index)
	count := map[[2]int]int{}
	for u := 0; u < n; u++ {
		lo := 0
		if u > 0 {
			lo = index[u-1]
		}
		for _, v := range edges[lo:index[u]] {
			if v < 0 || v >= n {
				return nil, Errorf(ErrArg, "node %d has an edge to %d, outside the graph of %d nodes", u, v, n)
			}
			count[[2]int{u, v}]++
		}
	}
	sym := true
	for e, k := range count {
		if count[[2]int{e[1], e[0]}] != k {
			sym = false
			break
		}
	}
	return &GraphTopology{Index: slices.Clone(index), Edges: slices.Clone(edges), Symmetric: sym}, nil
}

// Nodes is the number of nodes of the graph.
func (g *GraphTopology) Nodes() int { return len(g.Index) }

// Neighbors lists the neighbours of node r in the order the edges gave
// them.
func (g *GraphTopology) Neighbors(r int) []int {
	lo := 0
	if r > 0 {
		lo = g.Index[r-1]
	}
	return g.Edges[lo:g.Index[r]]
}

// DistGraphTopology is one process's part of a distributed graph: the
// processes it receives from and sends to, with edge weights when the graph
// is weighted.
type DistGraphTopology struct {
	Sources, SourceWeights []int
	Dests, DestWeights     []int
	Weighted               bool
}

// DimsCreate fills the zero entries of dims with extents whose product with
// the non-zero ones is nnodes, as balanced as possible (the spread between
// the largest and the smallest chosen extent is minimal; among equally
// balanced choices the one with the smallest largest extent, then the
// lexicographically largest), placed in
// non-increasing order. Non-zero entries are kept. It fails with ErrDims
// for a negative entry, nnodes < 1 or nnodes not a multiple of the
// product of the non-zero entries.
func DimsCreate(nnodes int, dims []int) error {
	if nnodes < 1 {
		return Errorf(ErrDims, "nnodes = %d: the number of nodes must be positive", nnodes)
	}
	fixed, free := 1, 0
	for i, d := range dims {
		switch {
		case d < 0:
			return Errorf(ErrDims, "dims[%d] = %d is negative", i, d)
		case d == 0:
			free++
		default:
			if fixed > nnodes {
				break
			}
			fixed *= d
		}
	}
	if fixed > nnodes || nnodes%fixed != 0 {
		return Errorf(ErrDims, "%d nodes cannot be split into a grid with the given extents (their product %d does not divide it)", nnodes, fixed)
	}
	rest := nnodes / fixed
	if free == 0 {
		if rest != 1 {
			return Errorf(ErrDims, "the given extents multiply to %d, not %d", fixed, nnodes)
		}
		return nil
	}
	// rest < 2^31 has at most 30 prime factors: beyond 31 extents the
	// rest are 1 whatever the choice.
	best := balancedFactors(rest, min(free, 31))
	for len(best) < free {
		best = append(best, 1)
	}
	k := 0
	for i, d := range dims {
		if d == 0 {
			dims[i] = best[k]
			k++
		}
	}
	return nil
}

// balancedFactors returns k non-increasing factors of n whose spread
// (largest minus smallest) is smallest, ties going to the smallest largest
// factor.
//
// It tries the largest factor F upwards from the k-th root of n; for each
// it finds the largest possible smallest factor when every factor is at
// most F (maxMin, memoised per F). The smallest factor never exceeds the
// k-th root, so once F minus that root exceeds the best spread found, no
// larger F can do better.
func balancedFactors(n, k int) []int {
	if k == 1 {
		return []int{n}
	}
	var divs []int // the divisors of n, ascending
	for f := 1; f*f <= n; f++ {
		if n%f == 0 {
			divs = append(divs, f)
			if f*f != n {
				divs = append(divs, n/f)
			}
		}
	}
	slices.Sort(divs)
	root := iroot(n, k)
	bestF, bestSpread := 0, 0
	var bestMemo map[[2]int]int
	for _, f := range divs {
		if f < root {
			continue
		}
		if bestF > 0 && f-root > bestSpread {
			break
		}
		memo := map[[2]int]int{}
		lo := maxMin(n/f, k-1, f, divs, memo)
		if lo == 0 {
			continue
		}
		if bestF == 0 || f-lo < bestSpread {
			bestF, bestSpread, bestMemo = f, f-lo, memo
		}
	}
	// Rebuild the factors: at each step the largest factor that keeps the
	// best smallest one.
	out := []int{bestF}
	m, want := n/bestF, bestF-bestSpread
	for left := k - 1; left > 1; left-- {
		for i := len(divs) - 1; i >= 0; i-- {
			f := divs[i]
			if f > bestF || f > m || m%f != 0 || f < want {
				continue
			}
			if min(f, maxMin(m/f, left-1, bestF, divs, bestMemo)) >= want {
				out = append(out, f)
				m /= f
				break
			}
		}
	}
	return append(out, m)
}

// maxMin is the largest smallest factor of m split into left factors of at
// most limit (0 when impossible); divs holds every divisor of the number
// being split, memo the answers for this limit. The first factor tried is
// the largest of the split, so at least the left-th root of m; the others
// need only stay within limit, since any split of them is tried when its
// own largest factor comes first.
func maxMin(m, left, limit int, divs []int, memo map[[2]int]int) int {
	if left == 1 {
		if m <= limit {
			return m
		}
		return 0
	}
	key := [2]int{m, left}
	if v, ok := memo[key]; ok {
		return v
	}
	best := 0
	// The largest of the factors is at least the left-th root of m; the
	// smallest is at most that root, so the search stops once that is
	// reached.
	root := iroot(m, left)
	for _, f := range divs {
		if f > limit || f > m {
			break
		}
		if f < root || m%f != 0 {
			continue
		}
		if v := min(f, maxMin(m/f, left-1, limit, divs, memo)); v > best {
			best = v
			if best >= root {
				break
			}
		}
	}
	memo[key] = best
	return best
}

// iroot is the smallest r with r^k >= n.
func iroot(n, k int) int {
	r := int(math.Floor(math.Pow(float64(n), 1/float64(k))))
	for r > 1 && pow(r-1, k) >= n {
		r--
	}
	for pow(r, k) < n {
		r++
	}
	return max(r, 1)
}

// pow is f^e, saturating above 2^31.
func pow(f, e int) int {
	r := 1
	for ; e > 0; e-- {
		r *= f
		if r > 1<<31 {
			return r
		}
	}
	return r
}
