package openmp

import (
	"context"
	"math"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

func TestParseEnv(t *testing.T) {
	s := parseEnv(nil, 3, 8)
	if !reflect.DeepEqual(s.icv.nthreads, []int{3}) || s.maxActiveLevels != 1 || s.icv.schedKind != SchedStatic ||
		s.stackSize != DefaultStackSize || s.numProcs != 8 || len(s.warnings) != 0 {
		t.Errorf("defaults: %+v", s)
	}
	s = parseEnv([]string{"OMP_NUM_THREADS=4,2,1", "OMP_SCHEDULE=monotonic:dynamic,7", "OMP_PROC_BIND=spread,close",
		"OMP_DYNAMIC=TRUE", "OMP_STACKSIZE=2M", "OMP_THREAD_LIMIT=9", "OMP_WAIT_POLICY=passive",
		"OMP_MAX_TASK_PRIORITY=5", "PATH=/bin", "OMP_DEFAULT_DEVICE=0"}, 1, 1)
	if !reflect.DeepEqual(s.icv.nthreads, []int{4, 2, 1}) || s.maxActiveLevels != 3 {
		t.Errorf("OMP_NUM_THREADS list: %v, %d levels", s.icv.nthreads, s.maxActiveLevels)
	}
	if s.icv.schedKind != SchedDynamic|SchedMonotonic || s.icv.schedChk != 7 {
		t.Errorf("OMP_SCHEDULE: %x %d", s.icv.schedKind, s.icv.schedChk)
	}
	if !reflect.DeepEqual(s.icv.bind, []int32{BindSpread, BindClose}) || !s.icv.dynamic || s.stackSize != 2<<20 ||
		s.threadLimit != 9 || s.spin != 0 || s.maxTaskPriority != 5 || len(s.warnings) != 0 {
		t.Errorf("settings %+v warnings %q", s, s.warnings)
	}
	s = parseEnv([]string{"OMP_NUM_TEAMS=3", "OMP_TEAMS_THREAD_LIMIT=2"}, 1, 1)
	if s.nteams != 3 || s.teamsThreadLimit != 2 || len(s.warnings) != 0 {
		t.Errorf("OMP_NUM_TEAMS, OMP_TEAMS_THREAD_LIMIT: %d %d %q", s.nteams, s.teamsThreadLimit, s.warnings)
	}
	s = parseEnv([]string{"OMP_NUM_TEAMS=0", "OMP_TEAMS_THREAD_LIMIT=many"}, 1, 1)
	if s.nteams != 0 || s.teamsThreadLimit != 0 || len(s.warnings) != 2 {
		t.Errorf("malformed OMP_NUM_TEAMS, OMP_TEAMS_THREAD_LIMIT: %d %d %q", s.nteams, s.teamsThreadLimit, s.warnings)
	}
	s = parseEnv([]string{"OMP_NESTED=true", "OMP_MAX_ACTIVE_LEVELS=2"}, 1, 1)
	if s.maxActiveLevels != 2 {
		t.Errorf("OMP_MAX_ACTIVE_LEVELS after OMP_NESTED: %d", s.maxActiveLevels)
	}
	s = parseEnv([]string{"OMP_NUM_THREADS=0", "OMP_SCHEDULE=often", "OMP_PROC_BIND=sideways", "OMP_STACKSIZE=12Q",
		"OMP_DYNAMIC=perhaps", "OMP_THREAD_LIMIT=-1"}, 2, 1)
	if !reflect.DeepEqual(s.icv.nthreads, []int{2}) || s.icv.schedKind != SchedStatic || s.stackSize != DefaultStackSize || len(s.warnings) != 6 {
		t.Errorf("malformed values: %+v, warnings %q", s, s.warnings)
	}
}

func TestParseScheduleAndSize(t *testing.T) {
	for _, c := range []struct {
		in    string
		kind  int32
		chunk int32
		ok    bool
	}{
		{"static", SchedStatic, 0, true}, {"STATIC, 4", SchedStatic, 4, true}, {"guided,1", SchedGuided, 1, true},
		{"auto", SchedAuto, 0, true}, {"nonmonotonic:dynamic", SchedDynamic, 0, true},
		{"dynamic,0", 0, 0, false}, {"fast", 0, 0, false}, {"weird:static", 0, 0, false},
	} {
		k, ch, err := parseSchedule(c.in)
		if (err == nil) != c.ok || (c.ok && (k != c.kind || ch != c.chunk)) {
			t.Errorf("parseSchedule(%q) = %d, %d, %v", c.in, k, ch, err)
		}
	}
	for _, c := range []struct {
		in   string
		want uint32
	}{{"4M", 4 << 20}, {"512k", 512 << 10}, {"1G", 1 << 30}, {"100000B", 100000}, {"8192", 8 << 20}, {"16", 0}, {"2G", 0}, {"x", 0}} {
		got, err := parseSize(c.in)
		if (c.want == 0) != (err != nil) || got != c.want {
			t.Errorf("parseSize(%q) = %d, %v", c.in, got, err)
		}
	}
}

func TestTripCountAndBalanced(t *testing.T) {
	for _, c := range []struct {
		k      ivKind
		lb, ub uint64
		st     int64
		want   uint64
	}{
		{k32, 0, 9, 1, 10}, {k32, k32.extend(uint64(math.MaxUint32)), 5, 1, 7}, // -1..5
		{k32u, 10, 0, 1, 0}, {k32u, 0, math.MaxUint32, 1, 1 << 32},
		{k64, 100, 0, -3, 34}, {k64, 0, 100, -1, 0}, {k64u, 1 << 63, 1<<63 + 10, 5, 3},
	} {
		if got := tripCount(c.k, c.lb, c.ub, c.st); got != c.want {
			t.Errorf("tripCount(%v, %d, %d, %d) = %d, want %d", c.k, c.lb, c.ub, c.st, got, c.want)
		}
	}
	for trip := uint64(0); trip < 40; trip++ {
		for n := 1; n < 9; n++ {
			next := uint64(0)
			for tid := 0; tid < n; tid++ {
				b, cnt := balanced(trip, tid, n)
				if b != next || cnt > trip/uint64(n)+1 {
					t.Fatalf("balanced(%d, %d, %d) = %d, %d", trip, tid, n, b, cnt)
				}
				next = b + cnt
			}
			if next != trip {
				t.Fatalf("balanced(%d, *, %d) covers %d", trip, n, next)
			}
		}
	}
}

// testThreads builds n threads of a team over a real wazero memory, for
// driving the worksharing code directly.
func testThreads(t *testing.T, n int) ([]*Thread, api.Memory) {
	t.Helper()
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	t.Cleanup(func() { rt.Close(ctx) })
	mod, err := rt.Instantiate(ctx, reexportModule("none", nil, &memImport{name: "memory", min: 1, max: 1, hasMax: true, shared: true}))
	if err != nil {
		t.Fatal(err)
	}
	p := &Process{set: parseEnv(nil, n, 1), mem: mod.Memory(), abort: make(chan struct{})}
	p.maxActive.Store(1)
	members := make([]*Thread, n)
	for i := range members {
		members[i] = &Thread{p: p, gtid: int32(i), fns: map[fnKey][]api.Function{}}
	}
	tm := &team{p: p, n: n, members: members, level: 1, active: 1}
	tm.init()
	for i, th := range members {
		th.cur = teamCtx{team: tm, tid: i, task: &task{implicit: true, team: tm, icv: p.set.icv.clone()}}
	}
	return members, mod.Memory()
}

// TestStaticInit checks that the threads' parts of static loops cover
// every iteration once and that exactly the owner of the last iteration
// is told so.
func TestStaticInit(t *testing.T) {
	const plast, plower, pupper, pstride = 4, 8, 16, 24
	for _, n := range []int{1, 2, 3, 4, 7} {
		ths, mem := testThreads(t, n)
		for _, c := range []struct {
			k      ivKind
			lb, ub int64
			incr   int64
			sched  int32
			chunk  int64
		}{
			{k32, 0, 99, 1, schStatic, 0}, {k32, 0, 2, 1, schStatic, 0}, {k32, 5, 4, 1, schStatic, 0},
			{k32, -50, 49, 1, schStaticChunked, 3}, {k32u, 0, 1000, 1, schStaticChunked, 1}, {k64, 0, 1 << 20, 1, schStaticChunked, 100},
			{k64u, 0, 12345, 1, schStatic | 1<<30, 0}, {k32, 0, 63, 1, schBalancedChunked, 4}, {k32, 0, 5, 1, schBalancedChunked, 8},
			{k32, math.MaxInt32 - 10, math.MaxInt32, 1, schStatic, 0},
		} {
			trip := tripCount(c.k, uint64(c.lb), uint64(c.ub), c.incr)
			seen := map[int64]int{}
			lasts := 0
			for _, th := range ths {
				write := func(addr uint32, v int64) {
					if c.k.bits == 32 {
						mem.WriteUint32Le(addr, uint32(v))
					} else {
						mem.WriteUint64Le(addr, uint64(v))
					}
				}
				read := func(addr uint32) int64 {
					if c.k.bits == 32 {
						v, _ := mem.ReadUint32Le(addr)
						return int64(c.k.extend(uint64(v)))
					}
					v, _ := mem.ReadUint64Le(addr)
					return int64(v)
				}
				write(plower, c.lb)
				write(pupper, c.ub)
				th.staticInit(c.k, c.sched, plast, plower, pupper, pstride, c.incr, c.chunk)
				lo, hi, stride := read(plower), read(pupper), read(pstride)
				if l, _ := mem.ReadUint32Le(plast); l == 1 {
					lasts++
				}
				less := func(a, b int64) bool { return c.k.less(uint64(a), uint64(b)) }
				// The compiled code: for (; lo <= ub; lo += stride, hi += stride)
				//   for (i = lo; i <= min(hi, ub); i++)
				for !less(c.ub, lo) {
					top := hi
					if less(c.ub, top) {
						top = c.ub
					}
					for i := lo; !less(top, i); i++ {
						seen[i]++
						if i == top {
							break
						}
					}
					if c.sched&^schModifierMask != schStaticChunked || stride == 0 {
						break
					}
					nlo := int64(c.k.wrap(uint64(lo + stride)))
					if !less(lo, nlo) {
						break
					}
					lo, hi = nlo, int64(c.k.wrap(uint64(hi+stride)))
				}
			}
			if uint64(len(seen)) != trip {
				t.Errorf("n=%d %+v: %d iterations covered of %d", n, c, len(seen), trip)
			}
			for i, k := range seen {
				if k != 1 {
					t.Errorf("n=%d %+v: iteration %d ran %d times", n, c, i, k)
				}
			}
			if want := min(trip, 1); uint64(lasts) != want {
				t.Errorf("n=%d %+v: %d threads got the last iteration", n, c, lasts)
			}
		}
	}
}

// TestDispatch drives dynamic, guided, static and runtime schedules from
// concurrent threads.
func TestDispatch(t *testing.T) {
	for _, sched := range []int32{schDynamic, schGuided, schStatic, schStaticChunked, schRuntime, schAuto, schStaticSteal, schDynamic + schOrderedOffset, schGuided + schNomergeOffset} {
		for _, n := range []int{1, 3, 4} {
			ths, mem := testThreads(t, n)
			const trip = 1000
			var mu sync.Mutex
			seen := make([]int, trip)
			lasts := 0
			var wg sync.WaitGroup
			for i, th := range ths {
				wg.Add(1)
				go func() {
					defer wg.Done()
					base := uint32(64 * (i + 1))
					th.dispatchInit(k64, sched, 0, trip-1, 1, 7)
					for th.dispatchNext(base, base+8, base+16, base+24) == 1 {
						lo, _ := mem.ReadUint64Le(base + 8)
						hi, _ := mem.ReadUint64Le(base + 16)
						l, _ := mem.ReadUint32Le(base)
						mu.Lock()
						for j := lo; j <= hi; j++ {
							seen[j]++
						}
						lasts += int(l)
						mu.Unlock()
					}
				}()
			}
			wg.Wait()
			for j, k := range seen {
				if k != 1 {
					t.Fatalf("schedule %d, %d threads: iteration %d ran %d times", sched, n, j, k)
				}
			}
			if lasts != 1 {
				t.Errorf("schedule %d, %d threads: %d last chunks", sched, n, lasts)
			}
			if len(ths[0].cur.team.loops) != 0 {
				t.Errorf("schedule %d: loop state left behind", sched)
			}
		}
	}
}

func TestScanAndBuildModules(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfig().WithCoreFeatures(api.CoreFeaturesV2|experimental.CoreFeaturesThreads))
	defer rt.Close(ctx)
	funcs := []*entry{entryIndex()["omp_get_thread_num"], entryIndex()["__kmpc_fork_call"], entryIndex()["omp_get_wtime"]}
	bin := envModule(funcs, &memImport{name: "memory", min: 2, max: 100, hasMax: true, shared: true})
	hb := rt.NewHostModuleBuilder(HostModuleName)
	for _, e := range funcs {
		hb.NewFunctionBuilder().WithGoModuleFunction(e.goFunc(), e.params, e.results).Export(e.name)
	}
	if _, err := hb.Instantiate(ctx); err != nil {
		t.Fatal(err)
	}
	mod, err := rt.Instantiate(ctx, bin)
	if err != nil {
		t.Fatal(err)
	}
	if mod.Memory() == nil || mod.Memory().Size() != 2<<16 {
		t.Errorf("env memory %v", mod.Memory())
	}
	var names []string
	for n := range mod.ExportedFunctionDefinitions() {
		names = append(names, n)
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"__kmpc_fork_call", "omp_get_thread_num", "omp_get_wtime"}) {
		t.Errorf("exports %q", names)
	}
	_, exports, err := scanModule(bin)
	if err != nil || exports["memory"] != externMemory || exports["omp_get_wtime"] != externFunc {
		t.Errorf("scanModule: %v %v", exports, err)
	}
	// A module importing a shared memory and a function.
	var w writer
	w.WriteString("\x00asm\x01\x00\x00\x00")
	var types writer
	types.u32(1)
	types.Write([]byte{0x60, 0, 0})
	w.section(1, &types)
	var imports writer
	imports.u32(2)
	imports.name("env")
	imports.name("f")
	imports.WriteByte(externFunc)
	imports.u32(0)
	imports.name("env")
	imports.name("memory")
	imports.WriteByte(externMemory)
	imports.Write([]byte{3, 1})
	imports.u32(200)
	w.section(2, &imports)
	mems, _, err := scanModule(w.Bytes())
	if err != nil || len(mems) != 1 || !mems[0].shared || mems[0].min != 1 || mems[0].max != 200 || mems[0].name != "memory" {
		t.Errorf("scanModule imports: %+v %v", mems, err)
	}
	if _, _, err := scanModule(w.Bytes()[:20]); err == nil {
		t.Error("a truncated module scanned")
	}
}

