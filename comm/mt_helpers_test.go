package comm_test

// Shared helpers for the matching-engine tests. Names carry an "mt" prefix
// so that they do not collide with helpers in other test files of the
// package.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// mtTestTimeout bounds every ordinary test; a hang fails instead of stalling
// the whole run.
const mtTestTimeout = 10 * time.Second

// mtWorld creates a world of n local ranks whose context expires after
// mtTestTimeout, and the WORLD communicator (context 0) of every rank. The
// world is stopped when the test ends. Operations in the tests use
// w.Context() so that a hang turns into a deadline error.
func mtWorld(t testing.TB, n int, opts ...comm.WorldOption) (*comm.World, []*comm.Comm) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), mtTestTimeout)
	t.Cleanup(cancel)
	w, err := comm.NewWorld(ctx, n, opts...)
	if err != nil {
		t.Fatalf("NewWorld(%d): %v", n, err)
	}
	t.Cleanup(func() { w.Stop(nil) })
	return w, mtComms(t, w, 0)
}

// mtComms returns, for every rank of w, the communicator spanning all ranks
// with the given context id.
func mtComms(t testing.TB, w *comm.World, ctxID uint32) []*comm.Comm {
	t.Helper()
	all := make([]int, w.Size())
	for i := range all {
		all[i] = i
	}
	cs := make([]*comm.Comm, w.Size())
	for i := range cs {
		c, err := w.Comm(i, ctxID, all)
		if err != nil {
			t.Fatalf("World.Comm(%d, %d): %v", i, ctxID, err)
		}
		cs[i] = c
	}
	return cs
}

// mtPayload returns n deterministic bytes that depend on seed.
func mtPayload(seed uint64, n int) []byte {
	b := make([]byte, n)
	x := seed*0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019
	for i := range b {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i] = byte(x >> 24)
	}
	return b
}

// mtClass fails the test unless err is an *comm.Error of the given class.
func mtClass(t testing.TB, what string, err error, want comm.ErrorClass) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: got nil error, want %v", what, want)
		return
	}
	var e *comm.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: error %v (%T) is not a *comm.Error, want class %v", what, err, err, want)
		return
	}
	if e.Class != want {
		t.Errorf("%s: error class %v (%v), want %v", what, e.Class, err, want)
	}
}

// mtNoErr fails the test immediately on a non-nil error.
func mtNoErr(t testing.TB, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// mtWait waits for r on c's endpoint and fails the test if that errors.
func mtWait(t testing.TB, c *comm.Comm, r *comm.Request) comm.Status {
	t.Helper()
	st, err := c.Endpoint().Wait(c.Endpoint().World().Context(), r)
	if err != nil {
		t.Fatalf("Wait: %v", err)
	}
	return st
}

// mtStaysPending checks that r does not complete within d.
func mtStaysPending(t testing.TB, what string, r *comm.Request, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if r.Done() {
			t.Fatalf("%s: request completed early", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// mtPending checks the endpoint's queue lengths.
func mtPending(t testing.TB, what string, c *comm.Comm, posted, unexpected int) {
	t.Helper()
	p, u := c.Endpoint().Pending()
	if p != posted || u != unexpected {
		t.Fatalf("%s: Pending() = (%d posted, %d unexpected), want (%d, %d)", what, p, u, posted, unexpected)
	}
}

// mtCheckStatus compares the interesting fields of a receive status.
func mtCheckStatus(t testing.TB, what string, st comm.Status, source, tag, n int) {
	t.Helper()
	if st.Source != source || st.Tag != tag || st.Bytes != n || st.Cancelled || st.Err != nil {
		t.Fatalf("%s: status %+v, want Source=%d Tag=%d Bytes=%d, not cancelled, no error", what, st, source, tag, n)
	}
}

// mtSameBytes fails when got != want, without dumping megabytes.
func mtSameBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if !bytes.Equal(got, want) {
		t.Fatalf("%s: data mismatch (%s)", what, mtDiff(got, want))
	}
}

func mtDiff(got, want []byte) string {
	if len(got) != len(want) {
		return fmt.Sprintf("len %d, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at byte %d: %#x, want %#x", i, got[i], want[i])
		}
	}
	return "equal"
}

// mtResult is what a background operation reports.
type mtResult struct {
	st  comm.Status
	err error
}

// mtAwait waits up to d for a result from ch.
func mtAwait(t testing.TB, what string, ch <-chan mtResult, d time.Duration) mtResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(d):
		t.Fatalf("%s: did not return within %v", what, d)
		return mtResult{}
	}
}

// mtNotYet checks that nothing arrives on ch within d.
func mtNotYet(t testing.TB, what string, ch <-chan mtResult, d time.Duration) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s: returned early with %+v, %v", what, r.st, r.err)
	case <-time.After(d):
	}
}
