package openmp

import (
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero/api"
)

// entry is one function of the runtime: an entry point of the libomp ABI
// that clang calls, or a function of the omp_* API.
type entry struct {
	name    string
	params  []api.ValueType
	results []api.ValueType
	fn      func(th *Thread, s []uint64)
}

var (
	i64 = api.ValueTypeI64
	f64 = api.ValueTypeF64
)

// sig builds a parameter list from a pattern: 'i' is i32, 'l' is i64.
func sig(pattern string) []api.ValueType {
	ts := make([]api.ValueType, len(pattern))
	for i, c := range pattern {
		if c == 'l' {
			ts[i] = i64
		} else {
			ts[i] = i32
		}
	}
	return ts
}

func boolResult(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

var (
	k32  = ivKind{32, true}
	k32u = ivKind{32, false}
	k64  = ivKind{64, true}
	k64u = ivKind{64, false}
)

// fence is the host side of a flush: a sequentially consistent atomic
// read-modify-write orders the thread's earlier memory accesses before
// its later ones.
var fenceWord atomic.Uint32

// entries is the table of everything the runtime provides. Arguments that
// clang passes but the runtime does not need (the source location, the
// global thread id, which the runtime knows from the call) are ignored.
var entries = sync.OnceValue(func() []entry {
	es := []entry{
		// Parallel regions.
		{"__kmpc_fork_call", sig("iiii"), nil, func(th *Thread, s []uint64) {
			th.fork(th.ctx, uint32(s[2]), th.varargs("__kmpc_fork_call", uint32(s[1]), uint32(s[3])))
		}},
		{"__kmpc_fork_teams", sig("iiii"), nil, func(th *Thread, s []uint64) {
			th.forkTeams(th.ctx, uint32(s[2]), th.varargs("__kmpc_fork_teams", uint32(s[1]), uint32(s[3])))
		}},
		{"__kmpc_push_num_teams", sig("iiii"), nil, func(th *Thread, s []uint64) {
			th.pushedTeams, th.pushedTeamLimit = int32(uint32(s[2])), int32(uint32(s[3]))
		}},
		// num_teams(lower: upper): as many teams as the upper bound asks
		// for (fewer only when the thread limit is reached).
		{"__kmpc_push_num_teams_51", sig("iiiii"), nil, func(th *Thread, s []uint64) {
			th.pushedTeams, th.pushedTeamLimit = int32(uint32(s[3])), int32(uint32(s[4]))
		}},
		{"__kmpc_push_num_threads", sig("iii"), nil, func(th *Thread, s []uint64) {
			th.pushedThreads = int32(uint32(s[2]))
		}},
		// proc_bind is accepted: OpenMP threads are goroutines and are not
		// bound to processors.
		{"__kmpc_push_proc_bind", sig("iii"), nil, func(th *Thread, s []uint64) {}},
		{"__kmpc_serialized_parallel", sig("ii"), nil, func(th *Thread, s []uint64) { th.serializedBegin() }},
		{"__kmpc_end_serialized_parallel", sig("ii"), nil, func(th *Thread, s []uint64) { th.serializedEnd() }},
		{"__kmpc_global_thread_num", sig("i"), sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.gtid) }},
		{"__kmpc_global_num_threads", sig("i"), sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.p.Threads()) }},
		{"__kmpc_bound_thread_num", sig("i"), sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.cur.tid) }},
		{"__kmpc_bound_num_threads", sig("i"), sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.cur.team.n) }},
		{"__kmpc_in_parallel", sig("i"), sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.cur.team.active > 0) }},

		// Worksharing loops and sections.
		{"__kmpc_for_static_init_4", sig("iiiiiiiii"), nil, func(th *Thread, s []uint64) {
			th.staticInit(k32, int32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5]), uint32(s[6]), int64(int32(s[7])), int64(int32(s[8])))
		}},
		{"__kmpc_for_static_init_4u", sig("iiiiiiiii"), nil, func(th *Thread, s []uint64) {
			th.staticInit(k32u, int32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5]), uint32(s[6]), int64(int32(s[7])), int64(int32(s[8])))
		}},
		{"__kmpc_for_static_init_8", sig("iiiiiiill"), nil, func(th *Thread, s []uint64) {
			th.staticInit(k64, int32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5]), uint32(s[6]), int64(s[7]), int64(s[8]))
		}},
		{"__kmpc_for_static_init_8u", sig("iiiiiiill"), nil, func(th *Thread, s []uint64) {
			th.staticInit(k64u, int32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5]), uint32(s[6]), int64(s[7]), int64(s[8]))
		}},
		{"__kmpc_for_static_fini", sig("ii"), nil, func(th *Thread, s []uint64) {}},
		{"__kmpc_dispatch_init_4", sig("iiiiiii"), nil, func(th *Thread, s []uint64) {
			th.dispatchInit(k32, int32(s[2]), s[3], s[4], int64(int32(s[5])), int64(int32(s[6])))
		}},
		{"__kmpc_dispatch_init_4u", sig("iiiiiii"), nil, func(th *Thread, s []uint64) {
			th.dispatchInit(k32u, int32(s[2]), s[3], s[4], int64(int32(s[5])), int64(int32(s[6])))
		}},
		{"__kmpc_dispatch_init_8", sig("iiillll"), nil, func(th *Thread, s []uint64) {
			th.dispatchInit(k64, int32(s[2]), s[3], s[4], int64(s[5]), int64(s[6]))
		}},
		{"__kmpc_dispatch_init_8u", sig("iiillll"), nil, func(th *Thread, s []uint64) {
			th.dispatchInit(k64u, int32(s[2]), s[3], s[4], int64(s[5]), int64(s[6]))
		}},
	}
	for _, suffix := range []string{"4", "4u", "8", "8u"} {
		es = append(es,
			entry{"__kmpc_dispatch_next_" + suffix, sig("iiiiii"), sig("i"), func(th *Thread, s []uint64) {
				s[0] = uint64(uint32(th.dispatchNext(uint32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5]))))
			}},
			entry{"__kmpc_dispatch_fini_" + suffix, sig("ii"), nil, func(th *Thread, s []uint64) { th.dispatchFini() }},
		)
	}
	es = append(es, []entry{
		{"__kmpc_ordered", sig("ii"), nil, func(th *Thread, s []uint64) { th.ordered() }},
		{"__kmpc_end_ordered", sig("ii"), nil, func(th *Thread, s []uint64) { th.endOrdered() }},
		{"__kmpc_doacross_init", sig("iiii"), nil, func(th *Thread, s []uint64) { th.doacrossInit(uint32(s[2]), uint32(s[3])) }},
		{"__kmpc_doacross_wait", sig("iii"), nil, func(th *Thread, s []uint64) { th.doacrossWait(uint32(s[2])) }},
		{"__kmpc_doacross_post", sig("iii"), nil, func(th *Thread, s []uint64) { th.doacrossPost(uint32(s[2])) }},
		{"__kmpc_doacross_fini", sig("ii"), nil, func(th *Thread, s []uint64) { th.doacrossFini() }},

		// Synchronisation.
		{"__kmpc_barrier", sig("ii"), nil, func(th *Thread, s []uint64) { th.barrier(th.cur.team) }},
		// Cancellation is disabled (cancel-var is false, omp_get_cancellation
		// returns 0): cancel constructs do nothing and no region is ever
		// cancelled, as in libomp without OMP_CANCELLATION.
		{"__kmpc_cancel_barrier", sig("ii"), sig("i"), func(th *Thread, s []uint64) {
			th.barrier(th.cur.team)
			s[0] = 0
		}},
		{"__kmpc_cancel", sig("iii"), sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"__kmpc_cancellationpoint", sig("iii"), sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"__kmpc_master", sig("ii"), sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.cur.tid == 0) }},
		{"__kmpc_end_master", sig("ii"), nil, func(th *Thread, s []uint64) {}},
		{"__kmpc_masked", sig("iii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = boolResult(int32(th.cur.tid) == int32(uint32(s[2])))
		}},
		{"__kmpc_end_masked", sig("ii"), nil, func(th *Thread, s []uint64) {}},
		{"__kmpc_single", sig("ii"), sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.single()) }},
		{"__kmpc_end_single", sig("ii"), nil, func(th *Thread, s []uint64) {}},
		{"__kmpc_critical", sig("iii"), nil, func(th *Thread, s []uint64) { th.critical(uint32(s[2])) }},
		// Hints only tune the lock implementation.
		{"__kmpc_critical_with_hint", sig("iiii"), nil, func(th *Thread, s []uint64) { th.critical(uint32(s[2])) }},
		{"__kmpc_end_critical", sig("iii"), nil, func(th *Thread, s []uint64) { th.endCritical(uint32(s[2])) }},
		// The slow paths of the SDK's own __kmpc_critical and
		// __kmpc_end_critical (support/omp/core.c), which take and release
		// an uncontended critical section without calling the host.
		{"__wasmpi_omp_critical_wait", sig("ii"), nil, func(th *Thread, s []uint64) { th.criticalWait(uint32(s[0]), int32(uint32(s[1]))) }},
		{"__wasmpi_omp_critical_wake", sig("i"), nil, func(th *Thread, s []uint64) { th.criticalWake(uint32(s[0])) }},
		{"__wasmpi_omp_critical_misuse", sig("i"), nil, func(th *Thread, s []uint64) { th.fault(endCriticalMisuse) }},
		// The slow paths and diagnostics of the SDK's own omp_*_lock
		// functions (support/omp/core.c), which keep locks in the guest.
		{"__wasmpi_omp_lock_wait", sig("i"), nil, func(th *Thread, s []uint64) { th.lockWait(uint32(s[0])) }},
		{"__wasmpi_omp_lock_wake", sig("i"), nil, func(th *Thread, s []uint64) { th.lockWake(uint32(s[0])) }},
		{"__wasmpi_omp_lock_misuse", sig("iii"), nil, func(th *Thread, s []uint64) {
			th.lockMisuse(uint32(s[0]), uint32(s[1]), uint32(s[2]))
		}},
		{"__wasmpi_omp_task_register", sig("i"), nil, func(th *Thread, s []uint64) { th.registerTaskSlot(uint32(s[0])) }},
		{"__kmpc_flush", sig("i"), nil, func(th *Thread, s []uint64) { fenceWord.Add(1) }},
		{"__kmpc_copyprivate", sig("iiiiii"), nil, func(th *Thread, s []uint64) {
			th.copyprivate(uint32(s[3]), uint32(s[4]), uint32(s[5]) != 0)
		}},
		{"__kmpc_threadprivate_cached", sig("iiiii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.threadprivate(uint32(s[2]), uint32(s[3])))
		}},
		{"__kmpc_reduce_nowait", sig("iiiiiii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(uint32(th.reduce(uint32(s[4]), uint32(s[5]), false)))
		}},
		{"__kmpc_reduce", sig("iiiiiii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(uint32(th.reduce(uint32(s[4]), uint32(s[5]), true)))
		}},
		{"__kmpc_end_reduce_nowait", sig("iii"), nil, func(th *Thread, s []uint64) {}},
		{"__kmpc_end_reduce", sig("iii"), nil, func(th *Thread, s []uint64) { th.endReduce() }},

		// Tasks.
		// allocate clauses and directives: every predefined allocator
		// allocates from the program's heap
		{"__kmpc_alloc", sig("iii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.allocatorAlloc(uint32(s[1]), 16, uint32(s[2])))
		}},
		{"__kmpc_aligned_alloc", sig("iiii"), sig("i"), func(th *Thread, s []uint64) {
			align := uint32(s[1])
			if align == 0 || align&(align-1) != 0 {
				th.fault("__kmpc_aligned_alloc: alignment %d is not a power of two", align)
			}
			s[0] = uint64(th.allocatorAlloc(uint32(s[2]), max(align, 16), uint32(s[3])))
		}},
		{"__kmpc_free", sig("iii"), nil, func(th *Thread, s []uint64) {
			th.checkAllocator(uint32(s[2]), "__kmpc_free")
			th.guestFree(uint32(s[1]))
		}},
		{"__kmpc_omp_task_alloc", sig("iiiiii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.taskAlloc(uint32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5])))
		}},
		{"__kmpc_omp_task", sig("iii"), sig("i"), func(th *Thread, s []uint64) {
			tk := th.taken(uint32(s[2]), "__kmpc_omp_task")
			tk.account()
			th.submit(tk)
			s[0] = 0
		}},
		{"__kmpc_omp_task_with_deps", sig("iiiiiii"), sig("i"), func(th *Thread, s []uint64) {
			tk := th.taken(uint32(s[2]), "__kmpc_omp_task_with_deps")
			th.taskWithDeps(tk, th.readDeps(uint32(s[3]), uint32(s[4]), uint32(s[5]), uint32(s[6])))
			s[0] = 0
		}},
		{"__kmpc_omp_wait_deps", sig("iiiiii"), nil, func(th *Thread, s []uint64) {
			th.waitDeps(th.readDeps(uint32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5])))
		}},
		// With nowait the encountering task may go on; waiting is a valid
		// (stricter) execution.
		{"__kmpc_omp_taskwait_deps_51", sig("iiiiiii"), nil, func(th *Thread, s []uint64) {
			th.waitDeps(th.readDeps(uint32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5])))
		}},
		{"__kmpc_omp_task_begin_if0", sig("iii"), nil, func(th *Thread, s []uint64) {
			th.beginIf0(th.taken(uint32(s[2]), "__kmpc_omp_task_begin_if0"))
		}},
		{"__kmpc_omp_task_complete_if0", sig("iii"), nil, func(th *Thread, s []uint64) {
			th.completeIf0(uint32(s[2]))
		}},
		{"__kmpc_omp_taskwait", sig("ii"), sig("i"), func(th *Thread, s []uint64) {
			th.taskwait()
			s[0] = 0
		}},
		{"__kmpc_omp_taskyield", sig("iii"), sig("i"), func(th *Thread, s []uint64) {
			if tk := th.cur.team.pop(th.cur.task); tk != nil {
				th.runTask(tk)
			}
			s[0] = 0
		}},
		{"__kmpc_taskgroup", sig("ii"), nil, func(th *Thread, s []uint64) { th.taskgroupBegin() }},
		{"__kmpc_end_taskgroup", sig("ii"), nil, func(th *Thread, s []uint64) { th.taskgroupEnd() }},
		{"__kmpc_taskred_init", sig("iii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.taskredInit(uint32(s[1]), uint32(s[2])))
		}},
		{"__kmpc_taskred_modifier_init", sig("iiiii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.taskredModifierInit(uint32(s[2]) != 0, uint32(s[3]), uint32(s[4])))
		}},
		{"__kmpc_task_reduction_get_th_data", sig("iii"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.taskredData(uint32(s[1]), uint32(s[2])))
		}},
		{"__kmpc_task_reduction_modifier_fini", sig("iii"), nil, func(th *Thread, s []uint64) { th.taskredModifierFini() }},
		{"__kmpc_taskloop", sig("iiiiiiliili"), nil, func(th *Thread, s []uint64) {
			th.taskloop(uint32(s[2]), uint32(s[3]), uint32(s[4]), uint32(s[5]), int64(s[6]), uint32(s[7]) != 0, uint32(s[8]), s[9], uint32(s[10]))
		}},
	}...)
	es = append(es, apiEntries()...)
	sort.Slice(es, func(i, j int) bool { return es[i].name < es[j].name })
	return es
})

