package comm

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Transport carries messages to ranks of the world. The in-process transport
// hands a message straight to the destination endpoint; a network transport
// would serialise it, and on the far side call Endpoint.Arrive with a message
// whose Taken acknowledges back to the sender.
type Transport interface {
	// Deliver hands m to world rank dst. It must preserve the order of
	// messages from one sender to one destination. It must not keep m.Data
	// beyond the call unless it also holds off calling m.Taken. Small
	// standard-mode messages reach the transport already holding a private
	// copy of their data, so the sender is done once Deliver returns.
	Deliver(ctx context.Context, dst int, m *Message) error
}

// World is the set of ranks of one job that this process knows about, and
// the transport that reaches them.
type World struct {
	size      int
	endpoints []*Endpoint // nil where the rank lives elsewhere
	transport Transport
	eager     eagerPool
	requests  sync.Pool // released send and receive requests (*Request)

	stopOnce sync.Once
	stopErr  error
	cancel   context.CancelCauseFunc
	ctx      context.Context
}

// WorldOption configures a World.
type WorldOption func(*World)

// WithTransport sets the transport used to reach ranks. The default is the
// in-process transport, which requires every rank to be local.
func WithTransport(t Transport) WorldOption { return func(w *World) { w.transport = t } }

// NewWorld creates a world of size ranks, all local to this process unless
// a transport says otherwise. ctx bounds the life of the world: when it is
// done, every blocked operation returns.
func NewWorld(ctx context.Context, size int, opts ...WorldOption) (*World, error) {
	if size < 1 {
		return nil, fmt.Errorf("world size must be at least 1, got %d", size)
	}
	w := &World{size: size, endpoints: make([]*Endpoint, size)}
	w.ctx, w.cancel = context.WithCancelCause(ctx)
	spin := spinBudget(size)
	for i := range w.endpoints {
		w.endpoints[i] = &Endpoint{world: w, rank: i, waker: newWaker(w.ctx, spin)}
	}
	for _, o := range opts {
		o(w)
	}
	if w.transport == nil {
		w.transport = inProcess{w}
	}
	return w, nil
}

// Size is the number of ranks in the world.
func (w *World) Size() int { return w.size }

// Endpoint returns the local endpoint of world rank r.
func (w *World) Endpoint(r int) *Endpoint { return w.endpoints[r] }

// Context is done once the world has been stopped.
func (w *World) Context() context.Context { return w.ctx }

// ErrStopped is the cause reported to blocked operations when the world is
// stopped without a more specific reason.
var ErrStopped = errors.New("the job was stopped")

// Stop ends the world: every blocked operation returns with cause (or
// ErrStopped when cause is nil). Only the first call has an effect.
func (w *World) Stop(cause error) {
	if cause == nil {
		cause = ErrStopped
	}
	w.stopOnce.Do(func() { w.cancel(cause) })
}

// stopped turns the error of an interrupted wait into the reason the world
// stopped, if it did.
func (w *World) stopped(err error) error {
	if cause := context.Cause(w.ctx); cause != nil {
		return cause
	}
	return err
}

// Comm returns the communicator of endpoint rank that spans the given world
// ranks, with contexts ctx (point to point) and ctx+1 (collectives).
// Predefined communicators use it directly: WORLD is
// Comm(r, 0, all ranks) and SELF is Comm(r, 2, [r]).
func (w *World) Comm(rank int, ctx uint32, ranks []int) (*Comm, error) {
	me := -1
	for i, r := range ranks {
		if r < 0 || r >= w.size {
			return nil, fmt.Errorf("world rank %d out of range [0,%d)", r, w.size)
		}
		if r == rank {
			me = i
		}
	}
	if me < 0 {
		return nil, fmt.Errorf("rank %d is not in the group of the new communicator", rank)
	}
	return &Comm{ep: w.endpoints[rank], context: ctx, ranks: ranks, rank: me, collSeq: new(atomic.Uint64)}, nil
}

type inProcess struct{ w *World }

func (t inProcess) Deliver(_ context.Context, dst int, m *Message) error {
	ep := t.w.endpoints[dst]
	if ep == nil {
		return fmt.Errorf("world rank %d is not in this process and no transport reaches it", dst)
	}
	ep.Arrive(m)
	return nil
}
