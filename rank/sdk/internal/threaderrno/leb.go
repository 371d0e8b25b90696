package threaderrno

import "fmt"

// reader decodes the primitive encodings of the binary format. The first
// error sticks: later reads return zero values.
type reader struct {
	b   []byte
	pos int
	err error
}

func (r *reader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: truncated or invalid %s at byte %d", ErrFormat, what, r.pos)
	}
}

func (r *reader) byte() byte {
	if r.err != nil || r.pos >= len(r.b) {
		r.fail("byte")
		return 0
	}
	c := r.b[r.pos]
	r.pos++
	return c
}

func (r *reader) uleb() uint64 {
	var v uint64
	for shift := uint(0); shift < 64; shift += 7 {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v
		}
	}
	r.fail("LEB128")
	return 0
}

func (r *reader) u32() uint32 {
	v := r.uleb()
	if v > 1<<32-1 {
		r.fail("u32")
		return 0
	}
	return uint32(v)
}

func (r *reader) sleb() int64 {
	var v int64
	shift := uint(0)
	for {
		c := r.byte()
		if r.err != nil {
			return 0
		}
		v |= int64(c&0x7f) << shift
		shift += 7
		if c&0x80 == 0 {
			if shift < 64 && c&0x40 != 0 {
				v |= -1 << shift
			}
			return v
		}
		if shift >= 70 {
			r.fail("signed LEB128")
			return 0
		}
	}
}

func (r *reader) skip(n int) {
	if r.err != nil || n < 0 || r.pos+n > len(r.b) {
		r.fail("bytes")
		return
	}
	r.pos += n
}

func (r *reader) string() string {
	n := r.u32()
	start := r.pos
	r.skip(int(n))
	if r.err != nil {
		return ""
	}
	return string(r.b[start:r.pos])
}

// limits skips a table or memory limits record.
func (r *reader) limits() {
	flags := r.byte()
	r.uleb()
	if flags&1 != 0 {
		r.uleb()
	}
}

func appendULEB(b []byte, v uint64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendSLEB(b []byte, v int64) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

func appendString(b []byte, s string) []byte {
	b = appendULEB(b, uint64(len(s)))
	return append(b, s...)
}