var entryIndex = sync.OnceValue(func() map[string]*entry {
	m := map[string]*entry{}
	for i := range entries() {
		e := &entries()[i]
		m[e.name] = e
	}
	return m
})

// varargs reads the argc shared arguments of a fork from the variadic
// argument area at va.
func (th *Thread) varargs(what string, argc, va uint32) []uint32 {
	if argc > 1<<12 {
		th.fault("%s with %d arguments", what, argc)
	}
	args := make([]uint32, argc)
	if argc > 0 {
		b := th.bytes(va, 4*argc)
		for i := range args {
			j := 4 * i
			args[i] = uint32(b[j]) | uint32(b[j+1])<<8 | uint32(b[j+2])<<16 | uint32(b[j+3])<<24
		}
	}
	return args
}

// EntryPoints lists the functions the runtime provides, sorted: the
// __kmpc_* entry points clang calls and the omp_* API.
func EntryPoints() []string {
	var out []string
	for _, e := range entries() {
		out = append(out, e.name)
	}
	return out
}

// Provides reports whether the runtime implements name.
func Provides(name string) bool { return entryIndex()[name] != nil }

// Unsupported lists OpenMP entry points that clang may emit and the
// runtime does not implement: a module that imports one fails to load with
// "<name> is not supported yet".
func Unsupported() []string {
	return append([]string(nil), unsupported...)
}

