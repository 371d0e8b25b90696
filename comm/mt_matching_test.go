package comm_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// Exact matching on (context, source, tag): a receive for (1, 5) takes
// neither a message from another source with tag 5 nor one from source 1
// with another tag, whichever side comes first.
func TestMatchExactSourceAndTag(t *testing.T) {
	for _, postFirst := range []bool{false, true} {
		t.Run(fmt.Sprintf("postFirst=%v", postFirst), func(t *testing.T) {
			w, c := mtWorld(t, 3)
			ctx := w.Context()
			buf := make([]byte, 16)
			var r *comm.Request
			var err error
			if postFirst {
				r, err = c[0].Irecv(buf, 1, 5)
				mtNoErr(t, "Irecv", err)
			}
			mtNoErr(t, "send 2->0 tag 5", c[2].Send(ctx, []byte("wrong-src"), 0, 5, comm.ModeStandard))
			mtNoErr(t, "send 1->0 tag 6", c[1].Send(ctx, []byte("wrong-tag"), 0, 6, comm.ModeStandard))
			if postFirst {
				if r.Done() {
					t.Fatalf("receive (1,5) matched a non-matching message: %+v %q", r.Status(), buf)
				}
				mtPending(t, "before match", c[0], 1, 2)
			} else {
				mtPending(t, "before post", c[0], 0, 2)
				r, err = c[0].Irecv(buf, 1, 5)
				mtNoErr(t, "Irecv", err)
				if r.Done() {
					t.Fatalf("receive (1,5) matched a queued non-matching message: %+v %q", r.Status(), buf)
				}
			}
			mtNoErr(t, "send 1->0 tag 5", c[1].Send(ctx, []byte("right"), 0, 5, comm.ModeStandard))
			st := mtWait(t, c[0], r)
			mtCheckStatus(t, "exact receive", st, 1, 5, 5)
			mtSameBytes(t, "exact receive", buf[:st.Bytes], []byte("right"))
			mtPending(t, "after match", c[0], 0, 2)

			// The two others are still there and are taken by exact receives.
			st, err = c[0].Recv(ctx, buf, 1, 6)
			mtNoErr(t, "Recv(1,6)", err)
			mtCheckStatus(t, "Recv(1,6)", st, 1, 6, 9)
			mtSameBytes(t, "Recv(1,6)", buf[:st.Bytes], []byte("wrong-tag"))
			st, err = c[0].Recv(ctx, buf, 2, 5)
			mtNoErr(t, "Recv(2,5)", err)
			mtCheckStatus(t, "Recv(2,5)", st, 2, 5, 9)
			mtSameBytes(t, "Recv(2,5)", buf[:st.Bytes], []byte("wrong-src"))
			mtPending(t, "at end", c[0], 0, 0)
		})
	}
}

// AnySource and AnyTag wildcards, alone and together; each takes the
// earliest queued message that it matches.
func TestMatchWildcardsQueued(t *testing.T) {
	w, c := mtWorld(t, 4)
	ctx := w.Context()
	type msg struct {
		src, tag int
		data     string
	}
	sent := []msg{{1, 3, "a"}, {2, 7, "b"}, {3, 3, "c"}, {1, 7, "d"}, {2, 3, "e"}, {3, 9, "f"}}
	for _, m := range sent {
		mtNoErr(t, "Send", c[m.src].Send(ctx, []byte(m.data), 0, m.tag, comm.ModeStandard))
	}
	mtPending(t, "queued", c[0], 0, len(sent))
	buf := make([]byte, 4)
	for i, want := range []struct {
		src, tag int // the receive's pattern
		msg
	}{
		{comm.AnySource, 7, msg{2, 7, "b"}},
		{3, comm.AnyTag, msg{3, 3, "c"}},
		{comm.AnySource, comm.AnyTag, msg{1, 3, "a"}},
		{1, comm.AnyTag, msg{1, 7, "d"}},
		{comm.AnySource, 9, msg{3, 9, "f"}},
		{comm.AnySource, comm.AnyTag, msg{2, 3, "e"}},
	} {
		st, err := c[0].Recv(ctx, buf, want.src, want.tag)
		mtNoErr(t, "Recv", err)
		what := fmt.Sprintf("receive %d (source %d, tag %d)", i, want.src, want.tag)
		mtCheckStatus(t, what, st, want.msg.src, want.msg.tag, 1)
		mtSameBytes(t, what, buf[:1], []byte(want.data))
	}
	mtPending(t, "drained", c[0], 0, 0)
}

