package comm_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmpi/wasmpi/comm"
)

// mtStressMsg is one planned message of the stress test.
type mtStressMsg struct {
	tag  int
	size int
	off  int // payload = pool[off : off+size]
	mode comm.SendMode
	nb   bool // sent with Isend and waited for at the end
	crc  uint32
}

// All-to-all stress: 8 ranks, each with a sender goroutine and a receiver
// goroutine, send thousands of messages of random sizes (0..200 KiB, so
// eager and rendezvous mixed), random tags and random modes to every rank
// including themselves. Receivers use AnySource (with AnyTag, or after a
// wildcard Probe with the probed source and tag) and check every payload's
// checksum, size and tag against the plan, which also checks that each
// sender's messages arrive in send order. Senders overwrite each buffer as
// soon as its send completes, so a send that completed before the receiver
// had copied the data shows up as a checksum error (or a race report).
func TestStressAllToAll(t *testing.T) {
	const (
		n       = 8
		maxSize = 200 << 10
	)
	perPair := 40 // 8*8*40 = 2560 messages
	if testing.Short() {
		perPair = 15
	}
	ctx0, cancel := context.WithTimeout(context.Background(), 25*time.Second)
	defer cancel()
	w, err := comm.NewWorld(ctx0, n)
	mtNoErr(t, "NewWorld", err)
	defer w.Stop(nil)
	c := mtComms(t, w, 0)
	ctx := w.Context()

	pool := mtPayload(42, maxSize+(1<<20))
	rng := rand.New(rand.NewPCG(1, 2))
	plan := make([][][]mtStressMsg, n) // plan[src][dst]
	var total, totalBytes int
	for s := range plan {
		plan[s] = make([][]mtStressMsg, n)
		for d := range plan[s] {
			for k := 0; k < perPair; k++ {
				var size int
				switch p := rng.IntN(100); {
				case p < 10:
					size = 0
				case p < 60:
					size = rng.IntN(1024)
				case p < 85:
					size = 1024 + rng.IntN(comm.EagerLimit-1024+1) // up to EagerLimit
				default:
					size = comm.EagerLimit + 1 + rng.IntN(maxSize-comm.EagerLimit)
				}
				m := mtStressMsg{tag: rng.IntN(5), size: size, off: rng.IntN(1 << 20)}
				switch p := rng.IntN(100); {
				case p < 55:
					m.mode = comm.ModeStandard
				case p < 70:
					m.mode = comm.ModeSync
				case p < 75:
					m.mode = comm.ModeReady
				case p < 85 && size <= 4096:
					m.mode = comm.ModeBuffered
				default:
					m.mode = comm.ModeStandard
					m.nb = true
				}
				m.crc = crc32.ChecksumIEEE(pool[m.off : m.off+m.size])
				plan[s][d] = append(plan[s][d], m)
				total++
				totalBytes += size
			}
		}
	}

	fail := func(format string, args ...any) {
		err := fmt.Errorf(format, args...)
		t.Error(err)
		w.Stop(err)
	}
	var received atomic.Int64
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		// Sender: interleave the streams to every destination in a
		// random order, keeping each stream's own order.
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := c[r]
			if err := me.Endpoint().AttachBuffer(1 << 20); err != nil {
				fail("rank %d AttachBuffer: %v", r, err)
				return
			}
			srng := rand.New(rand.NewPCG(uint64(r), 7))
			next := make([]int, n)
			left := n * perPair
			type inflight struct {
				req *comm.Request
				buf []byte
			}
			var nbs []inflight
			for left > 0 {
				d := srng.IntN(n)
				if next[d] == perPair {
					continue
				}
				m := plan[r][d][next[d]]
				next[d]++
				left--
				buf := make([]byte, m.size)
				copy(buf, pool[m.off:])
				if m.nb {
					req, err := me.Isend(ctx, buf, d, m.tag, m.mode)
					if err != nil {
						fail("rank %d Isend to %d: %v", r, d, err)
						return
					}
					nbs = append(nbs, inflight{req, buf})
					continue
				}
				if err := me.Send(ctx, buf, d, m.tag, m.mode); err != nil {
					fail("rank %d Send to %d (mode %d, %d bytes): %v", r, d, m.mode, m.size, err)
					return
				}
				for i := range buf {
					buf[i] = 0xEE // the send is complete: scribble
				}
				// Occasionally retire the oldest nonblocking sends.
				if len(nbs) > 8 {
					if _, err := me.Endpoint().Wait(ctx, nbs[0].req); err != nil {
						fail("rank %d Wait: %v", r, err)
						return
					}
					clear(nbs[0].buf)
					nbs = nbs[1:]
				}
			}
			for _, nb := range nbs {
				if _, err := me.Endpoint().Wait(ctx, nb.req); err != nil {
					fail("rank %d Wait: %v", r, err)
					return
				}
				clear(nb.buf)
			}
			if _, err := me.Endpoint().DetachBuffer(ctx); err != nil {
				fail("rank %d DetachBuffer: %v", r, err)
			}
		}()

		// Receiver.
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := c[r]
			rrng := rand.New(rand.NewPCG(uint64(r), 9))
			next := make([]int, n)
			big := make([]byte, maxSize)
			for k := 0; k < n*perPair; k++ {
				var st comm.Status
				var buf []byte
				var err error
				switch rrng.IntN(3) {
				case 0:
					buf = big
					st, err = me.Recv(ctx, buf, comm.AnySource, comm.AnyTag)
				case 1:
					var req *comm.Request
					buf = big
					req, err = me.Irecv(buf, comm.AnySource, comm.AnyTag)
					if err == nil {
						st, err = me.Endpoint().Wait(ctx, req)
						if err == nil {
							err = st.Err
						}
					}
				case 2:
					var pst comm.Status
					pst, err = me.Probe(ctx, comm.AnySource, comm.AnyTag)
					if err != nil {
						break
					}
					buf = make([]byte, pst.Bytes)
					// The probed message is the first queued one, so a
					// receive with AnySource and its tag gets it.
					src := pst.Source
					if rrng.IntN(2) == 0 {
						src = comm.AnySource
					}
					st, err = me.Recv(ctx, buf, src, pst.Tag)
					if err == nil && (st.Source != pst.Source || st.Bytes != pst.Bytes) {
						fail("rank %d: probed %+v but received %+v", r, pst, st)
						return
					}
				}
				if err != nil {
					fail("rank %d receive %d: %v", r, k, err)
					return
				}
				s := st.Source
				if s < 0 || s >= n || next[s] >= perPair {
					fail("rank %d: unexpected source in %+v", r, st)
					return
				}
				want := plan[s][r][next[s]]
				if st.Tag != want.tag || st.Bytes != want.size {
					fail("rank %d: message %d from %d: tag %d, %d bytes; want tag %d, %d bytes (out of order?)",
						r, next[s], s, st.Tag, st.Bytes, want.tag, want.size)
					return
				}
				if got := crc32.ChecksumIEEE(buf[:st.Bytes]); got != want.crc {
					fail("rank %d: message %d from %d (%d bytes, mode %d): checksum %08x, want %08x",
						r, next[s], s, st.Bytes, want.mode, got, want.crc)
					return
				}
				next[s]++
				received.Add(1)
			}
		}()
	}
	wg.Wait()
	if got := received.Load(); got != int64(total) {
		t.Fatalf("received %d of %d messages", got, total)
	}
	for r := 0; r < n; r++ {
		mtPending(t, fmt.Sprintf("rank %d at end", r), c[r], 0, 0)
	}
	t.Logf("%d messages, %d MiB", total, totalBytes>>20)
}

