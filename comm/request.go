package comm

import (
	"sync/atomic"
)

// Status describes a completed receive (or probe): who sent it, with which
// tag, how many bytes arrived, and whether it was cancelled or truncated.
type Status struct {
	Source    int
	Tag       int
	Bytes     int
	Cancelled bool
	Err       error // an *Error with ErrTruncate when the message did not fit
}

// RequestKind says what a request does.
type RequestKind int

// The kinds of request.
const (
	KindSend RequestKind = iota
	KindRecv
	// KindGeneric is a request completed by code outside the matching
	// engine, such as a nonblocking collective.
	KindGeneric
)

// Request is a pending operation. It completes exactly once; after that its
// Status is fixed. A Request belongs to one Endpoint, which is woken when it
// completes.
type Request struct {
	Kind   RequestKind
	owner  *Endpoint
	done   atomic.Bool
	status Status

	// receive side: the pattern and where the data goes
	context uint32
	source  int
	tag     int
	buf     []byte

	// send side: the message itself lives in the request, so a send
	// allocates once.
	msg Message
}

// Done reports whether the request has completed.
func (r *Request) Done() bool { return r.done.Load() }

// Status returns the final status; it is only meaningful once Done is true.
func (r *Request) Status() Status { return r.status }

// complete records the status and wakes the owner. It must be called once,
// and touches nothing of r after publishing done (the owner may reuse it).
func (r *Request) complete(st Status) {
	w := r.owner.waker
	r.status = st
	r.done.Store(true)
	w.wake()
}

// NewGenericRequest returns a request of the endpoint that the caller
// completes later with Complete. Nonblocking collectives use it.
func (e *Endpoint) NewGenericRequest() *Request {
	return &Request{Kind: KindGeneric, owner: e}
}

// Complete finishes a generic request with the given error (nil for success).
func (r *Request) Complete(err error) {
	r.complete(Status{Source: AnySource, Tag: AnyTag, Err: err})
}

// completedRequest is a request that is already done, such as a send to or
// receive from MPI_PROC_NULL.
func (e *Endpoint) completedRequest(kind RequestKind, st Status) *Request {
	r := &Request{Kind: kind, owner: e, status: st}
	r.done.Store(true)
	return r
}