// Posted receives are matched in posting order: the first posted receive
// that matches an arriving message takes it.
func TestMatchWildcardsPosted(t *testing.T) {
	w, c := mtWorld(t, 3)
	ctx := w.Context()
	bufs := make([][]byte, 4)
	for i := range bufs {
		bufs[i] = make([]byte, 4)
	}
	patterns := []struct{ src, tag int }{
		{2, 4},                        // r0
		{comm.AnySource, 4},           // r1
		{1, comm.AnyTag},              // r2
		{comm.AnySource, comm.AnyTag}, // r3
	}
	rs := make([]*comm.Request, len(patterns))
	for i, p := range patterns {
		var err error
		rs[i], err = c[0].Irecv(bufs[i], p.src, p.tag)
		mtNoErr(t, "Irecv", err)
	}
	mtPending(t, "posted", c[0], 4, 0)
	// (1,4) matches r1, r2, r3: r1 was posted first among them.
	mtNoErr(t, "send", c[1].Send(ctx, []byte("x"), 0, 4, comm.ModeStandard))
	// (1,4) again: r2 now.
	mtNoErr(t, "send", c[1].Send(ctx, []byte("y"), 0, 4, comm.ModeStandard))
	// (2,5): only r3.
	mtNoErr(t, "send", c[2].Send(ctx, []byte("z"), 0, 5, comm.ModeStandard))
	// (2,4): r0.
	mtNoErr(t, "send", c[2].Send(ctx, []byte("w"), 0, 4, comm.ModeStandard))
	want := []struct {
		src, tag int
		data     string
	}{{2, 4, "w"}, {1, 4, "x"}, {1, 4, "y"}, {2, 5, "z"}}
	for i, r := range rs {
		st := mtWait(t, c[0], r)
		mtCheckStatus(t, fmt.Sprintf("r%d", i), st, want[i].src, want[i].tag, 1)
		mtSameBytes(t, fmt.Sprintf("r%d", i), bufs[i][:1], []byte(want[i].data))
	}
	mtPending(t, "all matched", c[0], 0, 0)
}

