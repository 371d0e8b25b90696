package collective

import (
	"encoding/binary"
	"math/big"
)

// Software IEEE 754 binary128 ("quad precision") arithmetic for the wasm32
// C type long double. A guest computes long double arithmetic with the
// compiler-rt soft-float routines (__addtf3, __multf3, __gttf2, ...); the
// functions here give bit-identical results for every non-NaN outcome:
// round to nearest, ties to even, gradual underflow to subnormals, overflow
// to infinity, IEEE signed-zero rules. NaN results follow compiler-rt too: a
// NaN operand is returned quieted (the first operand's if both are NaN), and
// an invalid operation (inf - inf, 0 * inf) gives the default quiet NaN.
//
// Add and multiply compute the exact result with math/big (at most 228
// significant bits are ever needed) and round it once to the binary128
// format, so there is no double rounding. This is slow next to hardware
// arithmetic (around a microsecond per element) but long double reductions
// are rare.

// f128 is a binary128 value as two little-endian 64-bit words: lo holds
// guest bytes 0-7, hi bytes 8-15 (sign, 15-bit biased exponent, top 48
// fraction bits).
type f128 struct{ lo, hi uint64 }

const (
	f128SignBit   = uint64(1) << 63
	f128ExpMask   = uint64(0x7fff) << 48 // in hi
	f128FracMask  = uint64(1)<<48 - 1    // fraction bits in hi
	f128QuietBit  = uint64(1) << 47      // in hi
	f128Bias      = 16383
	f128MaxExp    = 16383                       // largest unbiased exponent of a finite value
	f128MinExp    = -16382                      // unbiased exponent of the smallest normal
	f128Prec      = 113                         // significand bits, hidden bit included
	f128SubnExp   = f128MinExp - (f128Prec - 1) // -16494: the smallest subnormal is 2^f128SubnExp
	f128ExactPrec = 256                         // enough for any exact sum or product handled below
)

// f128DefaultNaN is the quiet NaN compiler-rt returns for invalid operations.
var f128DefaultNaN = f128{hi: f128ExpMask | f128QuietBit}

func loadF128(b []byte) f128 {
	_ = b[15]
	return f128{lo: binary.LittleEndian.Uint64(b), hi: binary.LittleEndian.Uint64(b[8:])}
}

func (x f128) store(b []byte) {
	_ = b[15]
	binary.LittleEndian.PutUint64(b, x.lo)
	binary.LittleEndian.PutUint64(b[8:], x.hi)
}

func (x f128) signbit() bool { return x.hi&f128SignBit != 0 }
func (x f128) absHi() uint64 { return x.hi &^ f128SignBit }
func (x f128) isZero() bool  { return x.absHi() == 0 && x.lo == 0 }
func (x f128) isInf() bool   { return x.absHi() == f128ExpMask && x.lo == 0 }
func (x f128) isNaN() bool {
	h := x.absHi()
	return h > f128ExpMask || (h == f128ExpMask && x.lo != 0)
}
func (x f128) neg() f128   { return f128{lo: x.lo, hi: x.hi ^ f128SignBit} }
func (x f128) quiet() f128 { return f128{lo: x.lo, hi: x.hi | f128QuietBit} }

// magLess reports |x| < |y| for non-NaN x and y.
func (x f128) magLess(y f128) bool {
	xh, yh := x.absHi(), y.absHi()
	return xh < yh || (xh == yh && x.lo < y.lo)
}

// f128Less is the C comparison x < y: false when either is NaN, and -0 == +0.
func f128Less(x, y f128) bool {
	if x.isNaN() || y.isNaN() || (x.isZero() && y.isZero()) {
		return false
	}
	xs, ys := x.signbit(), y.signbit()
	switch {
	case xs != ys:
		return xs
	case xs: // both negative
		return y.magLess(x)
	default:
		return x.magLess(y)
	}
}

// f128Equal is the C comparison x == y.
func f128Equal(x, y f128) bool {
	if x.isNaN() || y.isNaN() {
		return false
	}
	return x == y || (x.isZero() && y.isZero())
}

// f128Arith holds the scratch big numbers for binary128 arithmetic so that a
// reduction over many elements does not allocate per element. The zero
// value is ready to use; it is not safe for concurrent use.
type f128Arith struct {
	x, y, z, r big.Float
	n          big.Int
	buf        [16]byte
}

