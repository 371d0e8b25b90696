package comm_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// mtBlockers starts one goroutine per kind of blocking operation, each on
// its own rank of a 6-rank world and each using the context that opCtx
// returns, and returns a channel per operation.
func mtBlockers(t *testing.T, c []*comm.Comm, opCtx func() context.Context) map[string]chan mtResult {
	t.Helper()
	ops := map[string]func(ctx context.Context) error{
		"Recv": func(ctx context.Context) error {
			_, err := c[0].Recv(ctx, make([]byte, 8), 5, 0)
			return err
		},
		"Send(large)": func(ctx context.Context) error {
			return c[1].Send(ctx, make([]byte, comm.EagerLimit+1), 5, 0, comm.ModeStandard)
		},
		"Send(sync)": func(ctx context.Context) error {
			return c[2].Send(ctx, []byte("x"), 5, 0, comm.ModeSync)
		},
		"Probe": func(ctx context.Context) error {
			_, err := c[3].Probe(ctx, comm.AnySource, 77)
			return err
		},
		"WaitAny": func(ctx context.Context) error {
			r, err := c[4].Irecv(make([]byte, 1), 5, 1)
			if err != nil {
				return err
			}
			_, err = c[4].Endpoint().WaitAny(ctx, []*comm.Request{nil, r})
			return err
		},
		"WaitAll": func(ctx context.Context) error {
			r, err := c[4].Irecv(make([]byte, 1), 5, 2)
			if err != nil {
				return err
			}
			return c[4].Endpoint().WaitAll(ctx, []*comm.Request{r})
		},
	}
	out := make(map[string]chan mtResult)
	for name, op := range ops {
		ch := make(chan mtResult, 1)
		out[name] = ch
		ctx := opCtx()
		go func() { ch <- mtResult{err: op(ctx)} }()
	}
	return out
}

// World.Stop unblocks every rank blocked in a receive, a send, a probe or a
// wait whose context derives from the world's, and they return the cause.
func TestStopUnblocksBlockedOperations(t *testing.T) {
	w, c := mtWorld(t, 6)
	chans := mtBlockers(t, c, func() context.Context { return w.Context() })
	for name, ch := range chans {
		mtNotYet(t, name+" before Stop", ch, 0)
	}
	time.Sleep(mtPendingFor) // let them spin down and park
	for name, ch := range chans {
		mtNotYet(t, name+" before Stop", ch, 0)
	}
	cause := errors.New("rank 3 called MPI_Abort")
	w.Stop(cause)
	w.Stop(errors.New("second cause is ignored"))
	for name, ch := range chans {
		res := mtAwait(t, name+" after Stop", ch, 5*time.Second)
		if !errors.Is(res.err, cause) {
			t.Errorf("%s returned %v, want the stop cause", name, res.err)
		}
	}
	if !errors.Is(context.Cause(w.Context()), cause) {
		t.Errorf("world context cause %v", context.Cause(w.Context()))
	}
	// Operations started after the stop return the cause at once.
	if _, err := c[0].Recv(w.Context(), make([]byte, 1), 1, 0); !errors.Is(err, cause) {
		t.Errorf("Recv after Stop returned %v", err)
	}
}

// The stop must also reach operations whose own context is unrelated to
// the world's (a rank runs with the job's context, not the world's): the
// World.Stop documentation promises that every blocked operation returns.
func TestStopUnblocksOperationsWithIndependentContext(t *testing.T) {
	w, c := mtWorld(t, 6)
	ind, cancelInd := context.WithTimeout(context.Background(), mtTestTimeout)
	defer cancelInd()
	chans := mtBlockers(t, c, func() context.Context { return ind })
	time.Sleep(mtPendingFor)
	cause := errors.New("job stopped")
	w.Stop(cause)
	deadline := time.Now().Add(2 * time.Second)
	var stuck []string
	for name, ch := range chans {
		select {
		case res := <-ch:
			if !errors.Is(res.err, cause) {
				t.Errorf("%s returned %v, want the stop cause", name, res.err)
			}
			delete(chans, name)
		case <-time.After(time.Until(deadline)):
			stuck = append(stuck, name)
		}
	}
	slices.Sort(stuck)
	if len(stuck) > 0 {
		t.Errorf("World.Stop did not unblock %v within 2s (their context is not derived from the world's)", stuck)
	}
	// Release whatever is still blocked so the goroutines end.
	cancelInd()
	for _, ch := range chans {
		<-ch
	}
}

// Stop with a nil cause reports ErrStopped; cancelling the context the
// world was created with stops it too.
func TestStopCauses(t *testing.T) {
	w, c := mtWorld(t, 2)
	done := make(chan mtResult, 1)
	go func() {
		st, err := c[0].Recv(w.Context(), make([]byte, 1), 1, 0)
		done <- mtResult{st, err}
	}()
	time.Sleep(10 * time.Millisecond)
	w.Stop(nil)
	if res := mtAwait(t, "Recv after Stop(nil)", done, 5*time.Second); !errors.Is(res.err, comm.ErrStopped) {
		t.Fatalf("Recv returned %v, want ErrStopped", res.err)
	}

	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	w2, err := comm.NewWorld(parent, 2)
	mtNoErr(t, "NewWorld", err)
	defer w2.Stop(nil)
	c2 := mtComms(t, w2, 0)
	go func() {
		_, err := c2[1].Probe(w2.Context(), 0, 0)
		done <- mtResult{err: err}
	}()
	time.Sleep(10 * time.Millisecond)
	cancel()
	if res := mtAwait(t, "Probe after the parent context was cancelled", done, 5*time.Second); !errors.Is(res.err, context.Canceled) {
		t.Fatalf("Probe returned %v, want context.Canceled", res.err)
	}
}

// A receive whose own context expires (the world still running) returns the
// context's error, not a stop cause.
func TestRecvContextDeadline(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx, cancel := context.WithTimeout(w.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := c[0].Recv(ctx, make([]byte, 1), 1, 0)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Recv returned %v, want DeadlineExceeded", err)
	}
	if w.Context().Err() != nil {
		t.Fatal("world stopped by an operation's deadline")
	}
}