// Sends to and receives from ProcNull complete at once with Source
// ProcNull, whatever the mode and size, and touch no buffer.
func TestProcNull(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	big := make([]byte, comm.EagerLimit+100)
	for _, mode := range []comm.SendMode{comm.ModeStandard, comm.ModeSync, comm.ModeReady, comm.ModeBuffered} {
		for _, buf := range [][]byte{nil, []byte("abc"), big} {
			r, err := c[0].Isend(ctx, buf, comm.ProcNull, 3, mode)
			mtNoErr(t, "Isend to ProcNull", err)
			if !r.Done() {
				t.Fatalf("mode %d: send to ProcNull not complete at once", mode)
			}
			if st := r.Status(); st.Source != comm.ProcNull || st.Err != nil {
				t.Fatalf("mode %d: send to ProcNull status %+v", mode, st)
			}
			mtNoErr(t, "Send to ProcNull", c[0].Send(ctx, buf, comm.ProcNull, 3, mode))
		}
	}
	buf := []byte("untouched")
	for _, tag := range []int{0, 5, comm.AnyTag} {
		r, err := c[1].Irecv(buf, comm.ProcNull, tag)
		mtNoErr(t, "Irecv from ProcNull", err)
		if !r.Done() {
			t.Fatal("receive from ProcNull not complete at once")
		}
		st := mtWait(t, c[1], r)
		if st.Source != comm.ProcNull || st.Tag != comm.AnyTag || st.Bytes != 0 || st.Err != nil || st.Cancelled {
			t.Fatalf("receive from ProcNull: status %+v, want Source=ProcNull Tag=AnyTag Bytes=0", st)
		}
		st, err = c[1].Recv(ctx, buf, comm.ProcNull, tag)
		mtNoErr(t, "Recv from ProcNull", err)
		if st.Source != comm.ProcNull || st.Bytes != 0 {
			t.Fatalf("Recv from ProcNull: status %+v", st)
		}
	}
	if string(buf) != "untouched" {
		t.Fatalf("receive from ProcNull wrote the buffer: %q", buf)
	}
	st, ok, err := c[1].Iprobe(comm.ProcNull, comm.AnyTag)
	if err != nil || !ok || st.Source != comm.ProcNull {
		t.Fatalf("Iprobe(ProcNull) = %+v, %v, %v", st, ok, err)
	}
	st, err = c[1].Probe(ctx, comm.ProcNull, 1)
	if err != nil || st.Source != comm.ProcNull {
		t.Fatalf("Probe(ProcNull) = %+v, %v", st, err)
	}
	mtPending(t, "ProcNull traffic leaves nothing behind", c[0], 0, 0)
	mtPending(t, "ProcNull traffic leaves nothing behind", c[1], 0, 0)
}

// Messages on different contexts never match each other: the WORLD
// communicator, its collective shadow (context+1) and another communicator
// over the same ranks with its own context.
func TestContextsAreIsolated(t *testing.T) {
	w, c := mtWorld(t, 2)
	ctx := w.Context()
	coll := []*comm.Comm{c[0].Collective(), c[1].Collective()}
	other := mtComms(t, w, 4)
	if coll[0].Context() != c[0].Context()+1 {
		t.Fatalf("Collective context %d, want %d", coll[0].Context(), c[0].Context()+1)
	}
	if c[0].Context() != 0 || other[0].Context() != 4 {
		t.Fatalf("contexts %d, %d; want 0, 4", c[0].Context(), other[0].Context())
	}

	// Wildcard receives posted on the WORLD context see nothing from the
	// other two.
	buf := make([]byte, 8)
	r, err := c[1].Irecv(buf, comm.AnySource, comm.AnyTag)
	mtNoErr(t, "Irecv", err)
	mtNoErr(t, "send coll", coll[0].Send(ctx, []byte("coll"), 1, 1, comm.ModeStandard))
	mtNoErr(t, "send other", other[0].Send(ctx, []byte("other"), 1, 1, comm.ModeStandard))
	big := mtPayload(9, comm.EagerLimit+1)
	bigReq, err := other[0].Isend(ctx, big, 1, 1, comm.ModeStandard)
	mtNoErr(t, "Isend big other", err)
	if r.Done() {
		t.Fatalf("WORLD receive matched a message of another context: %+v %q", r.Status(), buf)
	}
	mtPending(t, "cross-context", c[1], 1, 3)

	for _, cc := range []*comm.Comm{c[1], coll[1], other[1]} {
		st, ok, err := cc.Iprobe(comm.AnySource, comm.AnyTag)
		mtNoErr(t, "Iprobe", err)
		wantOK := cc != c[1]
		if ok != wantOK {
			t.Fatalf("Iprobe on context %d: found=%v, want %v (status %+v)", cc.Context(), ok, wantOK, st)
		}
	}

	// The collective message goes to the collective receive even though
	// other traffic arrived later with the same tag.
	st, err := coll[1].Recv(ctx, buf, comm.AnySource, comm.AnyTag)
	mtNoErr(t, "Recv coll", err)
	mtCheckStatus(t, "Recv coll", st, 0, 1, 4)
	mtSameBytes(t, "Recv coll", buf[:4], []byte("coll"))
	if _, ok, _ := coll[1].Iprobe(comm.AnySource, comm.AnyTag); ok {
		t.Fatal("collective context still has a message")
	}

	st, err = other[1].Recv(ctx, buf, 0, 1)
	mtNoErr(t, "Recv other", err)
	mtCheckStatus(t, "Recv other", st, 0, 1, 5)
	mtSameBytes(t, "Recv other", buf[:5], []byte("other"))
	bigBuf := make([]byte, len(big))
	st, err = other[1].Recv(ctx, bigBuf, comm.AnySource, comm.AnyTag)
	mtNoErr(t, "Recv other big", err)
	mtCheckStatus(t, "Recv other big", st, 0, 1, len(big))
	mtSameBytes(t, "Recv other big", bigBuf, big)
	mtWait(t, other[0], bigReq)

	if r.Done() {
		t.Fatal("WORLD receive completed without a WORLD message")
	}
	mtNoErr(t, "send world", c[0].Send(ctx, []byte("world"), 1, 1, comm.ModeStandard))
	st = mtWait(t, c[1], r)
	mtCheckStatus(t, "WORLD receive", st, 0, 1, 5)
	mtSameBytes(t, "WORLD receive", buf[:5], []byte("world"))
	mtPending(t, "end", c[1], 0, 0)
}

