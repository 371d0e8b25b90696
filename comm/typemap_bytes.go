package comm

// ElementBytes is the number of bytes the first n basic elements of a
// buffer of elements of the type occupy (the inverse of Elements, for
// MPI_Status_set_elements): whole elements of the type, then the leading
// runs of its signature; the value of a pair type counts as its first
// element. It is -1 when n is not zero but the type has no basic elements.
// Flatten must have succeeded.
func (tm *TypeMap) ElementBytes(n int64) int64 {
	if n == 0 {
		return 0
	}
	if tm.elements == 0 {
		return -1
	}
	bytes := n / tm.elements * tm.size
	rem := n % tm.elements
	for _, r := range tm.sig {
		if rem == 0 {
			break
		}
		per := basicElements(r.T)
		s := int64(r.T.Size())
		if whole := r.Count * per; rem >= whole {
			bytes += r.Count * s
			rem -= whole
			continue
		}
		bytes += rem / per * s
		rem %= per
		if rem != 0 {
			// one element into a pair: its value
			bytes += int64(pairs[r.T].value.Size())
			rem = 0
		}
	}
	return bytes
}
