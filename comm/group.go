package comm

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Undefined is the rank reported for a process that is not a member of a
// group (MPI_UNDEFINED in the guest ABI).
const Undefined = -3

// Relation is the result of comparing two groups or communicators.
type Relation int

// The comparison results, from closest to farthest.
const (
	// Ident: the same object (communicators), or the same members in the
	// same order (groups).
	Ident Relation = iota
	// Congruent: two communicators whose groups have the same members in
	// the same order, but different contexts.
	Congruent
	// Similar: the same members in a different order.
	Similar
	// Unequal: anything else.
	Unequal
)

func (r Relation) String() string {
	switch r {
	case Ident:
		return "IDENT"
	case Congruent:
		return "CONGRUENT"
	case Similar:
		return "SIMILAR"
	case Unequal:
		return "UNEQUAL"
	}
	return fmt.Sprintf("Relation(%d)", int(r))
}

// Group is an ordered set of distinct world ranks: group rank i is world
// rank WorldRank(i). A Group never changes once made, so it may be shared.
type Group struct {
	ranks []int

	indexOnce sync.Once
	index     map[int]int // world rank -> group rank, for large groups
}

// EmptyGroup is the group without members (MPI_GROUP_EMPTY).
var EmptyGroup = &Group{}

// indexThreshold is the size from which membership is looked up in a map
// instead of by a linear scan.
const indexThreshold = 32

// NewGroup makes a group of the given world ranks, in that order. The ranks
// must be distinct and non-negative. The slice is copied.
func NewGroup(worldRanks []int) (*Group, error) {
	seen := make(map[int]bool, len(worldRanks))
	for _, r := range worldRanks {
		if r < 0 {
			return nil, Errorf(ErrRank, "invalid world rank %d in a group", r)
		}
		if seen[r] {
			return nil, Errorf(ErrRank, "world rank %d appears twice in a group", r)
		}
		seen[r] = true
	}
	return newGroup(append([]int(nil), worldRanks...)), nil
}

// newGroup wraps ranks, which the caller hands over and has checked.
func newGroup(ranks []int) *Group {
	if len(ranks) == 0 {
		return EmptyGroup
	}
	return &Group{ranks: ranks}
}

// Size is the number of members.
func (g *Group) Size() int { return len(g.ranks) }

// WorldRank is the world rank of group rank i.
func (g *Group) WorldRank(i int) int { return g.ranks[i] }

// WorldRanks returns a copy of the members' world ranks in group order.
func (g *Group) WorldRanks() []int { return append([]int(nil), g.ranks...) }

// Rank is the group rank of world rank w, or Undefined if w is not a member.
func (g *Group) Rank(w int) int {
	if len(g.ranks) < indexThreshold {
		for i, r := range g.ranks {
			if r == w {
				return i
			}
		}
		return Undefined
	}
	g.indexOnce.Do(func() {
		g.index = make(map[int]int, len(g.ranks))
		for i, r := range g.ranks {
			g.index[r] = i
		}
	})
	if i, ok := g.index[w]; ok {
		return i
	}
	return Undefined
}

// Contains reports whether world rank w is a member.
func (g *Group) Contains(w int) bool { return g.Rank(w) != Undefined }

// CompareGroups returns Ident when a and b have the same members in the same
// order, Similar when they have the same members in another order, and
// Unequal otherwise.
func CompareGroups(a, b *Group) Relation {
	if len(a.ranks) != len(b.ranks) {
		return Unequal
	}
	same := true
	for i := range a.ranks {
		if a.ranks[i] != b.ranks[i] {
			same = false
			break
		}
	}
	if same {
		return Ident
	}
	for _, r := range a.ranks {
		if !b.Contains(r) {
			return Unequal
		}
	}
	return Similar
}

// Union is every member of g in g's order, followed by the members of h
// that are not in g, in h's order.
func (g *Group) Union(h *Group) *Group {
	out := append(make([]int, 0, len(g.ranks)+len(h.ranks)), g.ranks...)
	for _, r := range h.ranks {
		if !g.Contains(r) {
			out = append(out, r)
		}
	}
	return newGroup(out)
}

// Intersection is the members of g that are also in h, in g's order.
func (g *Group) Intersection(h *Group) *Group {
	var out []int
	for _, r := range g.ranks {
		if h.Contains(r) {
			out = append(out, r)
		}
	}
	return newGroup(out)
}

// Difference is the members of g that are not in h, in g's order.
func (g *Group) Difference(h *Group) *Group {
	var out []int
	for _, r := range g.ranks {
		if !h.Contains(r) {
			out = append(out, r)
		}
	}
	return newGroup(out)
}

// checkRanks validates group ranks given by the caller: each must be a
// rank of g and none may repeat. It returns them as a membership mask.
func (g *Group) checkRanks(op string, ranks []int) ([]bool, error) {
	picked := make([]bool, len(g.ranks))
	for i, r := range ranks {
		if r < 0 || r >= len(g.ranks) {
			return nil, Errorf(ErrRank, "%s: ranks[%d] = %d is not a rank of the group (size %d)", op, i, r, len(g.ranks))
		}
		if picked[r] {
			return nil, Errorf(ErrRank, "%s: rank %d appears twice (ranks[%d])", op, r, i)
		}
		picked[r] = true
	}
	return picked, nil
}

// Incl is the group of g's members with the given group ranks, in that
// order. The ranks must be valid and distinct (ErrRank otherwise).
func (g *Group) Incl(ranks []int) (*Group, error) {
	if _, err := g.checkRanks("MPI_Group_incl", ranks); err != nil {
		return nil, err
	}
	out := make([]int, len(ranks))
	for i, r := range ranks {
		out[i] = g.ranks[r]
	}
	return newGroup(out), nil
}

