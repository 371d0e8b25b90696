package comm

// Layout is count elements of a datatype laid out in Mem with the buffer
// address at index Origin: a non-contiguous buffer that a send reads, or a
// receive writes, in place. Between two layouts in one process a message
// moves block to block, straight from the sender's memory into the
// receiver's, with no buffer in between. Mem must not move while an
// operation uses it (guest memories never do), and Map must be flattened.
type Layout struct {
	Mem    []byte
	Origin int64
	Count  int64
	Map    *TypeMap
}

// Size is the number of data bytes the layout holds.
func (l *Layout) Size() int { return int(l.Count * l.Map.Size()) }

// pack copies the layout's data, in type-map order, into dst (at most
// len(dst) bytes).
func (l *Layout) pack(dst []byte) { l.Map.Pack(dst, l.Mem, l.Origin, l.Count) }

// unpack copies src into the layout's elements, in type-map order.
func (l *Layout) unpack(src []byte) { l.Map.Unpack(l.Mem, l.Origin, l.Count, src) }

// layoutCursor walks the data blocks of a layout in type-map order.
type layoutCursor struct {
	l    *Layout
	elem int64 // element
	blk  int   // block of the element
	used int64 // bytes of the block already taken
}

// next returns the next piece of at most max bytes: its index in Mem and
// its length (0 at the end of the data).
func (c *layoutCursor) next(max int64) (at, n int64) {
	blocks := c.l.Map.blocks
	for c.elem < c.l.Count {
		if c.blk == len(blocks) {
			c.elem, c.blk = c.elem+1, 0
			continue
		}
		b := blocks[c.blk]
		if c.used == b.Len {
			c.blk, c.used = c.blk+1, 0
			continue
		}
		n = min(b.Len-c.used, max)
		at = c.l.Origin + c.elem*c.l.Map.Extent() + b.Off + c.used
		c.used += n
		return at, n
	}
	return 0, 0
}

// copyLayouts copies the first n data bytes of src into dst, piece by
// piece between the two memories.
func copyLayouts(dst, src *Layout, n int64) {
	s, d := layoutCursor{l: src}, layoutCursor{l: dst}
	for n > 0 {
		sat, sn := s.next(n)
		if sn == 0 {
			return
		}
		n -= sn
		for sn > 0 {
			dat, dn := d.next(sn)
			if dn == 0 {
				return
			}
			copy(dst.Mem[dat:dat+dn], src.Mem[sat:sat+dn])
			sat, sn = sat+dn, sn-dn
		}
	}
}
