package rank

import (
	"context"
	"encoding/binary"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Process topologies (MPI-4.1 chapter 8): Cartesian, graph and
// distributed-graph communicators, their queries, MPI_Dims_create and the
// neighbourhood collectives in blocking, nonblocking and persistent forms.
//
// The structures and their arithmetic are comm.Topology's; a communicator
// carries one in commState.topo, set when it is created and shared by its
// duplicates. Reordering is never done (the standard allows that): rank i
// of the new communicator is rank i of the old one. The neighbourhood
// collectives reuse the collective machinery of mpi_icoll.go (collPrep,
// blockingCollFunc, icollFunc, pcollFunc) with collective.NeighborExchange
// doing the communication.

// setTopology attaches t to the communicator h (nothing for h = 0, the
// "no communicator" result).
func (r *rankState) setTopology(h uint32, t *comm.Topology) {
	if h == 0 || t == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if cs := r.comms[h]; cs != nil {
		cs.topo = t
	}
}

// topologyOf is the topology of cs, nil for none.
func (r *rankState) topologyOf(cs *commState) *comm.Topology {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cs.topo
}

// errNoTopology is the error of a query that needs a topology of kind want
// on a communicator that has another one or none.
func errNoTopology(t *comm.Topology, want comm.TopologyKind) error {
	if t == nil {
		return comm.Errorf(comm.ErrTopology, "the communicator has no process topology (this function needs a %s topology)", want)
	}
	return comm.Errorf(comm.ErrTopology, "the communicator has a %s topology, not a %s one", t.Kind, want)
}

// topologyArg resolves communicator h and its topology, which must be of
// kind want.
func (c *call) topologyArg(h uint32, want comm.TopologyKind) (*commState, *comm.Topology, error) {
	cs, err := c.comm(h)
	if err != nil {
		return nil, nil, err
	}
	t := c.r.topologyOf(cs)
	if t == nil || t.Kind != want {
		return nil, nil, errNoTopology(t, want)
	}
	return cs, t, nil
}

func (c *call) cart(h uint32) (*commState, *comm.CartTopology, error) {
	cs, t, err := c.topologyArg(h, comm.TopoCart)
	if err != nil {
		return nil, nil, err
	}
	return cs, t.Cart, nil
}

func (c *call) graph(h uint32) (*commState, *comm.GraphTopology, error) {
	cs, t, err := c.topologyArg(h, comm.TopoGraph)
	if err != nil {
		return nil, nil, err
	}
	return cs, t.Graph, nil
}

func (c *call) distGraph(h uint32) (*commState, *comm.DistGraphTopology, error) {
	cs, t, err := c.topologyArg(h, comm.TopoDistGraph)
	if err != nil {
		return nil, nil, err
	}
	return cs, t.Dist, nil
}

// putInts writes vals to the guest array at ptr (nothing for none).
func (c *call) putInts(ptr uint32, vals []int, what string) error {
	if len(vals) == 0 {
		return nil
	}
	b, err := c.out(ptr, 4*len(vals), what)
	if err != nil {
		return err
	}
	for i, v := range vals {
		binary.LittleEndian.PutUint32(b[4*i:], uint32(int32(v)))
	}
	return nil
}

// bools reads n C ints as logical values.
func (c *call) bools(ptr uint32, n int, what string) ([]bool, error) {
	v, err := c.ints(ptr, n, what)
	if err != nil {
		return nil, err
	}
	out := make([]bool, n)
	for i, x := range v {
		out[i] = x != 0
	}
	return out, nil
}

// checkMaxLen fails when a caller's array of max entries cannot hold n.
func checkMaxLen(max, n int, what string) error {
	if max < 0 {
		return comm.Errorf(comm.ErrArg, "%s = %d is negative", what, max)
	}
	if max < n {
		return comm.Errorf(comm.ErrArg, "%s = %d is smaller than the %d entries to return", what, max, n)
	}
	return nil
}

// cartArgs reads (ndims, dims[], periods[]) and checks them against a
// communicator of size commSize.
func (c *call) cartArgs(ndims int, dimsPtr, periodsPtr uint32, commSize int) (*comm.CartTopology, error) {
	if ndims < 0 {
		return nil, comm.Errorf(comm.ErrArg, "ndims = %d is negative", ndims)
	}
	dims, err := c.ints(dimsPtr, ndims, "dims")
	if err != nil {
		return nil, err
	}
	periods, err := c.bools(periodsPtr, ndims, "periods")
	if err != nil {
		return nil, err
	}
	t, err := comm.NewCart(dims, periods)
	if err != nil {
		return nil, err
	}
	if t.Size() > commSize {
		return nil, comm.Errorf(comm.ErrArg, "the grid has %d points but the communicator only %d processes", t.Size(), commSize)
	}
	return t, nil
}

// graphArgs reads (nnodes, index[], edges[]) and checks them against a
// communicator of size commSize.
func (c *call) graphArgs(nnodes int, indexPtr, edgesPtr uint32, commSize int) (*comm.GraphTopology, error) {
	if nnodes < 0 {
		return nil, comm.Errorf(comm.ErrArg, "nnodes = %d is negative", nnodes)
	}
	if nnodes > commSize {
		return nil, comm.Errorf(comm.ErrArg, "the graph has %d nodes but the communicator only %d processes", nnodes, commSize)
	}
	index, err := c.ints(indexPtr, nnodes, "index")
	if err != nil {
		return nil, err
	}
	nedges := 0
	if nnodes > 0 {
		nedges = index[nnodes-1]
	}
	if nedges < 0 {
		return nil, comm.Errorf(comm.ErrArg, "index[%d] = %d is negative", nnodes-1, nedges)
	}
	edges, err := c.ints(edgesPtr, nedges, "edges")
	if err != nil {
		return nil, err
	}
	return comm.NewGraph(index, edges)
}

// createTopoComm is the collective end of the topology constructors: the
// processes of cs agree on a context id (and on failure, when any of them
// has localErr), ranks 0..n-1 of cs form the new communicator with
// topology t, the others get MPI_COMM_NULL.
func (c *call) createTopoComm(cs *commState, n int, t *comm.Topology, localErr error, out uint32) error {
	ctx, err := c.r.allocContext(intraAgree(c.ctx, cs.c), localErr)
	if err != nil {
		return err
	}
	if cs.c.Rank() >= n {
		return c.putComm(out, abi.CommNull)
	}
	ranks := make([]int, n)
	for i := range ranks {
		ranks[i] = cs.c.WorldRank(i)
	}
	h, err := c.newIntra(cs, ctx, ranks)
	if err != nil {
		return err
	}
	c.r.setTopology(h, t)
	return c.putComm(out, h)
}

// weightsArg reads a weights array of n entries: MPI_UNWEIGHTED gives
// (nil, false), MPI_WEIGHTS_EMPTY an empty array (only for n = 0).
func (c *call) weightsArg(ptr uint32, n int, what string) ([]int, bool, error) {
	switch ptr {
	case abi.Unweighted:
		return nil, false, nil
	case abi.WeightsEmpty:
		if n > 0 {
			return nil, true, comm.Errorf(comm.ErrArg, "%s is MPI_WEIGHTS_EMPTY but there are %d edges", what, n)
		}
		return []int{}, true, nil
	}
	w, err := c.ints(ptr, n, what)
	if err != nil {
		return nil, true, err
	}
	for i, x := range w {
		if x < 0 {
			return nil, true, comm.Errorf(comm.ErrArg, "%s[%d] = %d is negative", what, i, x)
		}
	}
	return w, true, nil
}

// checkRanksArg validates process ranks of a communicator of size n.
func checkRanksArg(ranks []int, n int, what string) error {
	for i, r := range ranks {
		if r < 0 || r >= n {
			return comm.Errorf(comm.ErrRank, "%s[%d] = %d is not a rank of the communicator (size %d)", what, i, r, n)
		}
	}
	return nil
}

// distAdjacentArgs reads the arguments of MPI_Dist_graph_create_adjacent.
func (c *call) distAdjacentArgs(size int) (*comm.DistGraphTopology, error) {
	// (comm_old, indegree, sources, sourceweights, outdegree, destinations, destweights, info, reorder, newcomm*)
	indeg, outdeg := c.int(1), c.int(4)
	if indeg < 0 || outdeg < 0 {
		return nil, comm.Errorf(comm.ErrArg, "negative degree (indegree %d, outdegree %d)", indeg, outdeg)
	}
	if err := c.checkInfo(c.u32(7)); err != nil {
		return nil, err
	}
	src, err := c.ints(c.u32(2), indeg, "sources")
	if err != nil {
		return nil, err
	}
	dst, err := c.ints(c.u32(5), outdeg, "destinations")
	if err != nil {
		return nil, err
	}
	if err := checkRanksArg(src, size, "sources"); err != nil {
		return nil, err
	}
	if err := checkRanksArg(dst, size, "destinations"); err != nil {
		return nil, err
	}
	sw, sWeighted, err := c.weightsArg(c.u32(3), indeg, "sourceweights")
	if err != nil {
		return nil, err
	}
	dw, dWeighted, err := c.weightsArg(c.u32(6), outdeg, "destweights")
	if err != nil {
		return nil, err
	}
	if sWeighted != dWeighted && ((sWeighted && indeg > 0) || (dWeighted && outdeg > 0)) {
		return nil, comm.Errorf(comm.ErrArg, "MPI_UNWEIGHTED must be given for both sourceweights and destweights, or for neither")
	}
	t := &comm.DistGraphTopology{Sources: src, Dests: dst, Weighted: sWeighted && dWeighted}
	if t.Weighted {
		t.SourceWeights, t.DestWeights = sw, dw
	}
	return t, nil
}

// checkAdjacency verifies, collectively over cs, that every process lists
// as sources exactly the edges the others list as destinations to it
// (MPI_Dist_graph_create_adjacent requires it; a mismatch would make the
// neighbourhood collectives wait forever). Each process sends every other
// its count of edges to it and compares with its own count from it.
func checkAdjacency(ctx context.Context, cs *comm.Comm, t *comm.DistGraphTopology) (mismatch, err error) {
	n := cs.Size()
	outCount, inCount := make([]int64, n), make([]int64, n)
	if t != nil {
		for _, d := range t.Dests {
			outCount[d]++
		}
		for _, s := range t.Sources {
			inCount[s]++
		}
	}
	recv := make([]byte, 8*n)
	if err = collective.Alltoall(ctx, cs, encodeInts(outCount), recv, 8); err != nil {
		return nil, err
	}
	if t == nil {
		return nil, nil
	}
	got := decodeInts(recv)
	for s := 0; s < n; s++ {
		if got[s] != inCount[s] {
			return comm.Errorf(comm.ErrArg, "rank %d lists %d edges to this process as destinations, but this process lists %d from it as sources", s, got[s], inCount[s]), nil
		}
	}
	return nil, nil
}

// How a process gave the weights of its edges to MPI_Dist_graph_create.
const (
	weightsGiven = iota
	weightsNone
	weightsUnweighted
)

// distGraphFromAll builds the part of a distributed graph that concerns
// rank me from every process's contribution to MPI_Dist_graph_create:
// sources, degrees, destinations and weights, decoded from the gathered
// words (per process: error class, weight mode, edge count, then source,
// destination and weight per edge). Edges come in the order of the
// contributing processes and, within one, of its arguments, so the two
// ends of every edge list it at the same place among the edges between
// them.
func distGraphFromAll(words [][]int64, me int) (*comm.DistGraphTopology, error) {
	t := &comm.DistGraphTopology{Sources: []int{}, Dests: []int{}, Weighted: true}
	given := false
	for p, w := range words {
		if cl := comm.ErrorClass(w[0]); cl != comm.Success {
			return nil, comm.Errorf(cl, "rank %d of the communicator passed invalid arguments", p)
		}
		switch w[1] {
		case weightsUnweighted:
			t.Weighted = false
		case weightsGiven:
			given = given || w[2] > 0
		}
		for e := 0; e < int(w[2]); e++ {
			s, d, wt := int(w[3+3*e]), int(w[4+3*e]), int(w[5+3*e])
			if s == me {
				t.Dests = append(t.Dests, d)
				t.DestWeights = append(t.DestWeights, wt)
			}
			if d == me {
				t.Sources = append(t.Sources, s)
				t.SourceWeights = append(t.SourceWeights, wt)
			}
		}
	}
	if !t.Weighted {
		if given {
			return nil, comm.Errorf(comm.ErrArg, "some processes passed MPI_UNWEIGHTED and others edge weights")
		}
		t.SourceWeights, t.DestWeights = nil, nil
	}
	return t, nil
}

// distGraphWords reads the arguments of MPI_Dist_graph_create into the
// words distGraphFromAll decodes (without the error class).
func (c *call) distGraphWords(size int) ([]int64, error) {
	// (comm_old, n, sources, degrees, destinations, weights, info, reorder, newcomm*)
	n := c.int(1)
	if n < 0 {
		return nil, comm.Errorf(comm.ErrArg, "n = %d is negative", n)
	}
	if err := c.checkInfo(c.u32(6)); err != nil {
		return nil, err
	}
	src, err := c.ints(c.u32(2), n, "sources")
	if err != nil {
		return nil, err
	}
	if err := checkRanksArg(src, size, "sources"); err != nil {
		return nil, err
	}
	deg, err := c.ints(c.u32(3), n, "degrees")
	if err != nil {
		return nil, err
	}
	total := 0
	for i, d := range deg {
		if d < 0 {
			return nil, comm.Errorf(comm.ErrArg, "degrees[%d] = %d is negative", i, d)
		}
		total += d
		if total > comm.MaxTypeBlocks {
			return nil, comm.Errorf(comm.ErrArg, "more than %d edges", comm.MaxTypeBlocks)
		}
	}
	dst, err := c.ints(c.u32(4), total, "destinations")
	if err != nil {
		return nil, err
	}
	if err := checkRanksArg(dst, size, "destinations"); err != nil {
		return nil, err
	}
	wts, weighted, err := c.weightsArg(c.u32(5), total, "weights")
	if err != nil {
		return nil, err
	}
	mode := int64(weightsGiven)
	switch {
	case !weighted:
		mode = weightsUnweighted
	case total == 0:
		mode = weightsNone
	}
	words := []int64{mode, int64(total)}
	e := 0
	for i, s := range src {
		for k := 0; k < deg[i]; k++ {
			w := 1
			if weighted {
				w = wts[e]
			}
			words = append(words, int64(s), int64(dst[e]), int64(w))
			e++
		}
	}
	return words, nil
}

// gatherWords gathers a variable number of int64 words from every process
// of cs.
func gatherWords(ctx context.Context, cs *comm.Comm, mine []int64) ([][]int64, error) {
	n := cs.Size()
	lens := make([]byte, 8*n)
	if err := collective.Allgather(ctx, cs, encodeInts([]int64{int64(len(mine))}), lens, 8); err != nil {
		return nil, err
	}
	counts, displs := make([]int, n), make([]int, n)
	total := 0
	for i, l := range decodeInts(lens) {
		counts[i], displs[i] = 8*int(l), total
		total += 8 * int(l)
	}
	all := make([]byte, total)
	if err := collective.Allgatherv(ctx, cs, encodeInts(mine), all, counts, displs); err != nil {
		return nil, err
	}
	out := make([][]int64, n)
	for i := range out {
		out[i] = decodeInts(all[displs[i] : displs[i]+counts[i]])
	}
	return out, nil
}

func topoFunctions() []mpiFunc {
	fs := []mpiFunc{
		{name: "MPI_Dims_create", params: params(3), fn: func(c *call) error {
			// (nnodes, ndims, dims[])
			ndims := c.int(1)
			if ndims < 0 {
				return comm.Errorf(comm.ErrDims, "ndims = %d is negative", ndims)
			}
			dims, err := c.ints(c.u32(2), ndims, "dims")
			if err != nil {
				return err
			}
			if err := comm.DimsCreate(c.int(0), dims); err != nil {
				return err
			}
			return c.putInts(c.u32(2), dims, "dims")
		}},
		{name: "MPI_Topo_test", params: params(2), fn: func(c *call) error {
			cs, ic, err := c.r.lookupComm(c.u32(0))
			if err != nil {
				return err
			}
			c.errComm = cs
			status := abi.Undefined
			if t := c.r.topologyOf(cs); t != nil && ic == nil {
				status = map[comm.TopologyKind]int32{comm.TopoCart: abi.Cart, comm.TopoGraph: abi.Graph, comm.TopoDistGraph: abi.DistGraph}[t.Kind]
			}
			return c.putI32(c.u32(1), status, "status")
		}},
		// (comm_old, ndims, dims[], periods[], reorder, comm_cart*)
		topoCreateFunc("MPI_Cart_create", "comm_cart", cartTopology),
		// (comm, ndims, dims[], periods[], newrank*)
		topoMapFunc("MPI_Cart_map", cartTopology),
		{name: "MPI_Cartdim_get", params: params(2), fn: func(c *call) error {
			_, t, err := c.cart(c.u32(0))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), int32(len(t.Dims)), "ndims")
		}},
		{name: "MPI_Cart_get", params: params(5), fn: func(c *call) error {
			// (comm, maxdims, dims[], periods[], coords[])
			cs, t, err := c.cart(c.u32(0))
			if err != nil {
				return err
			}
			if err := checkMaxLen(c.int(1), len(t.Dims), "maxdims"); err != nil {
				return err
			}
			periods := make([]int, len(t.Periods))
			for i, p := range t.Periods {
				periods[i] = int(boolInt(p))
			}
			if err := c.putInts(c.u32(2), t.Dims, "dims"); err != nil {
				return err
			}
			if err := c.putInts(c.u32(3), periods, "periods"); err != nil {
				return err
			}
			return c.putInts(c.u32(4), t.Coords(cs.c.Rank()), "coords")
		}},
		{name: "MPI_Cart_rank", params: params(3), fn: func(c *call) error {
			// (comm, coords[], rank*)
			_, t, err := c.cart(c.u32(0))
			if err != nil {
				return err
			}
			coords, err := c.ints(c.u32(1), len(t.Dims), "coords")
			if err != nil {
				return err
			}
			r, err := t.Rank(coords)
			if err != nil {
				return err
			}
			return c.putI32(c.u32(2), int32(r), "rank")
		}},
		{name: "MPI_Cart_coords", params: params(4), fn: func(c *call) error {
			// (comm, rank, maxdims, coords[])
			cs, t, err := c.cart(c.u32(0))
			if err != nil {
				return err
			}
			r := c.int(1)
			if r < 0 || r >= cs.c.Size() {
				return comm.Errorf(comm.ErrRank, "invalid rank %d (communicator size %d)", r, cs.c.Size())
			}
			if err := checkMaxLen(c.int(2), len(t.Dims), "maxdims"); err != nil {
				return err
			}
			return c.putInts(c.u32(3), t.Coords(r), "coords")
		}},
		{name: "MPI_Cart_shift", params: params(5), fn: func(c *call) error {
			// (comm, direction, disp, rank_source*, rank_dest*)
			cs, t, err := c.cart(c.u32(0))
			if err != nil {
				return err
			}
			dir := c.int(1)
			if dir < 0 || dir >= len(t.Dims) {
				return comm.Errorf(comm.ErrArg, "direction %d is not a dimension of the %d-dimensional grid", dir, len(t.Dims))
			}
			if err := c.checkOut(c.u32(3), "rank_source"); err != nil {
				return err
			}
			src, dst := t.Shift(cs.c.Rank(), dir, c.int(2))
			if err := c.putI32(c.u32(3), rankOut(src), "rank_source"); err != nil {
				return err
			}
			return c.putI32(c.u32(4), rankOut(dst), "rank_dest")
		}},
		{name: "MPI_Cart_sub", params: params(3), fn: func(c *call) error {
			// (comm, remain_dims[], newcomm*)
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			localErr := c.checkOut(c.u32(2), "newcomm")
			_, t, err := c.cart(c.u32(0))
			if localErr == nil {
				localErr = err
			}
			var sub *comm.CartTopology
			color := 0
			if localErr == nil {
				var remain []bool
				if remain, localErr = c.bools(c.u32(1), len(t.Dims), "remain_dims"); localErr == nil {
					sub, color = t.Sub(cs.c.Rank(), remain)
				}
			}
			h, err := c.split(cs, int32(color), int32(cs.c.Rank()), localErr)
			if err != nil {
				return err
			}
			c.r.setTopology(h, &comm.Topology{Kind: comm.TopoCart, Cart: sub})
			return c.putComm(c.u32(2), h)
		}},
		// (comm_old, nnodes, index[], edges[], reorder, comm_graph*)
		topoCreateFunc("MPI_Graph_create", "comm_graph", graphTopology),
		// (comm, nnodes, index[], edges[], newrank*)
		topoMapFunc("MPI_Graph_map", graphTopology),
		{name: "MPI_Graphdims_get", params: params(3), fn: func(c *call) error {
			_, g, err := c.graph(c.u32(0))
			if err != nil {
				return err
			}
			if err := c.putI32(c.u32(1), int32(g.Nodes()), "nnodes"); err != nil {
				return err
			}
			return c.putI32(c.u32(2), int32(len(g.Edges)), "nedges")
		}},
		{name: "MPI_Graph_get", params: params(5), fn: func(c *call) error {
			// (comm, maxindex, maxedges, index[], edges[])
			_, g, err := c.graph(c.u32(0))
			if err != nil {
				return err
			}
			if err := checkMaxLen(c.int(1), len(g.Index), "maxindex"); err != nil {
				return err
			}
			if err := checkMaxLen(c.int(2), len(g.Edges), "maxedges"); err != nil {
				return err
			}
			if err := c.putInts(c.u32(3), g.Index, "index"); err != nil {
				return err
			}
			return c.putInts(c.u32(4), g.Edges, "edges")
		}},
		{name: "MPI_Graph_neighbors_count", params: params(3), fn: func(c *call) error {
			// (comm, rank, nneighbors*)
			_, g, err := c.graph(c.u32(0))
			if err != nil {
				return err
			}
			r := c.int(1)
			if r < 0 || r >= g.Nodes() {
				return comm.Errorf(comm.ErrRank, "invalid rank %d (the graph has %d nodes)", r, g.Nodes())
			}
			return c.putI32(c.u32(2), int32(len(g.Neighbors(r))), "nneighbors")
		}},
		{name: "MPI_Graph_neighbors", params: params(4), fn: func(c *call) error {
			// (comm, rank, maxneighbors, neighbors[])
			_, g, err := c.graph(c.u32(0))
			if err != nil {
				return err
			}
			r := c.int(1)
			if r < 0 || r >= g.Nodes() {
				return comm.Errorf(comm.ErrRank, "invalid rank %d (the graph has %d nodes)", r, g.Nodes())
			}
			nb := g.Neighbors(r)
			if err := checkMaxLen(c.int(2), len(nb), "maxneighbors"); err != nil {
				return err
			}
			return c.putInts(c.u32(3), nb, "neighbors")
		}},
		{name: "MPI_Dist_graph_create_adjacent", params: params(10), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			localErr := c.checkOut(c.u32(9), "comm_dist_graph")
			var t *comm.DistGraphTopology
			if localErr == nil {
				t, localErr = c.distAdjacentArgs(cs.c.Size())
			}
			mismatch, err := checkAdjacency(c.ctx, cs.c, t)
			if err != nil {
				return err
			}
			if localErr == nil {
				localErr = mismatch
			}
			return c.createTopoComm(cs, cs.c.Size(), &comm.Topology{Kind: comm.TopoDistGraph, Dist: t}, localErr, c.u32(9))
		}},
		{name: "MPI_Dist_graph_create", params: params(9), fn: func(c *call) error {
			cs, err := c.comm(c.u32(0))
			if err != nil {
				return err
			}
			localErr := c.checkOut(c.u32(8), "comm_dist_graph")
			var words []int64
			if localErr == nil {
				words, localErr = c.distGraphWords(cs.c.Size())
			}
			if localErr != nil {
				words = []int64{weightsNone, 0}
			}
			all, err := gatherWords(c.ctx, cs.c, append([]int64{int64(comm.ClassOf(localErr))}, words...))
			if err != nil {
				return err
			}
			t, err := distGraphFromAll(all, cs.c.Rank())
			if localErr == nil {
				localErr = err
			}
			return c.createTopoComm(cs, cs.c.Size(), &comm.Topology{Kind: comm.TopoDistGraph, Dist: t}, localErr, c.u32(8))
		}},
		{name: "MPI_Dist_graph_neighbors_count", params: params(4), fn: func(c *call) error {
			// (comm, indegree*, outdegree*, weighted*)
			_, t, err := c.distGraph(c.u32(0))
			if err != nil {
				return err
			}
			if err := c.putI32(c.u32(1), int32(len(t.Sources)), "indegree"); err != nil {
				return err
			}
			if err := c.putI32(c.u32(2), int32(len(t.Dests)), "outdegree"); err != nil {
				return err
			}
			return c.putI32(c.u32(3), boolInt(t.Weighted), "weighted")
		}},
		{name: "MPI_Dist_graph_neighbors", params: params(7), fn: func(c *call) error {
			// (comm, maxindegree, sources[], sourceweights[], maxoutdegree, destinations[], destweights[])
			_, t, err := c.distGraph(c.u32(0))
			if err != nil {
				return err
			}
			if err := checkMaxLen(c.int(1), len(t.Sources), "maxindegree"); err != nil {
				return err
			}
			if err := checkMaxLen(c.int(4), len(t.Dests), "maxoutdegree"); err != nil {
				return err
			}
			if err := c.putInts(c.u32(2), t.Sources, "sources"); err != nil {
				return err
			}
			if err := c.putInts(c.u32(5), t.Dests, "destinations"); err != nil {
				return err
			}
			if !t.Weighted {
				return nil
			}
			if p := c.u32(3); p != abi.Unweighted && p != abi.WeightsEmpty {
				if err := c.putInts(p, t.SourceWeights, "sourceweights"); err != nil {
					return err
				}
			}
			if p := c.u32(6); p != abi.Unweighted && p != abi.WeightsEmpty {
				return c.putInts(p, t.DestWeights, "destweights")
			}
			return nil
		}},
	}
	for _, e := range neighborTable() {
		lower := "neighbor" + e.name[len("Neighbor"):]
		fs = append(fs, blockingCollFunc("MPI_"+e.name, e.nargs, e.prep))
		fs = append(fs, icollFunc("MPI_I"+lower, e.nargs, e.prep))
		fs = append(fs, pcollFunc("MPI_"+e.name+"_init", e.nargs, e.prep))
	}
	return fs
}