// A communicator over a subset of the world: the envelope carries the
// sender's communicator rank, receives name communicator ranks, and the
// traffic is invisible to WORLD.
func TestSubCommunicatorRanks(t *testing.T) {
	w, c := mtWorld(t, 4)
	ctx := w.Context()
	group := []int{3, 1} // comm rank 0 = world 3, comm rank 1 = world 1
	s3, err := w.Comm(3, 10, group)
	mtNoErr(t, "Comm(3)", err)
	s1, err := w.Comm(1, 10, group)
	mtNoErr(t, "Comm(1)", err)
	if s3.Rank() != 0 || s1.Rank() != 1 || s1.Size() != 2 || s1.WorldRank(0) != 3 || s1.WorldRank(1) != 1 {
		t.Fatalf("sub-communicator: ranks %d,%d size %d map %d,%d", s3.Rank(), s1.Rank(), s1.Size(), s1.WorldRank(0), s1.WorldRank(1))
	}
	if s3.Endpoint() != w.Endpoint(3) || s1.Endpoint().Rank() != 1 {
		t.Fatal("sub-communicator is bound to the wrong endpoint")
	}
	// Destination 2 is outside the 2-rank communicator.
	_, err = s3.Isend(ctx, nil, 2, 0, comm.ModeStandard)
	mtClass(t, "send to comm rank 2 of a 2-rank communicator", err, comm.ErrRank)

	mtNoErr(t, "send", s3.Send(ctx, []byte("sub"), 1, 0, comm.ModeStandard))
	if _, ok, _ := c[1].Iprobe(3, comm.AnyTag); ok {
		t.Fatal("WORLD probe on rank 1 sees sub-communicator traffic")
	}
	if _, ok, _ := c[1].Iprobe(comm.AnySource, comm.AnyTag); ok {
		t.Fatal("WORLD wildcard probe on rank 1 sees sub-communicator traffic")
	}
	buf := make([]byte, 3)
	st, err := s1.Recv(ctx, buf, 0, comm.AnyTag)
	mtNoErr(t, "Recv", err)
	mtCheckStatus(t, "sub-communicator receive", st, 0, 0, 3)

	if _, err := w.Comm(2, 10, group); err == nil {
		t.Fatal("World.Comm accepted a rank outside the group")
	}
	if _, err := w.Comm(0, 10, []int{0, 4}); err == nil {
		t.Fatal("World.Comm accepted an out-of-range world rank")
	}
	if _, err := comm.NewWorld(context.Background(), 0); err == nil {
		t.Fatal("NewWorld accepted size 0")
	}
}

