/* omp.h: the OpenMP API of the wasmpi runtime (mpicc -fopenmp).
 *
 * Written from the OpenMP 5.x specification's API chapter. Every function
 * declared here is provided: the runtime ones are imports from module "env"
 * served by the wasmpi host (the mpicc -fopenmp link makes them imports),
 * the memory-allocation ones are in the SDK's OpenMP support library.
 * Teams, devices other than the host, places, affinity formatting, pause
 * and detachable tasks are not provided. */
#ifndef WASMPI_OMP_H
#define WASMPI_OMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WASMPI_OMP_VERSION 201811

typedef enum omp_sched_t {
	omp_sched_static = 1,
	omp_sched_dynamic = 2,
	omp_sched_guided = 3,
	omp_sched_auto = 4,
	omp_sched_monotonic = (int)0x80000000
} omp_sched_t;

typedef enum omp_proc_bind_t {
	omp_proc_bind_false = 0,
	omp_proc_bind_true = 1,
	omp_proc_bind_primary = 2,
	omp_proc_bind_master = 2,
	omp_proc_bind_close = 3,
	omp_proc_bind_spread = 4
} omp_proc_bind_t;

typedef enum omp_sync_hint_t {
	omp_sync_hint_none = 0,
	omp_lock_hint_none = 0,
	omp_sync_hint_uncontended = 1,
	omp_lock_hint_uncontended = 1,
	omp_sync_hint_contended = 2,
	omp_lock_hint_contended = 2,
	omp_sync_hint_nonspeculative = 4,
	omp_lock_hint_nonspeculative = 4,
	omp_sync_hint_speculative = 8,
	omp_lock_hint_speculative = 8
} omp_sync_hint_t;
typedef omp_sync_hint_t omp_lock_hint_t;

/* A lock variable points to the lock's state, which omp_init_lock
 * allocates and omp_destroy_lock frees. */
typedef struct omp_lock_t {
	void *_lk;
} omp_lock_t;
typedef struct omp_nest_lock_t {
	void *_lk;
} omp_nest_lock_t;

/* Memory allocators: every predefined allocator allocates from the heap. */
/* An enum, as clang's allocate clause and directive expect; its size is a
 * pointer's. */
typedef enum omp_allocator_handle_t {
	omp_null_allocator = 0,
	omp_default_mem_alloc = 1,
	omp_large_cap_mem_alloc = 2,
	omp_const_mem_alloc = 3,
	omp_high_bw_mem_alloc = 4,
	omp_low_lat_mem_alloc = 5,
	omp_cgroup_mem_alloc = 6,
	omp_pteam_mem_alloc = 7,
	omp_thread_mem_alloc = 8,
	wasmpi_allocator_handle_max = __UINTPTR_MAX__
} omp_allocator_handle_t;
typedef uintptr_t omp_memspace_handle_t;
#define omp_default_mem_space ((omp_memspace_handle_t)0)
#define omp_large_cap_mem_space ((omp_memspace_handle_t)1)
#define omp_const_mem_space ((omp_memspace_handle_t)2)
#define omp_high_bw_mem_space ((omp_memspace_handle_t)3)
#define omp_low_lat_mem_space ((omp_memspace_handle_t)4)

/* Thread team and execution environment. */
extern void omp_set_num_threads(int num_threads);
extern int omp_get_num_threads(void);
extern int omp_get_max_threads(void);
extern int omp_get_thread_num(void);
extern int omp_get_num_procs(void);
extern int omp_in_parallel(void);
extern void omp_set_dynamic(int dynamic_threads);
extern int omp_get_dynamic(void);
extern int omp_get_cancellation(void);
extern void omp_set_nested(int nested);
extern int omp_get_nested(void);
extern void omp_set_schedule(omp_sched_t kind, int chunk_size);
extern void omp_get_schedule(omp_sched_t *kind, int *chunk_size);
extern int omp_get_thread_limit(void);
extern int omp_get_supported_active_levels(void);
extern void omp_set_max_active_levels(int max_levels);
extern int omp_get_max_active_levels(void);
extern int omp_get_level(void);
extern int omp_get_ancestor_thread_num(int level);
extern int omp_get_team_size(int level);
extern int omp_get_active_level(void);
extern int omp_in_final(void);
extern omp_proc_bind_t omp_get_proc_bind(void);
extern int omp_get_num_places(void);
extern int omp_get_place_num_procs(int place_num);
extern void omp_get_place_proc_ids(int place_num, int *ids);
extern int omp_get_place_num(void);
extern int omp_get_partition_num_places(void);
extern void omp_get_partition_place_nums(int *place_nums);
extern void omp_set_default_device(int device_num);
extern int omp_get_default_device(void);
extern int omp_get_num_devices(void);
extern int omp_get_device_num(void);
extern int omp_get_num_teams(void);
extern int omp_get_team_num(void);
extern void omp_set_num_teams(int num_teams);
extern int omp_get_max_teams(void);
extern void omp_set_teams_thread_limit(int thread_limit);
extern int omp_get_teams_thread_limit(void);
extern int omp_is_initial_device(void);
extern int omp_get_initial_device(void);
extern int omp_get_max_task_priority(void);

/* Locks. */
extern void omp_init_lock(omp_lock_t *lock);
extern void omp_init_lock_with_hint(omp_lock_t *lock, omp_sync_hint_t hint);
extern void omp_destroy_lock(omp_lock_t *lock);
extern void omp_set_lock(omp_lock_t *lock);
extern void omp_unset_lock(omp_lock_t *lock);
extern int omp_test_lock(omp_lock_t *lock);
extern void omp_init_nest_lock(omp_nest_lock_t *lock);
extern void omp_init_nest_lock_with_hint(omp_nest_lock_t *lock, omp_sync_hint_t hint);
extern void omp_destroy_nest_lock(omp_nest_lock_t *lock);
extern void omp_set_nest_lock(omp_nest_lock_t *lock);
extern void omp_unset_nest_lock(omp_nest_lock_t *lock);
extern int omp_test_nest_lock(omp_nest_lock_t *lock);

/* Timing. */
extern double omp_get_wtime(void);
extern double omp_get_wtick(void);

/* Memory management (the allocator argument is accepted and ignored). */
extern void *omp_alloc(size_t size, omp_allocator_handle_t allocator);
extern void *omp_aligned_alloc(size_t alignment, size_t size, omp_allocator_handle_t allocator);
extern void *omp_calloc(size_t nmemb, size_t size, omp_allocator_handle_t allocator);
extern void *omp_aligned_calloc(size_t alignment, size_t nmemb, size_t size, omp_allocator_handle_t allocator);
extern void *omp_realloc(void *ptr, size_t size, omp_allocator_handle_t allocator, omp_allocator_handle_t free_allocator);
extern void omp_free(void *ptr, omp_allocator_handle_t allocator);

#ifdef __cplusplus
}
#endif
#endif