// 64 ranks on GOMAXPROCS(2) pass messages around a ring, small and large,
// with both nonblocking and blocking patterns. With far more ranks than
// processors this completes only if blocked ranks park instead of spinning
// forever.
func TestRingManyRanksFewProcs(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	const (
		n      = 64
		rounds = 12
	)
	ctx0, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	w, err := comm.NewWorld(ctx0, n)
	mtNoErr(t, "NewWorld", err)
	defer w.Stop(nil)
	c := mtComms(t, w, 0)
	ctx := w.Context()

	msg := func(round, src int) []byte {
		size := 16
		if round%3 == 1 {
			size = comm.EagerLimit + 16
		}
		b := make([]byte, size)
		binary.LittleEndian.PutUint32(b, uint32(round))
		binary.LittleEndian.PutUint32(b[4:], uint32(src))
		binary.LittleEndian.PutUint32(b[size-4:], uint32(round*n+src))
		return b
	}
	check := func(r, round int, buf []byte, st comm.Status) error {
		left := (r + n - 1) % n
		want := msg(round, left)
		if st.Source != left || st.Bytes != len(want) {
			return fmt.Errorf("rank %d round %d: status %+v, want source %d and %d bytes", r, round, st, left, len(want))
		}
		if string(buf[:st.Bytes]) != string(want) {
			return fmt.Errorf("rank %d round %d: wrong payload", r, round)
		}
		return nil
	}
	start := time.Now()
	var wg sync.WaitGroup
	for r := 0; r < n; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			me := c[r]
			right, left := (r+1)%n, (r+n-1)%n
			buf := make([]byte, comm.EagerLimit+16)
			for round := 0; round < rounds; round++ {
				var st comm.Status
				var err error
				if round%2 == 0 {
					// Irecv, blocking Send, Wait.
					var rr *comm.Request
					if rr, err = me.Irecv(buf, left, round); err == nil {
						if err = me.Send(ctx, msg(round, r), right, round, comm.ModeStandard); err == nil {
							st, err = me.Endpoint().Wait(ctx, rr)
						}
					}
				} else if r%2 == 0 {
					// Blocking only: even ranks send first (synchronous
					// mode, so every send waits for its receiver) ...
					if err = me.Send(ctx, msg(round, r), right, round, comm.ModeSync); err == nil {
						st, err = me.Recv(ctx, buf, left, round)
					}
				} else {
					// ... odd ranks receive first.
					if st, err = me.Recv(ctx, buf, left, round); err == nil {
						err = me.Send(ctx, msg(round, r), right, round, comm.ModeSync)
					}
				}
				if err == nil {
					err = check(r, round, buf, st)
				}
				if err != nil {
					t.Error(err)
					w.Stop(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	t.Logf("%d ranks x %d rounds in %v", n, rounds, time.Since(start))
	for r := 0; r < n; r++ {
		mtPending(t, fmt.Sprintf("rank %d at end", r), c[r], 0, 0)
	}
}