// Excl is g without the members with the given group ranks, in g's order.
// The ranks must be valid and distinct (ErrRank otherwise).
func (g *Group) Excl(ranks []int) (*Group, error) {
	drop, err := g.checkRanks("MPI_Group_excl", ranks)
	if err != nil {
		return nil, err
	}
	return g.keep(drop, false), nil
}

func (g *Group) keep(mask []bool, want bool) *Group {
	var out []int
	for i, r := range g.ranks {
		if mask[i] == want {
			out = append(out, r)
		}
	}
	return newGroup(out)
}

// Range is a triplet (First, Last, Stride) of MPI_Group_range_incl/excl: the
// ranks First, First+Stride, ... up to and including Last when it is on the
// way. Stride may be negative but not zero.
type Range struct{ First, Last, Stride int }

// expand lists the ranks of the ranges, checking them against a group of
// size n: every rank valid (ErrRank), strides non-zero and pointing from
// First towards Last (ErrArg), no rank twice (ErrRank).
func expandRanges(op string, rs []Range, n int) ([]int, error) {
	var out []int
	seen := make([]bool, n)
	for i, r := range rs {
		switch {
		case r.Stride == 0:
			return nil, Errorf(ErrArg, "%s: range %d (%d, %d, %d) has stride 0", op, i, r.First, r.Last, r.Stride)
		case r.First < 0 || r.First >= n:
			return nil, Errorf(ErrRank, "%s: range %d (%d, %d, %d) starts at %d, not a rank of the group (size %d)", op, i, r.First, r.Last, r.Stride, r.First, n)
		case r.Last < 0 || r.Last >= n:
			return nil, Errorf(ErrRank, "%s: range %d (%d, %d, %d) ends at %d, not a rank of the group (size %d)", op, i, r.First, r.Last, r.Stride, r.Last, n)
		case r.Stride > 0 && r.First > r.Last || r.Stride < 0 && r.First < r.Last:
			return nil, Errorf(ErrArg, "%s: range %d (%d, %d, %d): stride %d never reaches %d from %d", op, i, r.First, r.Last, r.Stride, r.Stride, r.Last, r.First)
		}
		for k := r.First; r.Stride > 0 && k <= r.Last || r.Stride < 0 && k >= r.Last; k += r.Stride {
			if seen[k] {
				return nil, Errorf(ErrRank, "%s: rank %d is named twice (range %d)", op, k, i)
			}
			seen[k] = true
			out = append(out, k)
		}
	}
	return out, nil
}

// RangeIncl is the group of g's members whose ranks the ranges list, in
// the order the ranges list them.
func (g *Group) RangeIncl(rs []Range) (*Group, error) {
	ranks, err := expandRanges("MPI_Group_range_incl", rs, len(g.ranks))
	if err != nil {
		return nil, err
	}
	out := make([]int, len(ranks))
	for i, r := range ranks {
		out[i] = g.ranks[r]
	}
	return newGroup(out), nil
}

// RangeExcl is g without the members whose ranks the ranges list, in g's
// order.
func (g *Group) RangeExcl(rs []Range) (*Group, error) {
	ranks, err := expandRanges("MPI_Group_range_excl", rs, len(g.ranks))
	if err != nil {
		return nil, err
	}
	drop := make([]bool, len(g.ranks))
	for _, r := range ranks {
		drop[r] = true
	}
	return g.keep(drop, false), nil
}

// Translate maps ranks of g to the ranks of the same processes in h:
// ProcNull maps to itself and a process that is not in h to Undefined. A
// rank that is not valid in g is ErrRank.
func (g *Group) Translate(ranks []int, h *Group) ([]int, error) {
	out := make([]int, len(ranks))
	for i, r := range ranks {
		switch {
		case r == ProcNull:
			out[i] = ProcNull
		case r < 0 || r >= len(g.ranks):
			return nil, Errorf(ErrRank, "MPI_Group_translate_ranks: ranks1[%d] = %d is not a rank of group1 (size %d)", i, r, len(g.ranks))
		default:
			out[i] = h.Rank(g.ranks[r])
		}
	}
	return out, nil
}

// Group is the group of the communicator: for an intercommunicator made by
// InterComm, the remote group (the ranks it addresses).
func (c *Comm) Group() *Group { return newGroup(append([]int(nil), c.ranks...)) }

// InterComm returns world rank rank's end of an intercommunicator between
// the local group (which contains rank) and the remote group, with context
// ctx. Its point-to-point operations address the remote group: a
// destination or source rank is a rank of the remote group, and messages
// carry the sender's rank in its local group, which is what the receiver
// sees as the source. Size is the remote group's size and Rank the local
// rank. Its Collective shadow (ctx+1) addresses the remote group likewise.
// The groups must be disjoint.
func (w *World) InterComm(rank int, ctx uint32, local, remote *Group) (*Comm, error) {
	me := local.Rank(rank)
	if me == Undefined {
		return nil, fmt.Errorf("rank %d is not in the local group of the new intercommunicator", rank)
	}
	for _, r := range remote.ranks {
		if r >= w.size {
			return nil, fmt.Errorf("world rank %d out of range [0,%d)", r, w.size)
		}
		if local.Contains(r) {
			return nil, fmt.Errorf("world rank %d is in both groups of an intercommunicator", r)
		}
	}
	return &Comm{ep: w.endpoints[rank], context: ctx, ranks: remote.ranks, rank: me, collSeq: new(atomic.Uint64)}, nil
}