var unsupported = []string{
	// entry points for teams and distribute that clang 16 does not emit
	// for the host (it lowers distribute to __kmpc_for_static_init with
	// the distribute schedules)
	"__kmpc_set_thread_limit",
	"__kmpc_dist_for_static_init_4", "__kmpc_dist_for_static_init_4u", "__kmpc_dist_for_static_init_8", "__kmpc_dist_for_static_init_8u",
	"__kmpc_dist_dispatch_init_4", "__kmpc_dist_dispatch_init_4u", "__kmpc_dist_dispatch_init_8", "__kmpc_dist_dispatch_init_8u",
	"__kmpc_team_static_init_4", "__kmpc_team_static_init_4u", "__kmpc_team_static_init_8", "__kmpc_team_static_init_8u",
	// task reductions in the pre-5.0 ABI (clang 16 emits the taskred_*
	// forms), detachable tasks, affinity, strict taskloop
	"__kmpc_task_reduction_init", "__kmpc_task_reduction_modifier_init", "__kmpc_reduction_modifier_fini",
	"__kmpc_task_allow_completion_event", "__kmpc_omp_reg_task_with_affinity", "__kmpc_taskloop_5",
	"__kmpc_omp_target_task_alloc", "__kmpc_omp_taskwait_51", "__kmpc_omp_fulfill_event",
	// allocator objects, threadprivate with constructors, scope, error directive
	"__kmpc_calloc", "__kmpc_realloc",
	"__kmpc_init_allocator", "__kmpc_destroy_allocator",
	"__kmpc_threadprivate_register", "__kmpc_threadprivate_register_vec", "__kmpc_threadprivate",
	"__kmpc_scope", "__kmpc_end_scope", "__kmpc_error", "__kmpc_fork_call_if", "__kmpc_begin", "__kmpc_end",
	// omp_* API parts that need what is not implemented
	"omp_fulfill_event", "omp_pause_resource", "omp_pause_resource_all", "omp_display_env", "omp_display_affinity",
	"omp_capture_affinity", "omp_set_affinity_format", "omp_get_affinity_format",
	"omp_init_allocator", "omp_destroy_allocator", "omp_set_default_allocator", "omp_get_default_allocator",
	"omp_target_alloc", "omp_target_free", "omp_target_is_present", "omp_target_memcpy", "omp_target_memcpy_rect",
	"omp_target_associate_ptr", "omp_target_disassociate_ptr", "omp_get_mapped_ptr", "omp_target_is_accessible",
	"omp_get_num_interop_properties", "omp_get_interop_int", "omp_get_interop_ptr", "omp_get_interop_str",
	"omp_get_interop_name", "omp_get_interop_type_desc", "omp_get_interop_rc_desc", "omp_control_tool",
}