func TestEntryTable(t *testing.T) {
	seen := map[string]bool{}
	for _, n := range EntryPoints() {
		if seen[n] {
			t.Errorf("%s twice", n)
		}
		seen[n] = true
		if !isOpenMPName(n) {
			t.Errorf("%s is not in the OpenMP namespace", n)
		}
	}
	for _, n := range Unsupported() {
		if seen[n] || Provides(n) {
			t.Errorf("%s is both provided and unsupported", n)
		}
	}
	for _, n := range []string{"__kmpc_fork_call", "__kmpc_for_static_init_8u", "__kmpc_dispatch_next_4u", "__kmpc_reduce",
		"__kmpc_omp_task_with_deps", "__kmpc_taskloop", "omp_get_wtime", "omp_test_nest_lock"} {
		if !Provides(n) {
			t.Errorf("%s is not provided", n)
		}
	}
}

func TestEventAndMutex(t *testing.T) {
	var e event
	abort := make(chan struct{})
	seen := e.seq.Load()
	done := make(chan bool)
	go func() { done <- e.wait(seen, 0, abort) }()
	time.Sleep(10 * time.Millisecond)
	e.notify()
	if !<-done {
		t.Error("wait did not see the notification")
	}
	seen = e.seq.Load()
	go func() { done <- e.wait(seen, 10, abort) }()
	close(abort)
	if <-done {
		t.Error("wait did not give up on abort")
	}

	m := newMutex()
	counter := 0
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 1000; j++ {
				if !m.lock(5, nil) {
					t.Error("lock failed")
					return
				}
				counter++
				m.unlock()
			}
		}()
	}
	wg.Wait()
	if counter != 8000 {
		t.Errorf("counter %d", counter)
	}
	if m.unlock() {
		t.Error("unlocked a free mutex")
	}
	m.lock(0, nil)
	stop := make(chan struct{})
	close(stop)
	if m.lock(0, stop) {
		t.Error("lock of a held mutex succeeded after abort")
	}
}