// Invalid destination and source ranks give ErrRank, invalid tags ErrTag,
// and nothing is queued or posted.
func TestInvalidRankAndTag(t *testing.T) {
	w, c := mtWorld(t, 3)
	ctx := w.Context()
	for _, dest := range []int{3, 100, -3, comm.AnySource} {
		for _, mode := range []comm.SendMode{comm.ModeStandard, comm.ModeSync, comm.ModeBuffered} {
			r, err := c[0].Isend(ctx, []byte("x"), dest, 0, mode)
			mtClass(t, fmt.Sprintf("Isend dest %d mode %d", dest, mode), err, comm.ErrRank)
			if r != nil {
				t.Errorf("Isend dest %d returned a request with an error", dest)
			}
		}
		mtClass(t, fmt.Sprintf("Send dest %d", dest), c[0].Send(ctx, []byte("x"), dest, 0, comm.ModeStandard), comm.ErrRank)
	}
	for _, src := range []int{3, 100, -3} {
		r, err := c[0].Irecv(make([]byte, 1), src, 0)
		mtClass(t, fmt.Sprintf("Irecv source %d", src), err, comm.ErrRank)
		if r != nil {
			t.Errorf("Irecv source %d returned a request with an error", src)
		}
		_, err = c[0].Recv(ctx, make([]byte, 1), src, 0)
		mtClass(t, fmt.Sprintf("Recv source %d", src), err, comm.ErrRank)
		_, _, err = c[0].Iprobe(src, 0)
		mtClass(t, fmt.Sprintf("Iprobe source %d", src), err, comm.ErrRank)
		_, err = c[0].Probe(ctx, src, 0)
		mtClass(t, fmt.Sprintf("Probe source %d", src), err, comm.ErrRank)
	}
	for _, tag := range []int{-1, -2, -100} { // AnyTag is not a valid send tag
		_, err := c[0].Isend(ctx, []byte("x"), 1, tag, comm.ModeStandard)
		mtClass(t, fmt.Sprintf("Isend tag %d", tag), err, comm.ErrTag)
		_, err = c[0].Isend(ctx, []byte("x"), 1, tag, comm.ModeSync)
		mtClass(t, fmt.Sprintf("Isend sync tag %d", tag), err, comm.ErrTag)
	}
	for _, tag := range []int{-2, -100} {
		_, err := c[0].Irecv(make([]byte, 1), 1, tag)
		mtClass(t, fmt.Sprintf("Irecv tag %d", tag), err, comm.ErrTag)
	}
	// Large tags are fine.
	mtNoErr(t, "send tag 1<<30", c[0].Send(ctx, []byte("x"), 1, 1<<30, comm.ModeStandard))
	st, err := c[1].Recv(ctx, make([]byte, 1), 0, 1<<30)
	mtNoErr(t, "Recv tag 1<<30", err)
	mtCheckStatus(t, "tag 1<<30", st, 0, 1<<30, 1)
	for i := range c {
		mtPending(t, "after invalid calls", c[i], 0, 0)
	}
}

// Iprobe and Probe must reject an invalid tag like Irecv does (MPI_ERR_TAG).
// A negative tag other than AnyTag can never match, so Probe with one would
// otherwise block forever.
func TestProbeInvalidTag(t *testing.T) {
	w, c := mtWorld(t, 2)
	mtNoErr(t, "send", c[1].Send(w.Context(), []byte("x"), 0, 0, comm.ModeStandard))
	for _, tag := range []int{-2, -100} {
		_, _, err := c[0].Iprobe(comm.AnySource, tag)
		mtClass(t, fmt.Sprintf("Iprobe tag %d", tag), err, comm.ErrTag)
		ctx, cancel := context.WithTimeout(w.Context(), 200*time.Millisecond)
		_, err = c[0].Probe(ctx, comm.AnySource, tag)
		cancel()
		mtClass(t, fmt.Sprintf("Probe tag %d", tag), err, comm.ErrTag)
	}
}
