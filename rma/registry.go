package rma

import (
	"context"
	"fmt"
	"sync"
)

// Registry is where the ranks of a job meet to create windows: each rank
// of the creating communicator joins under the same key with what it
// brings, and all of them get the same Window once the last has joined.
// The zero Registry is ready to use.
type Registry struct {
	mu      sync.Mutex
	pending map[string]*gathering
}

type gathering struct {
	members []Member
	joined  []bool
	left    int
	done    chan struct{}
	w       *Window
}

// Join adds member as rank rank of size ranks to the window being created
// under key and returns the window once every rank has joined. key must
// name one creation call of one communicator (the ranks of a job call it
// in the same order).
func (g *Registry) Join(ctx context.Context, key string, size, rank int, member Member) (*Window, error) {
	if rank < 0 || rank >= size {
		return nil, fmt.Errorf("rma: rank %d of a %d-rank window", rank, size)
	}
	g.mu.Lock()
	if g.pending == nil {
		g.pending = map[string]*gathering{}
	}
	p := g.pending[key]
	if p == nil {
		p = &gathering{members: make([]Member, size), joined: make([]bool, size), left: size, done: make(chan struct{})}
		g.pending[key] = p
	}
	if len(p.members) != size || p.joined[rank] {
		g.mu.Unlock()
		return nil, fmt.Errorf("rma: window creation %q joined twice by rank %d or with different sizes", key, rank)
	}
	p.members[rank] = member
	p.joined[rank] = true
	p.left--
	if p.left == 0 {
		p.w = NewWindow(p.members)
		delete(g.pending, key)
		close(p.done)
	}
	g.mu.Unlock()
	select {
	case <-p.done:
		return p.w, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the other ranks to create the window: %w", context.Cause(ctx))
	}
}
