package comm

import (
	"testing"
	"unsafe"
)

// The allocator places an object whose size is a multiple of 64 bytes on
// a 64-byte boundary; the hot fields of Endpoint and Request rely on it to
// sit in cache lines of their own.
func TestCacheLineLayout(t *testing.T) {
	if n := unsafe.Sizeof(Endpoint{}); n%64 != 0 {
		t.Errorf("Endpoint is %d bytes; adjust its padding to a multiple of 64", n)
	}
	if n := unsafe.Sizeof(Request{}); n%64 != 0 {
		t.Errorf("Request is %d bytes; pad it to a multiple of 64", n)
	}
	var e Endpoint
	if end := unsafe.Offsetof(e.unexpected) + unsafe.Sizeof(e.unexpected); end > 64 {
		t.Errorf("Endpoint's lock and queues span %d bytes, more than one cache line", end)
	}
	if off := unsafe.Offsetof(e.inbox); off < 64 {
		t.Errorf("Endpoint's inbox at offset %d shares the cache line of its lock", off)
	}
	var r Request
	if end := unsafe.Offsetof(r.status) + unsafe.Sizeof(r.status); end > 64 {
		t.Errorf("Request's done flag and status span %d bytes, more than one cache line", end)
	}
}