// neighborTable lists the neighbourhood collectives as collTable does the
// others: the communicator is argument commArg of each.
func neighborTable() []collEntry {
	return []collEntry{
		{"Neighbor_allgather", 7, neighborPrep(6, resolveNeighborAllgather)},
		{"Neighbor_allgatherv", 8, neighborPrep(7, resolveNeighborAllgatherv)},
		{"Neighbor_alltoall", 7, neighborPrep(6, resolveNeighborAlltoall)},
		{"Neighbor_alltoallv", 9, neighborPrep(8, resolveNeighborAlltoallv)},
		{"Neighbor_alltoallw", 9, neighborPrep(8, resolveNeighborAlltoallw)},
	}
}

// neighborhood resolves the communicator argument of a neighbourhood
// collective and the neighbours it exchanges with.
func (c *call) neighborhood(h uint32) (*commState, comm.Neighborhood, error) {
	cs, err := c.comm(h)
	if err != nil {
		return nil, comm.Neighborhood{}, err
	}
	t := c.r.topologyOf(cs)
	if t == nil {
		return nil, comm.Neighborhood{}, comm.Errorf(comm.ErrTopology, "the communicator has no process topology (neighborhood collectives need one from MPI_Cart_create, MPI_Graph_create or MPI_Dist_graph_create*)")
	}
	if t.Kind == comm.TopoGraph && !t.Graph.Symmetric {
		return nil, comm.Neighborhood{}, comm.Errorf(comm.ErrTopology, "the graph is not symmetric (some edge u->v has no matching v->u), so its neighbours cannot exchange with each other")
	}
	return cs, t.Neighbors(cs.c.Rank()), nil
}