// toBig sets dst to the exact value of the finite nonzero x.
func (c *f128Arith) toBig(dst *big.Float, x f128) {
	e := int(x.absHi() >> 48)
	hi := x.hi & f128FracMask
	if e == 0 {
		e = 1 // subnormal: same scale as the smallest normal, no hidden bit
	} else {
		hi |= 1 << 48
	}
	binary.BigEndian.PutUint64(c.buf[:8], hi)
	binary.BigEndian.PutUint64(c.buf[8:], x.lo)
	c.n.SetBytes(c.buf[:])
	dst.SetPrec(f128Prec).SetMode(big.ToNearestEven).SetInt(&c.n) // exact: at most 113 bits
	dst.SetMantExp(dst, e-f128Bias-(f128Prec-1))
	if x.signbit() {
		dst.Neg(dst)
	}
}

// round rounds the exact, finite, nonzero value v to binary128.
func (c *f128Arith) round(v *big.Float) f128 {
	var sign uint64
	if v.Signbit() {
		sign = f128SignBit
	}
	e := v.MantExp(nil) - 1 // 2^e <= |v| < 2^(e+1)
	p := f128Prec           // significand bits available at this magnitude
	if e < f128MinExp {
		p = e - f128SubnExp + 1
	}
	if p <= 0 {
		// |v| is below the smallest subnormal 2^f128SubnExp. It rounds up to
		// it when above half of it; exactly half is a tie and goes to zero.
		if p == 0 && v.MinPrec() > 1 {
			return f128{lo: 1, hi: sign}
		}
		return f128{hi: sign}
	}
	r := &c.r
	r.SetPrec(uint(p)).SetMode(big.ToNearestEven).Set(v) // the one rounding
	r.Abs(r)
	e = r.MantExp(nil) - 1 // rounding may have carried into the next binade
	if e > f128MaxExp {
		return f128{hi: sign | f128ExpMask} // overflow to infinity
	}
	var biased uint64
	if e >= f128MinExp {
		r.SetMantExp(r, f128Prec-1-e) // integer in [2^112, 2^113)
		biased = uint64(e + f128Bias)
	} else {
		r.SetMantExp(r, -f128SubnExp) // subnormal: integer below 2^112
	}
	r.Int(&c.n)
	c.n.FillBytes(c.buf[:])
	hi := binary.BigEndian.Uint64(c.buf[:8])
	lo := binary.BigEndian.Uint64(c.buf[8:])
	if biased != 0 {
		hi = hi&f128FracMask | biased<<48
	}
	return f128{lo: lo, hi: sign | hi}
}

// add returns x + y rounded to nearest even.
func (c *f128Arith) add(x, y f128) f128 {
	switch {
	case x.isNaN():
		return x.quiet()
	case y.isNaN():
		return y.quiet()
	case x.isInf():
		if y.isInf() && x.signbit() != y.signbit() {
			return f128DefaultNaN
		}
		return x
	case y.isInf():
		return y
	case x.isZero():
		if y.isZero() {
			return f128{hi: x.hi & y.hi} // -0 only for -0 + -0
		}
		return y
	case y.isZero():
		return x
	}
	c.toBig(&c.x, x)
	c.toBig(&c.y, y)
	// When the exponents are 115 or more apart the smaller operand is below
	// half an ulp of the larger (even just under a power of two) and cannot
	// change the rounded sum; otherwise the exact sum fits in 228 bits.
	if d := c.x.MantExp(nil) - c.y.MantExp(nil); d >= f128Prec+2 {
		return x
	} else if d <= -(f128Prec + 2) {
		return y
	}
	c.z.SetPrec(f128ExactPrec).SetMode(big.ToNearestEven).Add(&c.x, &c.y)
	if c.z.Sign() == 0 {
		return f128{} // exact cancellation gives +0 when rounding to nearest
	}
	return c.round(&c.z)
}

// sub returns x - y, computed as x + (-y) like compiler-rt's __subtf3.
func (c *f128Arith) sub(x, y f128) f128 { return c.add(x, y.neg()) }

// mul returns x * y rounded to nearest even.
func (c *f128Arith) mul(x, y f128) f128 {
	sign := (x.hi ^ y.hi) & f128SignBit
	switch {
	case x.isNaN():
		return x.quiet()
	case y.isNaN():
		return y.quiet()
	case x.isInf():
		if y.isZero() {
			return f128DefaultNaN
		}
		return f128{hi: sign | f128ExpMask}
	case y.isInf():
		if x.isZero() {
			return f128DefaultNaN
		}
		return f128{hi: sign | f128ExpMask}
	case x.isZero() || y.isZero():
		return f128{hi: sign}
	}
	c.toBig(&c.x, x)
	c.toBig(&c.y, y)
	c.z.SetPrec(f128ExactPrec).SetMode(big.ToNearestEven).Mul(&c.x, &c.y) // exact: at most 226 bits
	return c.round(&c.z)
}
