package rank

import (
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// This file holds the group functions. A group is an immutable
// comm.Group of world ranks; a rank's group handles live in
// rankState.groups. MPI_GROUP_EMPTY is predefined and is also what every
// operation returns for an empty result; freeing it only clears the
// caller's handle (as MPICH allows), it stays usable.

// group resolves a group handle.
func (c *call) group(h uint32) (*comm.Group, error) {
	switch h {
	case abi.GroupEmpty:
		return comm.EmptyGroup, nil
	case abi.GroupNull:
		return nil, comm.Errorf(comm.ErrGroup, "MPI_GROUP_NULL is not a valid group here")
	}
	c.r.mu.Lock()
	g := c.r.groups[h]
	c.r.mu.Unlock()
	if g == nil {
		return nil, comm.Errorf(comm.ErrGroup, "invalid group handle %s", describeHandle(h, "group"))
	}
	return g, nil
}

// putGroup registers g (MPI_GROUP_EMPTY when it has no members) and writes
// its handle to the guest.
func (c *call) putGroup(ptr uint32, g *comm.Group) error {
	if _, err := c.out(ptr, 4, "newgroup"); err != nil {
		return err
	}
	h := abi.GroupEmpty
	if g.Size() > 0 {
		c.r.mu.Lock()
		if c.r.groups == nil {
			c.r.groups = map[uint32]*comm.Group{}
		}
		var err error
		h, err = allocHandle(&c.r.groupAlloc, groupHandles, c.r.groups, g)
		c.r.mu.Unlock()
		if err != nil {
			return err
		}
	}
	return c.putI32(ptr, int32(h), "newgroup")
}

// groupRanksArg reads n group ranks.
func (c *call) groupRanksArg(n int, ptr uint32, what string) ([]int, error) {
	if n < 0 {
		return nil, comm.Errorf(comm.ErrArg, "negative count %d of %s", n, what)
	}
	return c.ints(ptr, n, what)
}

func groupPairFunc(name string, op func(a, b *comm.Group) *comm.Group) mpiFunc {
	// (group1, group2, newgroup*)
	return mpiFunc{name: name, params: params(3), fn: func(c *call) error {
		a, err := c.group(c.u32(0))
		if err != nil {
			return err
		}
		b, err := c.group(c.u32(1))
		if err != nil {
			return err
		}
		return c.putGroup(c.u32(2), op(a, b))
	}}
}

func groupListFunc(name string, op func(g *comm.Group, ranks []int) (*comm.Group, error)) mpiFunc {
	// (group, n, ranks[], newgroup*)
	return mpiFunc{name: name, params: params(4), fn: func(c *call) error {
		g, err := c.group(c.u32(0))
		if err != nil {
			return err
		}
		ranks, err := c.groupRanksArg(c.int(1), c.u32(2), "ranks")
		if err != nil {
			return err
		}
		ng, err := op(g, ranks)
		if err != nil {
			return err
		}
		return c.putGroup(c.u32(3), ng)
	}}
}

func groupRangeFunc(name string, op func(g *comm.Group, rs []comm.Range) (*comm.Group, error)) mpiFunc {
	// (group, n, ranges[][3], newgroup*)
	return mpiFunc{name: name, params: params(4), fn: func(c *call) error {
		g, err := c.group(c.u32(0))
		if err != nil {
			return err
		}
		n := c.int(1)
		if n < 0 {
			return comm.Errorf(comm.ErrArg, "negative number of ranges %d", n)
		}
		v, err := c.ints(c.u32(2), 3*n, "ranges")
		if err != nil {
			return err
		}
		rs := make([]comm.Range, n)
		for i := range rs {
			rs[i] = comm.Range{First: v[3*i], Last: v[3*i+1], Stride: v[3*i+2]}
		}
		ng, err := op(g, rs)
		if err != nil {
			return err
		}
		return c.putGroup(c.u32(3), ng)
	}}
}

func groupFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Group_size", params: params(2), fn: func(c *call) error {
			g, err := c.group(c.u32(0))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), int32(g.Size()), "size")
		}},
		{name: "MPI_Group_rank", params: params(2), fn: func(c *call) error {
			g, err := c.group(c.u32(0))
			if err != nil {
				return err
			}
			r := int32(g.Rank(c.r.rank))
			if r == comm.Undefined {
				r = abi.Undefined
			}
			return c.putI32(c.u32(1), r, "rank")
		}},
		{name: "MPI_Group_translate_ranks", params: params(5), fn: func(c *call) error {
			// (group1, n, ranks1[], group2, ranks2[])
			a, err := c.group(c.u32(0))
			if err != nil {
				return err
			}
			b, err := c.group(c.u32(3))
			if err != nil {
				return err
			}
			n := c.int(1)
			in, err := c.groupRanksArg(n, c.u32(2), "ranks1")
			if err != nil {
				return err
			}
			if _, err := c.view(c.u32(4), 4*n, "ranks2"); err != nil {
				return err
			}
			for i, r := range in {
				switch {
				case int32(r) == abi.ProcNull:
					in[i] = comm.ProcNull
				case r < 0:
					// Keep every other negative value invalid.
					in[i] = -1 << 31
				}
			}
			out, err := a.Translate(in, b)
			if err != nil {
				return err
			}
			for i, r := range out {
				v := int32(r)
				switch r {
				case comm.ProcNull:
					v = abi.ProcNull
				case comm.Undefined:
					v = abi.Undefined
				}
				c.mem.WriteUint32Le(c.u32(4)+uint32(4*i), uint32(v))
			}
			return nil
		}},
		{name: "MPI_Group_compare", params: params(3), fn: func(c *call) error {
			a, err := c.group(c.u32(0))
			if err != nil {
				return err
			}
			b, err := c.group(c.u32(1))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(2), relationOut(comm.CompareGroups(a, b)), "result")
		}},
		groupPairFunc("MPI_Group_union", (*comm.Group).Union),
		groupPairFunc("MPI_Group_intersection", (*comm.Group).Intersection),
		groupPairFunc("MPI_Group_difference", (*comm.Group).Difference),
		groupListFunc("MPI_Group_incl", (*comm.Group).Incl),
		groupListFunc("MPI_Group_excl", (*comm.Group).Excl),
		groupRangeFunc("MPI_Group_range_incl", (*comm.Group).RangeIncl),
		groupRangeFunc("MPI_Group_range_excl", (*comm.Group).RangeExcl),
		{name: "MPI_Group_free", params: params(1), fn: func(c *call) error {
			p := c.u32(0)
			h, err := c.getI32(p, "group")
			if err != nil {
				return err
			}
			if _, err := c.group(uint32(h)); err != nil {
				return err
			}
			c.r.mu.Lock()
			delete(c.r.groups, uint32(h))
			c.r.mu.Unlock()
			return c.putI32(p, int32(abi.GroupNull), "group")
		}},
	}
}