// neighborBufs are the resolved buffers of a neighbourhood collective: one
// block per destination and per source, and what unpacks the receive
// blocks into guest memory afterwards (nil for nothing).
type neighborBufs struct {
	sends, recvs [][]byte
	post         func(*call) error
}

// neighborResolve resolves the buffer arguments of a neighbourhood
// collective with neighbourhood nb.
type neighborResolve func(c *call, nb comm.Neighborhood) (neighborBufs, error)

// neighborPrep is the collPrep of a neighbourhood collective. An error in
// the communicator or its topology is returned at once (every process of
// the communicator sees it alike). An error in this process's buffer
// arguments is not: its neighbours are waiting for its messages, so it
// still takes part, sending empty messages and receiving nothing, and then
// returns its error; a neighbour that expected data from it fails with
// MPI_ERR_OTHER instead of waiting forever, and the communicator's
// collectives stay in step.
func neighborPrep(commArg int, resolve neighborResolve) collPrep {
	return func(c *call) (collRun, error) {
		cs, nb, err := c.neighborhood(c.u32(commArg))
		if err != nil {
			return collRun{}, err
		}
		name := c.name
		bufs, argErr := resolve(c, nb)
		if argErr != nil {
			bufs = neighborBufs{sends: make([][]byte, len(nb.Dests)), recvs: make([][]byte, len(nb.Sources))}
		}
		return collRun{cs: cs, post: bufs.post, run: func(ctx context.Context, cm *comm.Comm) error {
			err := collective.NeighborExchange(ctx, cm, name, nb, bufs.sends, bufs.recvs)
			if argErr != nil && ctx.Err() == nil {
				return argErr
			}
			return err
		}}, nil
	}
}

