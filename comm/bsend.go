package comm

import (
	"context"
	"sync"
)

// BsendOverhead is the bookkeeping space each buffered send takes from the
// attached buffer, on top of its data (MPI_BSEND_OVERHEAD; the ABI table
// checks that the guest header says the same).
const BsendOverhead = 512

// bsendState accounts for the buffer attached with MPI_Buffer_attach. The
// data itself is copied into host memory and handed to the receiver at
// once, so the guest's buffer is never written; the accounting makes a
// program that overflows its buffer fail as it would natively.
type bsendState struct {
	mu         sync.Mutex
	attached   bool
	size       int
	used       int
	generation uint64 // bumped by every detach, so late releases of an old buffer are ignored
}

// reserve takes n bytes (plus the overhead) and returns the generation the
// reservation belongs to.
func (b *bsendState) reserve(n int) (uint64, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.attached {
		return 0, Errorf(ErrBuffer, "buffered send of %d bytes without an attached buffer (call MPI_Buffer_attach first)", n)
	}
	if b.used+n+BsendOverhead > b.size {
		return 0, Errorf(ErrBuffer, "buffered send of %d bytes does not fit: %d of the %d attached bytes are in use (each message also takes MPI_BSEND_OVERHEAD=%d)", n, b.used, b.size, BsendOverhead)
	}
	b.used += n + BsendOverhead
	return b.generation, nil
}

func (b *bsendState) release(n int, generation uint64) {
	b.mu.Lock()
	if generation == b.generation {
		b.used -= n + BsendOverhead
	}
	b.mu.Unlock()
}

// AttachBuffer makes size bytes available to buffered sends.
func (e *Endpoint) AttachBuffer(size int) error {
	b := &e.bsend
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.attached {
		return Errorf(ErrBuffer, "a buffer is already attached (detach it first)")
	}
	if size < 0 {
		return Errorf(ErrArg, "invalid buffer size %d", size)
	}
	b.attached, b.size, b.used = true, size, 0
	return nil
}

// DetachBuffer detaches the buffer and returns its size. MPI lets detach
// block until the buffered messages are transmitted; here they already are
// (each one sits, copied, in its receiver's queue), so it returns at once,
// and a program that detaches before its peer receives does not deadlock.
func (e *Endpoint) DetachBuffer(context.Context) (int, error) {
	b := &e.bsend
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.attached {
		return 0, Errorf(ErrBuffer, "no buffer is attached")
	}
	size := b.size
	b.attached, b.size, b.used = false, 0, 0
	b.generation++
	return size, nil
}
