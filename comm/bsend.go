package comm

import (
	"context"
	"sync"
)

// BsendOverhead is the bookkeeping space each buffered send takes from the
// attached buffer, on top of its data (MPI_BSEND_OVERHEAD).
const BsendOverhead = 96

// bsendState accounts for the buffer attached with MPI_Buffer_attach. The
// data itself is kept in host memory; the accounting makes a program that
// overflows its buffer fail as it would natively.
type bsendState struct {
	mu       sync.Mutex
	attached bool
	size     int
	used     int
}

func (b *bsendState) reserve(n int) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.attached {
		return Errorf(ErrBuffer, "buffered send of %d bytes without an attached buffer (call MPI_Buffer_attach first)", n)
	}
	if b.used+n+BsendOverhead > b.size {
		return Errorf(ErrBuffer, "buffered send of %d bytes does not fit: %d of the %d attached bytes are in use (each message also takes MPI_BSEND_OVERHEAD=%d)", n, b.used, b.size, BsendOverhead)
	}
	b.used += n + BsendOverhead
	return nil
}

func (b *bsendState) release(n int) {
	b.mu.Lock()
	b.used -= n + BsendOverhead
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

// DetachBuffer waits until every buffered message has been received, then
// detaches the buffer and returns its size.
func (e *Endpoint) DetachBuffer(ctx context.Context) (int, error) {
	b := &e.bsend
	b.mu.Lock()
	attached := b.attached
	b.mu.Unlock()
	if !attached {
		return 0, Errorf(ErrBuffer, "no buffer is attached")
	}
	// Buffered messages drain as receivers take them; each release wakes
	// this endpoint.
	err := e.WaitFor(ctx, func() bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.used == 0
	})
	if err != nil {
		return 0, err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	size := b.size
	b.attached, b.size = false, 0
	return size, nil
}