// noInPlace rejects MPI_IN_PLACE, which the neighbourhood collectives do
// not accept.
func noInPlace(ptrs ...uint32) error {
	for _, p := range ptrs {
		if inPlace(p) {
			return comm.Errorf(comm.ErrBuffer, "MPI_IN_PLACE is not allowed in neighborhood collectives")
		}
	}
	return nil
}

// blocks cuts n consecutive blocks of size bytes out of buf.
func blocks(buf []byte, n, size int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = buf[i*size : (i+1)*size : (i+1)*size]
	}
	return out
}

// vblocks cuts blocks at byte displacements out of buf.
func vblocks(buf []byte, counts, displs []int) [][]byte {
	out := make([][]byte, len(counts))
	for i := range out {
		out[i] = buf[displs[i] : displs[i]+counts[i] : displs[i]+counts[i]]
	}
	return out
}

// sameBlock is n times the same block (the send side of the allgathers).
func sameBlock(b []byte, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = b
	}
	return out
}

// checkCount rejects a negative element count up front (a count times a
// degree of 0 would otherwise hide it).
func checkCount(n int, what string) error {
	if n < 0 {
		return comm.Errorf(comm.ErrCount, "negative %s %d", what, n)
	}
	return nil
}

func resolveNeighborAllgather(c *call, nb comm.Neighborhood) (neighborBufs, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
	if err := noInPlace(c.u32(0), c.u32(3)); err != nil {
		return neighborBufs{}, err
	}
	if err := checkCount(c.int(4), "recvcount"); err != nil {
		return neighborBufs{}, err
	}
	send, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	recv, rt, err := c.buffer(c.u32(3), c.int(4)*len(nb.Sources), c.u32(5), "receive buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	return neighborBufs{sameBlock(send, len(nb.Dests)), blocks(recv, len(nb.Sources), c.int(4)*rt.Size()), unpackPost(rt, recv)}, nil
}

func resolveNeighborAllgatherv(c *call, nb comm.Neighborhood) (neighborBufs, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcounts[], displs[], recvtype, comm)
	if err := noInPlace(c.u32(0), c.u32(3)); err != nil {
		return neighborBufs{}, err
	}
	send, _, err := c.buffer(c.u32(0), c.int(1), c.u32(2), "send buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	recv, counts, displs, rt, err := c.vector(c.u32(3), 4, 5, len(nb.Sources), c.u32(6), true, "receive buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	return neighborBufs{sameBlock(send, len(nb.Dests)), vblocks(recv, counts, displs), unpackPost(rt, recv)}, nil
}

func resolveNeighborAlltoall(c *call, nb comm.Neighborhood) (neighborBufs, error) {
	// (sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm)
	if err := noInPlace(c.u32(0), c.u32(3)); err != nil {
		return neighborBufs{}, err
	}
	if err := checkCount(c.int(1), "sendcount"); err != nil {
		return neighborBufs{}, err
	}
	if err := checkCount(c.int(4), "recvcount"); err != nil {
		return neighborBufs{}, err
	}
	send, st, err := c.buffer(c.u32(0), c.int(1)*len(nb.Dests), c.u32(2), "send buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	recv, rt, err := c.buffer(c.u32(3), c.int(4)*len(nb.Sources), c.u32(5), "receive buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	return neighborBufs{blocks(send, len(nb.Dests), c.int(1)*st.Size()), blocks(recv, len(nb.Sources), c.int(4)*rt.Size()), unpackPost(rt, recv)}, nil
}

func resolveNeighborAlltoallv(c *call, nb comm.Neighborhood) (neighborBufs, error) {
	// (sendbuf, sendcounts[], sdispls[], sendtype, recvbuf, recvcounts[], rdispls[], recvtype, comm)
	if err := noInPlace(c.u32(0), c.u32(4)); err != nil {
		return neighborBufs{}, err
	}
	send, scounts, sdispls, _, err := c.vector(c.u32(0), 1, 2, len(nb.Dests), c.u32(3), true, "send buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	recv, rcounts, rdispls, rt, err := c.vector(c.u32(4), 5, 6, len(nb.Sources), c.u32(7), true, "receive buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	return neighborBufs{vblocks(send, scounts, sdispls), vblocks(recv, rcounts, rdispls), unpackPost(rt, recv)}, nil
}

func resolveNeighborAlltoallw(c *call, nb comm.Neighborhood) (neighborBufs, error) {
	// (sendbuf, sendcounts[], sdispls[] (bytes), sendtypes[], recvbuf, recvcounts[], rdispls[] (bytes), recvtypes[], comm)
	if err := noInPlace(c.u32(0), c.u32(4)); err != nil {
		return neighborBufs{}, err
	}
	sends, _, err := c.wblocks(c.u32(0), 1, 2, 3, len(nb.Dests), "send buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	recvs, rts, err := c.wblocks(c.u32(4), 5, 6, 7, len(nb.Sources), "receive buffer")
	if err != nil {
		return neighborBufs{}, err
	}
	var post func(*call) error
	for _, rt := range rts {
		if rt.copied {
			post = func(*call) error {
				for i, rt := range rts {
					if err := rt.unpack(recvs[i]); err != nil {
						return err
					}
				}
				return nil
			}
			break
		}
	}
	return neighborBufs{sends, recvs, post}, nil
}

// topoArgs reads arguments 1-3 of MPI_Cart_create/_map or
// MPI_Graph_create/_map for a communicator of size processes: the topology
// and the number of processes it places.
type topoArgs func(c *call, size int) (*comm.Topology, int, error)

func cartTopology(c *call, size int) (*comm.Topology, int, error) {
	t, err := c.cartArgs(c.int(1), c.u32(2), c.u32(3), size)
	if err != nil {
		return nil, 0, err
	}
	return &comm.Topology{Kind: comm.TopoCart, Cart: t}, t.Size(), nil
}

func graphTopology(c *call, size int) (*comm.Topology, int, error) {
	g, err := c.graphArgs(c.int(1), c.u32(2), c.u32(3), size)
	if err != nil {
		return nil, 0, err
	}
	return &comm.Topology{Kind: comm.TopoGraph, Graph: g}, g.Nodes(), nil
}

// topoCreateFunc is MPI_Cart_create or MPI_Graph_create: collective over
// the old communicator; a process whose own arguments are bad still takes
// part (createTopoComm) and gets its error.
func topoCreateFunc(name, out string, args topoArgs) mpiFunc {
	return mpiFunc{name: name, params: params(6), fn: func(c *call) error {
		cs, err := c.comm(c.u32(0))
		if err != nil {
			return err
		}
		localErr := c.checkOut(c.u32(5), out)
		var t *comm.Topology
		n := 0
		if localErr == nil {
			t, n, localErr = args(c, cs.c.Size())
		}
		return c.createTopoComm(cs, n, t, localErr, c.u32(5))
	}}
}

// topoMapFunc is MPI_Cart_map or MPI_Graph_map: the rank the process
// would have in the topology (ranks are not reordered), or MPI_UNDEFINED.
func topoMapFunc(name string, args topoArgs) mpiFunc {
	return mpiFunc{name: name, params: params(5), fn: func(c *call) error {
		cs, err := c.comm(c.u32(0))
		if err != nil {
			return err
		}
		_, n, err := args(c, cs.c.Size())
		if err != nil {
			return err
		}
		r := int32(cs.c.Rank())
		if int(r) >= n {
			r = abi.Undefined
		}
		return c.putI32(c.u32(4), r, "newrank")
	}}
}
