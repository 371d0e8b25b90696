package comm

import (
	"runtime"
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
//
// What the completing goroutine writes (done, status) comes first, and the
// struct's size is a multiple of 64 bytes (see TestCacheLineLayout) so
// that it starts a cache line: a waiter polling done and the peer
// completing it share only that line.
type Request struct {
	done   atomic.Bool
	status Status
	// hook is a function to run on completion (OnComplete), or
	// hookTaken once the completing goroutine has looked for one.
	hook atomic.Pointer[func()]

	Kind  RequestKind
	owner *Endpoint

	// receive side: the pattern and where the data goes
	context uint32
	source  int
	tag     int
	buf     []byte
	layout  *Layout // set instead of buf for a non-contiguous receive

	// send side: the message itself lives in the request, so a send
	// allocates once.
	msg Message
	_   [32]byte // to a multiple of 64 bytes
}

// hookTaken marks a request whose completion has begun (see OnComplete).
var hookTaken = new(func())

// Done reports whether the request has completed. For a receive, or a
// generic request (which may stand for operations that include receives,
// such as a send-receive), it first matches whatever its endpoint's inbox
// holds, so polling makes progress. It must not be called with the
// endpoint's lock held.
func (r *Request) Done() bool {
	if r.done.Load() {
		return true
	}
	if (r.Kind == KindRecv || r.Kind == KindGeneric) && r.owner.inbox.Load() != nil {
		r.owner.drainInbox()
		return r.done.Load()
	}
	return false
}

// Status returns the final status; it is only meaningful once Done is true.
func (r *Request) Status() Status { return r.status }

// complete records the status and wakes the owner. It must be called once,
// and touches nothing of r after publishing done (the owner may reuse it).
func (r *Request) complete(st Status) {
	r.completeWith(r.owner.waker, st)
}

// completeWith is complete for a caller that already knows the owner's
// waker (it saves reading the request before writing it).
func (r *Request) completeWith(w *waker, st Status) {
	h := r.hook.Swap(hookTaken)
	r.status = st
	if h != nil {
		(*h)()
	}
	r.done.Store(true)
	w.wake()
}

// OnComplete arranges for f to run once r completes, after its status is
// set: on the completing goroutine before r reports done, or at once
// (on the calling goroutine) if r is done or completing already. It is for
// work that must follow a request nobody will wait for, such as unpacking
// the receive buffer of a request the program freed; f must not block.
// At most one function may be registered per request.
func (r *Request) OnComplete(f func()) {
	if r.hook.CompareAndSwap(nil, &f) {
		// A completion that begins from now on runs it; a request that
		// was done without one (a send done at once) runs it here.
		if r.done.Load() && r.hook.CompareAndSwap(&f, nil) {
			f()
		}
		return
	}
	// The completion has begun (or the request was done from the start):
	// its status is final once done is.
	for !r.done.Load() {
		runtime.Gosched()
	}
	f()
}

// NewGenericRequest returns a request of the endpoint that the caller
// completes later with Complete. Nonblocking collectives use it.
func (e *Endpoint) NewGenericRequest() *Request {
	return &Request{Kind: KindGeneric, owner: e}
}

// CompleteStatus finishes a generic request with a full status (an
// operation made of several, such as a send-receive, reports its
// receive's).
func (r *Request) CompleteStatus(st Status) {
	r.complete(st)
}

// Complete finishes a generic request with the given error (nil for success).
func (r *Request) Complete(err error) {
	r.complete(Status{Source: AnySource, Tag: AnyTag, Err: err})
}

// completedRequest is a request that is already done, such as a send to or
// receive from MPI_PROC_NULL.
func (e *Endpoint) completedRequest(kind RequestKind, st Status) *Request {
	r := e.newRequest(kind)
	r.status = st
	r.done.Store(true)
	return r
}

// newRequest returns a cleared request of the given kind owned by e,
// recycled when one has been released.
func (e *Endpoint) newRequest(kind RequestKind) *Request {
	r, _ := e.world.requests.Get().(*Request)
	if r == nil {
		r = new(Request)
	}
	r.Kind, r.owner = kind, e
	return r
}

// Release hands a completed send or receive request of e back for reuse,
// so that steady message traffic allocates nothing. The caller must hold
// the last reference to r and must not use it afterwards. Requests that
// are not done, generic requests and nil are left alone (a request that
// is not done may still sit in a matching queue).
func (e *Endpoint) Release(r *Request) {
	if r == nil || r.owner != e || r.Kind == KindGeneric || !r.Done() {
		return
	}
	*r = Request{}
	e.world.requests.Put(r)
}