// apiEntries is the omp_* API.
func apiEntries() []entry {
	lock := func(name string, nest bool, f func(th *Thread, ptr uint32, s []uint64)) entry {
		return entry{name, sig("i"), nil, func(th *Thread, s []uint64) { f(th, uint32(s[0]), s) }}
	}
	return []entry{
		{"omp_set_num_threads", sig("i"), nil, func(th *Thread, s []uint64) {
			if n := int(int32(uint32(s[0]))); n >= 1 {
				v := th.icvForWrite()
				v.nthreads = append([]int{n}, v.nthreads[min(1, len(v.nthreads)):]...)
			}
		}},
		{"omp_get_num_threads", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.cur.team.n) }},
		{"omp_get_max_threads", nil, sig("i"), func(th *Thread, s []uint64) {
			n := th.cur.task.icv.nthreads[0]
			s[0] = uint64(min(n, th.threadLimit()))
		}},
		{"omp_get_thread_num", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.cur.tid) }},
		{"omp_get_num_procs", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.p.set.numProcs) }},
		{"omp_in_parallel", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.cur.team.active > 0) }},
		{"omp_set_dynamic", sig("i"), nil, func(th *Thread, s []uint64) { th.icvForWrite().dynamic = uint32(s[0]) != 0 }},
		{"omp_get_dynamic", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.cur.task.icv.dynamic) }},
		{"omp_get_cancellation", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_set_nested", sig("i"), nil, func(th *Thread, s []uint64) {
			if uint32(s[0]) != 0 {
				th.p.setMaxActiveLevels(supportedActiveLevels)
			} else {
				th.p.setMaxActiveLevels(1)
			}
		}},
		{"omp_get_nested", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.p.maxActiveLevels() > 1) }},
		{"omp_set_schedule", sig("ii"), nil, func(th *Thread, s []uint64) {
			kind, chunk := int32(uint32(s[0])), int32(uint32(s[1]))
			base := kind &^ SchedMonotonic
			if base < SchedStatic || base > SchedAuto {
				return // an invalid kind leaves run-sched-var unchanged
			}
			v := th.icvForWrite()
			if chunk < 1 || base == SchedAuto {
				chunk = 0
			}
			v.schedKind, v.schedChk = kind, chunk
		}},
		{"omp_get_schedule", sig("ii"), nil, func(th *Thread, s []uint64) {
			v := th.cur.task.icv
			th.put32(uint32(s[0]), uint32(v.schedKind))
			chunk := v.schedChk
			if chunk == 0 && v.schedKind&^SchedMonotonic != SchedStatic && v.schedKind&^SchedMonotonic != SchedAuto {
				chunk = 1
			}
			th.put32(uint32(s[1]), uint32(chunk))
		}},
		{"omp_get_thread_limit", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.threadLimit()) }},
		{"omp_get_supported_active_levels", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = supportedActiveLevels }},
		{"omp_set_max_active_levels", sig("i"), nil, func(th *Thread, s []uint64) {
			if n := int32(uint32(s[0])); n >= 0 {
				th.p.setMaxActiveLevels(min(int(n), supportedActiveLevels))
			}
		}},
		{"omp_get_max_active_levels", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.p.maxActiveLevels()) }},
		{"omp_get_level", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.cur.team.level) }},
		{"omp_get_active_level", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.cur.team.active) }},
		{"omp_get_ancestor_thread_num", sig("i"), sig("i"), func(th *Thread, s []uint64) {
			tm, tid, ok := th.ancestor(int(int32(uint32(s[0]))))
			_ = tm
			if !ok {
				tid = -1
			}
			s[0] = uint64(uint32(int32(tid)))
		}},
		{"omp_get_team_size", sig("i"), sig("i"), func(th *Thread, s []uint64) {
			tm, _, ok := th.ancestor(int(int32(uint32(s[0]))))
			n := -1
			if ok {
				n = tm.n
			}
			s[0] = uint64(uint32(int32(n)))
		}},
		{"omp_in_final", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = boolResult(th.cur.task.final) }},
		{"omp_get_proc_bind", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(uint32(th.cur.task.icv.bind[0])) }},
		// No places are defined: threads are not bound.
		{"omp_get_num_places", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_get_place_num_procs", sig("i"), sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_get_place_proc_ids", sig("ii"), nil, func(th *Thread, s []uint64) {}},
		{"omp_get_place_num", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(uint32(0xffffffff)) }},
		{"omp_get_partition_num_places", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_get_partition_place_nums", sig("i"), nil, func(th *Thread, s []uint64) {}},
		// The host is the only device.
		{"omp_set_default_device", sig("i"), nil, func(th *Thread, s []uint64) { th.icvForWrite().defDevice = int32(uint32(s[0])) }},
		{"omp_get_default_device", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(uint32(th.cur.task.icv.defDevice)) }},
		{"omp_get_num_devices", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_get_device_num", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_get_initial_device", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 0 }},
		{"omp_is_initial_device", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = 1 }},
		{"omp_get_num_teams", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.numTeams()) }},
		{"omp_get_team_num", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.teamNum()) }},
		{"omp_set_num_teams", sig("i"), nil, func(th *Thread, s []uint64) {
			if n := int32(uint32(s[0])); n >= 1 {
				th.p.nteams.Store(n)
			}
		}},
		{"omp_get_max_teams", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(th.defaultTeams()) }},
		{"omp_set_teams_thread_limit", sig("i"), nil, func(th *Thread, s []uint64) {
			if n := int32(uint32(s[0])); n >= 1 {
				th.p.teamsThreadLimit.Store(n)
			}
		}},
		{"omp_get_teams_thread_limit", nil, sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(th.defaultTeamsLimit(th.defaultTeams()))
		}},
		{"omp_get_max_task_priority", nil, sig("i"), func(th *Thread, s []uint64) { s[0] = uint64(uint32(th.p.set.maxTaskPriority)) }},
		{"omp_get_wtime", nil, []api.ValueType{f64}, func(th *Thread, s []uint64) {
			s[0] = math.Float64bits(time.Since(th.p.start).Seconds())
		}},
		{"omp_get_wtick", nil, []api.ValueType{f64}, func(th *Thread, s []uint64) { s[0] = math.Float64bits(1e-9) }},

		lock("omp_init_lock", false, func(th *Thread, p uint32, s []uint64) { th.initLock(p, false) }),
		lock("omp_destroy_lock", false, func(th *Thread, p uint32, s []uint64) { th.destroyLock(p, false, "omp_destroy_lock") }),
		lock("omp_set_lock", false, func(th *Thread, p uint32, s []uint64) { th.setLock(p, false, "omp_set_lock") }),
		lock("omp_unset_lock", false, func(th *Thread, p uint32, s []uint64) { th.unsetLock(p, false, "omp_unset_lock") }),
		{"omp_test_lock", sig("i"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(uint32(th.testLock(uint32(s[0]), false, "omp_test_lock")))
		}},
		lock("omp_init_nest_lock", true, func(th *Thread, p uint32, s []uint64) { th.initLock(p, true) }),
		lock("omp_destroy_nest_lock", true, func(th *Thread, p uint32, s []uint64) { th.destroyLock(p, true, "omp_destroy_nest_lock") }),
		lock("omp_set_nest_lock", true, func(th *Thread, p uint32, s []uint64) { th.setLock(p, true, "omp_set_nest_lock") }),
		lock("omp_unset_nest_lock", true, func(th *Thread, p uint32, s []uint64) { th.unsetLock(p, true, "omp_unset_nest_lock") }),
		{"omp_test_nest_lock", sig("i"), sig("i"), func(th *Thread, s []uint64) {
			s[0] = uint64(uint32(th.testLock(uint32(s[0]), true, "omp_test_nest_lock")))
		}},
		// Hints only tune the lock implementation.
		{"omp_init_lock_with_hint", sig("ii"), nil, func(th *Thread, s []uint64) { th.initLock(uint32(s[0]), false) }},
		{"omp_init_nest_lock_with_hint", sig("ii"), nil, func(th *Thread, s []uint64) { th.initLock(uint32(s[0]), true) }},
	}
}

// icvForWrite returns a copy of the current task's ICVs that becomes the
// task's own, for modification: ICV objects are shared (by the implicit
// tasks of a team, by explicit tasks and their generating task) and never
// change once shared.
func (th *Thread) icvForWrite() *icv {
	tk := th.cur.task
	tk.icv = tk.icv.clone()
	tk.icv.nthreads = append([]int(nil), tk.icv.nthreads...)
	tk.icv.bind = append([]int32(nil), tk.icv.bind...)
	return tk.icv
}

// ancestor returns the team at nesting level and the thread number of the
// current thread's ancestor in it.
func (th *Thread) ancestor(level int) (*team, int, bool) {
	tm, tid := th.cur.team, th.cur.tid
	if level < 0 || level > tm.level {
		return nil, 0, false
	}
	for tm.level > level {
		tid = tm.parentTid
		tm = tm.parent
	}
	return tm, tid, true
}

func (p *Process) maxActiveLevels() int { return int(p.maxActive.Load()) }

func (p *Process) setMaxActiveLevels(n int) { p.maxActive.Store(int32(n)) }