// faultOf runs f and returns the message of the guest error it raised
// ("" if none).
func faultOf(t *testing.T, f func()) (msg string) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			ge, ok := r.(*guestError)
			if !ok {
				panic(r)
			}
			msg = ge.msg
		}
	}()
	f()
	return ""
}

// TestGuestLockHostSide drives the host half of the SDK's guest-side
// locks: task tokens published into the registered slot as the thread
// changes tasks, sleeping on and waking a lock word, and the wording of
// every misuse the guest reports.
func TestGuestLockHostSide(t *testing.T) {
	ths, mem := testThreads(t, 2)
	th, other := ths[0], ths[1]
	const slot, word = 64, 128

	// Registering publishes the current (implicit) task's token; tokens
	// are nonzero and differ between tasks, and survive a task switch.
	th.registerTaskSlot(slot)
	implicitTok, _ := mem.ReadUint32Le(slot)
	if implicitTok == 0 {
		t.Fatal("the implicit task's token is 0")
	}
	implicit := th.cur.task
	th.cur.task = &task{team: th.cur.team, parent: implicit}
	th.publishTask()
	childTok, _ := mem.ReadUint32Le(slot)
	if childTok == 0 || childTok == implicitTok {
		t.Fatalf("child task token %d, implicit %d", childTok, implicitTok)
	}
	th.cur.task = implicit
	th.publishTask()
	if v, _ := mem.ReadUint32Le(slot); v != implicitTok {
		t.Fatalf("back in the implicit task the slot holds %d, want %d", v, implicitTok)
	}
	other.registerTaskSlot(slot + 4)
	if v, _ := mem.ReadUint32Le(slot + 4); v == 0 || v == implicitTok {
		t.Fatalf("the other thread's implicit task token %d (first thread's %d)", v, implicitTok)
	}

	if m := faultOf(t, func() { th.registerTaskSlot(slot + 2) }); !strings.Contains(m, "misaligned") {
		t.Errorf("misaligned slot: %q", m)
	}
	if m := faultOf(t, func() { th.lockWait(0xfffffff0) }); !strings.Contains(m, "outside the memory") {
		t.Errorf("lock word outside the memory: %q", m)
	}

	// A waiter takes the word once the holder releases it and wakes. The
	// word is only touched atomically, as the guest does.
	w := th.word(word, "lock word")
	atomic.StoreInt32(w, 1)
	done := make(chan struct{})
	go func() {
		other.lockWait(word)
		close(done)
	}()
	for atomic.LoadInt32(w) != 2 { // the waiter announces itself
		runtime.Gosched()
	}
	if atomic.SwapInt32(w, 0) == 2 {
		th.lockWake(word)
	}
	<-done
	if v := atomic.LoadInt32(w); v != 2 {
		t.Fatalf("lock word %d after the waiter took it, want 2", v)
	}

	for what, want := range map[uint32]string{
		1: "omp_set_lock: the lock at 0x100 is not initialized",
		2: "omp_set_lock: the lock at 0x100 is a simple lock, not a nestable one",
		3: "omp_set_lock: the lock at 0x100 is a nestable lock",
		4: "omp_set_lock: the task already owns the lock at 0x100 (this would deadlock)",
		5: "omp_set_lock: the lock at 0x100 is not set",
		6: "omp_set_lock: the lock at 0x100 is owned by another task",
		7: "omp_set_lock: the lock at 0x100 is still set",
		8: "omp_set_lock: out of guest memory for the lock at 0x100",
		9: "omp_set_lock: the lock at 0x100 was misused (unknown misuse code 9)",
	} {
		if m := faultOf(t, func() { th.lockMisuse(2, what, 0x100) }); m != want {
			t.Errorf("misuse %d: %q, want %q", what, m, want)
		}
	}
	if m := faultOf(t, func() { th.lockMisuse(9, 5, 0x100) }); !strings.HasPrefix(m, "omp_test_nest_lock: ") {
		t.Errorf("function 9: %q", m)
	}
	if m := faultOf(t, func() { th.lockMisuse(99, 5, 0x100) }); !strings.HasPrefix(m, "an omp_*_lock function: ") {
		t.Errorf("unknown function: %q", m)
	}
}
