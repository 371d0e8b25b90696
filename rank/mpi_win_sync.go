package rank

import (
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Window synchronisation: fence, passive-target locks and flushes,
// post/start/complete/wait. Every data movement is complete when its call
// returns (package rma), so these calls only order the ranks and track the
// caller's epochs, against which mpi_win_ops.go checks every access
// (MPI_ERR_RMA_SYNC outside an epoch).

// The assertions each call accepts (MPI-4.1 §12.5.5); other bits are
// MPI_ERR_ASSERT.
const (
	fenceAsserts = abi.ModeNostore | abi.ModeNoput | abi.ModeNoprecede | abi.ModeNosucceed
	lockAsserts  = abi.ModeNocheck
	postAsserts  = abi.ModeNocheck | abi.ModeNostore | abi.ModeNoput
	startAsserts = abi.ModeNocheck
)

func checkAssert(assert int, allowed int32) error {
	if int32(assert)&^allowed != 0 {
		return codeErrorf(abi.ErrAssert, "assertion %#x has bits this call does not take (allowed: %#x) (MPI_ERR_ASSERT)", assert, allowed)
	}
	return nil
}

// canAccess reports whether the caller is in an access epoch to target t.
// The caller holds ws.mu.
func (e *epochs) canAccess(t int) bool {
	if e.fence || e.lockAll {
		return true
	}
	if _, ok := e.locks[t]; ok {
		return true
	}
	if e.accessing {
		for _, r := range e.accessGroup {
			if r == t {
				return true
			}
		}
	}
	return false
}

func (e *epochs) passive() bool { return e.lockAll || len(e.locks) > 0 }

// windowRanks translates the members of a group into ranks of the window.
func (c *call) windowRanks(ws *winState, h uint32) ([]int, error) {
	g, err := c.group(h)
	if err != nil {
		return nil, err
	}
	out := make([]int, g.Size())
	for i := range out {
		r := ws.group.Rank(g.WorldRank(i))
		if r == comm.Undefined {
			return nil, comm.Errorf(comm.ErrGroup, "rank %d of the group is not a member of the window's group", i)
		}
		out[i] = r
	}
	return out, nil
}

// targetRank checks a target rank argument of a synchronisation call;
// skip is set for MPI_PROC_NULL.
func (ws *winState) targetRank(v int) (t int, skip bool, err error) {
	if int32(v) == abi.ProcNull {
		return 0, true, nil
	}
	if v < 0 || v >= ws.eng.Size() {
		return 0, false, comm.Errorf(comm.ErrRank, "invalid target rank %d (the window has %d ranks)", v, ws.eng.Size())
	}
	return v, false, nil
}

func winSyncFunctions() []mpiFunc {
	flush := func(name string) mpiFunc {
		return winFunc(name, 2, 1, func(c *call, ws *winState) error {
			t, skip, err := ws.targetRank(c.int(0))
			if err != nil || skip {
				return err
			}
			ws.mu.Lock()
			_, locked := ws.ep.locks[t]
			ok := locked || ws.ep.lockAll
			ws.mu.Unlock()
			if !ok {
				return syncErrorf("%s: rank %d is not locked by this rank (flushes need MPI_Win_lock or MPI_Win_lock_all)", name, t)
			}
			return nil
		})
	}
	flushAll := func(name string) mpiFunc {
		return winFunc(name, 1, 0, func(c *call, ws *winState) error {
			ws.mu.Lock()
			ok := ws.ep.passive()
			ws.mu.Unlock()
			if !ok {
				return syncErrorf("%s outside a passive-target epoch (flushes need MPI_Win_lock or MPI_Win_lock_all)", name)
			}
			return nil
		})
	}
	return []mpiFunc{
		winFunc("MPI_Win_fence", 2, 1, func(c *call, ws *winState) error {
			assert := c.int(0)
			if err := checkAssert(assert, fenceAsserts); err != nil {
				return err
			}
			ws.mu.Lock()
			e := ws.ep
			ws.mu.Unlock()
			if e.passive() || e.accessing || e.exposing {
				return syncErrorf("MPI_Win_fence inside a lock or post/start epoch (end it first)")
			}
			if err := ws.eng.Barrier(c.r.job.world.Context()); err != nil {
				return err
			}
			ws.mu.Lock()
			ws.ep.fence = int32(assert)&abi.ModeNosucceed == 0
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_lock", 4, 3, func(c *call, ws *winState) error {
			lockType := int32(c.int(0))
			if lockType != abi.LockExclusive && lockType != abi.LockShared {
				return comm.Errorf(comm.ErrArg, "lock type %d is neither MPI_LOCK_EXCLUSIVE nor MPI_LOCK_SHARED", lockType)
			}
			if err := checkAssert(c.int(2), lockAsserts); err != nil {
				return err
			}
			t, skip, err := ws.targetRank(c.int(1))
			if err != nil || skip {
				return err
			}
			ws.mu.Lock()
			_, locked := ws.ep.locks[t]
			bad := locked || ws.ep.lockAll || ws.ep.accessing
			ws.mu.Unlock()
			if bad {
				return syncErrorf("MPI_Win_lock: rank %d is already locked by this rank, or an MPI_Win_lock_all or MPI_Win_start epoch is open", t)
			}
			excl := lockType == abi.LockExclusive
			if err := ws.eng.Lock(c.r.job.world.Context(), ws.rank, t, excl); err != nil {
				return err
			}
			ws.mu.Lock()
			if ws.ep.locks == nil {
				ws.ep.locks = map[int]bool{}
			}
			ws.ep.locks[t] = excl
			ws.ep.fence = false
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_unlock", 2, 1, func(c *call, ws *winState) error {
			t, skip, err := ws.targetRank(c.int(0))
			if err != nil || skip {
				return err
			}
			ws.mu.Lock()
			excl, locked := ws.ep.locks[t]
			if locked {
				delete(ws.ep.locks, t)
			}
			ws.mu.Unlock()
			if !locked {
				return syncErrorf("MPI_Win_unlock: rank %d is not locked by this rank", t)
			}
			return rmaError(ws.eng.Unlock(ws.rank, t, excl))
		}),
		winFunc("MPI_Win_lock_all", 2, 1, func(c *call, ws *winState) error {
			if err := checkAssert(c.int(0), lockAsserts); err != nil {
				return err
			}
			ws.mu.Lock()
			bad := ws.ep.passive() || ws.ep.accessing
			ws.mu.Unlock()
			if bad {
				return syncErrorf("MPI_Win_lock_all while this rank holds locks or an MPI_Win_start epoch on the window")
			}
			for t := 0; t < ws.eng.Size(); t++ {
				if err := ws.eng.Lock(c.r.job.world.Context(), ws.rank, t, false); err != nil {
					for u := 0; u < t; u++ {
						_ = ws.eng.Unlock(ws.rank, u, false)
					}
					return err
				}
			}
			ws.mu.Lock()
			ws.ep.lockAll = true
			ws.ep.fence = false
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_unlock_all", 1, 0, func(c *call, ws *winState) error {
			ws.mu.Lock()
			ok := ws.ep.lockAll
			ws.ep.lockAll = false
			ws.mu.Unlock()
			if !ok {
				return syncErrorf("MPI_Win_unlock_all without MPI_Win_lock_all")
			}
			for t := 0; t < ws.eng.Size(); t++ {
				if err := ws.eng.Unlock(ws.rank, t, false); err != nil {
					return rmaError(err)
				}
			}
			return nil
		}),
		flush("MPI_Win_flush"),
		flush("MPI_Win_flush_local"),
		flushAll("MPI_Win_flush_all"),
		flushAll("MPI_Win_flush_local_all"),
		// Public and private copies are one memory (MPI_WIN_UNIFIED) and
		// every access is complete when its call returns: nothing to do.
		winFunc("MPI_Win_sync", 1, 0, func(c *call, ws *winState) error { return nil }),
		winFunc("MPI_Win_post", 3, 2, func(c *call, ws *winState) error {
			if err := checkAssert(c.int(1), postAsserts); err != nil {
				return err
			}
			origins, err := c.windowRanks(ws, c.u32(0))
			if err != nil {
				return err
			}
			ws.mu.Lock()
			defer ws.mu.Unlock()
			if ws.ep.exposing {
				return syncErrorf("MPI_Win_post while an exposure epoch is open (call MPI_Win_wait first)")
			}
			ws.eng.Post(ws.rank, origins)
			ws.ep.exposing, ws.ep.exposeGroup, ws.ep.fence = true, origins, false
			return nil
		}),
		winFunc("MPI_Win_start", 3, 2, func(c *call, ws *winState) error {
			if err := checkAssert(c.int(1), startAsserts); err != nil {
				return err
			}
			targets, err := c.windowRanks(ws, c.u32(0))
			if err != nil {
				return err
			}
			ws.mu.Lock()
			bad := ws.ep.accessing || ws.ep.passive()
			ws.mu.Unlock()
			if bad {
				return syncErrorf("MPI_Win_start while an access epoch is open (MPI_Win_start or a lock)")
			}
			if err := ws.eng.Start(c.r.job.world.Context(), ws.rank, targets); err != nil {
				return err
			}
			ws.mu.Lock()
			ws.ep.accessing, ws.ep.accessGroup, ws.ep.fence = true, targets, false
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_complete", 1, 0, func(c *call, ws *winState) error {
			ws.mu.Lock()
			defer ws.mu.Unlock()
			if !ws.ep.accessing {
				return syncErrorf("MPI_Win_complete without MPI_Win_start")
			}
			ws.eng.Complete(ws.rank, ws.ep.accessGroup)
			ws.ep.accessing, ws.ep.accessGroup = false, nil
			return nil
		}),
		winFunc("MPI_Win_wait", 1, 0, func(c *call, ws *winState) error {
			ws.mu.Lock()
			ok, origins := ws.ep.exposing, ws.ep.exposeGroup
			ws.mu.Unlock()
			if !ok {
				return syncErrorf("MPI_Win_wait without MPI_Win_post")
			}
			if err := ws.eng.Wait(c.r.job.world.Context(), ws.rank, origins); err != nil {
				return err
			}
			ws.mu.Lock()
			ws.ep.exposing, ws.ep.exposeGroup = false, nil
			ws.mu.Unlock()
			return nil
		}),
		winFunc("MPI_Win_test", 2, 0, func(c *call, ws *winState) error {
			if err := c.checkOut(c.u32(1), "flag"); err != nil {
				return err
			}
			ws.mu.Lock()
			defer ws.mu.Unlock()
			if !ws.ep.exposing {
				return syncErrorf("MPI_Win_test without MPI_Win_post")
			}
			done := ws.eng.Test(ws.rank, ws.ep.exposeGroup)
			if done {
				ws.ep.exposing, ws.ep.exposeGroup = false, nil
			}
			return c.putI32(c.u32(1), boolInt(done), "flag")
		}),
	}
}
