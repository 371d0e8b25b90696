package main

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Benchmark groups; --only accepts them as well as single names.
const (
	groupP2P     = "p2p"
	groupColl    = "collectives"
	groupKernel  = "kernels"
	groupOpenMP  = "openmp"
	groupStartup = "startup"
)

// ompThreads is the OpenMP team size of the openmp group: OMP_NUM_THREADS
// of its one rank, natively and in wasm.
const ompThreads = 2

// benchmark is one row family of the results table.
type benchmark struct {
	name   string // as in RESULT name= and --only
	group  string
	source string // program in src/, without .c
	about  string // one line for RESULTS.md
}

// catalogue lists every benchmark in the order the table shows them.
func catalogue() []benchmark {
	coll := func(name, about string) benchmark {
		return benchmark{name, groupColl, "coll", about}
	}
	kernel := func(name, about string) benchmark {
		return benchmark{name, groupKernel, name, about}
	}
	omp := func(name, source, about string) benchmark {
		return benchmark{name, groupOpenMP, source, about}
	}
	pi := fmt.Sprintf("omp_pi_%dthr", ompThreads)
	return []benchmark{
		{"pingpong", groupP2P, "pingpong", "ping-pong latency between 2 ranks: half the round trip"},
		{"bandwidth", groupP2P, "bandwidth", "one-way bandwidth, 64 MPI_Isends in flight (16 at 4 MiB), MB/s"},
		{"bibw", groupP2P, "bibw", "bidirectional bandwidth, 64 messages in flight each way, MB/s of both directions"},
		coll("barrier", "MPI_Barrier"),
		coll("bcast", "MPI_Bcast from rank 0, size = buffer"),
		coll("reduce", "MPI_Reduce (MPI_SUM of doubles) to rank 0, size = each rank's contribution"),
		coll("allreduce", "MPI_Allreduce (MPI_SUM of doubles), size = each rank's contribution"),
		coll("allgather", "MPI_Allgather, size = each rank's contribution"),
		coll("alltoall", "MPI_Alltoall, size = block per peer"),
		kernel("triad", "STREAM triad a = b + s*c on every rank, aggregate MB/s"),
		kernel("stencil", "2-D 5-point Jacobi with halo exchange (MPI_Sendrecv), MLUP/s"),
		kernel("transpose", "distributed matrix transpose with MPI_Alltoall, MB/s"),
		kernel("dgemm", "C = A*B (plain blocked loops, rows distributed, Bcast/Scatter/Gather included), GFLOP/s"),
		kernel("spmv", "CSR sparse matrix-vector product of a 2-D Laplacian with halo exchange, GFLOP/s"),
		kernel("cg", "CG on a tridiagonal system: 2 one-double MPI_Allreduces per iteration, us per iteration"),
		omp("omp_parallel", "omp_sync", "OpenMP fork/join: overhead of a parallel region (EPCC syncbench style), us"),
		omp("omp_for", "omp_sync", "overhead of an omp for inside a parallel region (with its barrier), us"),
		omp("omp_parallel_for", "omp_sync", "overhead of a combined parallel for, us"),
		omp("omp_barrier", "omp_sync", "overhead of an omp barrier, us"),
		omp("omp_single", "omp_sync", "overhead of an omp single (with its barrier), us"),
		omp("omp_critical", "omp_sync", "overhead of entering and leaving an omp critical section, us"),
		omp("omp_lock", "omp_sync", "overhead of omp_set_lock + omp_unset_lock, us"),
		omp("omp_atomic", "omp_sync", "overhead of an omp atomic update of a double (both threads contending), us"),
		omp("omp_reduction", "omp_sync", "overhead of a parallel region with reduction(+), us"),
		omp("omp_pi_1thr", "omp_sync", "pi by the midpoint rule, parallel for reduction on 1 thread, ms"),
		omp(pi, "omp_sync", fmt.Sprintf("the same loop on %d threads, ms", ompThreads)),
		omp("omp_pi_speedup", "omp_sync", fmt.Sprintf("1-thread time / %d-thread time of that loop (higher is better)", ompThreads)),
		omp("omp_triad", "omp_kernels", fmt.Sprintf("STREAM triad with omp parallel for on 1 rank x %d threads, MB/s", ompThreads)),
		omp("omp_dgemm", "omp_kernels", fmt.Sprintf("blocked dgemm with the rows shared by %d threads (omp for), GFLOP/s", ompThreads)),
		{"startup", groupStartup, "hello", "wall time of the whole mpirun command for a hello world (one MPI_Reduce)"},
	}
}

// selectBenchmarks returns the catalogue entries named by only (names or
// group names); all of them when only is empty.
func selectBenchmarks(only []string) ([]benchmark, error) {
	all := catalogue()
	if len(only) == 0 {
		return all, nil
	}
	want := map[string]bool{}
	for _, name := range only {
		name = strings.TrimSpace(name)
		found := false
		for _, b := range all {
			if b.name == name || b.group == name {
				want[b.name] = true
				found = true
			}
		}
		if !found {
			var names []string
			for _, b := range all {
				names = append(names, b.name)
			}
			return nil, fmt.Errorf("--only: unknown benchmark %q (known: %s; groups: %s, %s, %s, %s, %s)",
				name, strings.Join(names, ", "), groupP2P, groupColl, groupKernel, groupOpenMP, groupStartup)
		}
	}
	var out []benchmark
	for _, b := range all {
		if want[b.name] {
			out = append(out, b)
		}
	}
	return out, nil
}

// plan is what one mode (full or quick) runs.
type plan struct {
	budget         float64 // seconds of timing per message size
	latencySizes   []int64
	bandwidthSizes []int64
	collSizes      []int64
	kernelArgs     map[string][]string
	ompArgs        map[string][]string // by source: the openmp group's programs
}

func powers(from, to, factor int64) []int64 {
	var s []int64
	for n := from; n <= to; n *= factor {
		s = append(s, n)
	}
	return s
}

// fullPlan keeps a complete run (5 repetitions) within about 5 minutes on
// an idle 2-core machine and under 10 on a loaded one; a third of it is
// Open MPI starting 64 ranks.
func fullPlan() plan {
	return plan{
		budget:         0.025,
		latencySizes:   append([]int64{0}, powers(1, 4<<20, 4)...),
		bandwidthSizes: powers(1, 4<<20, 4),
		collSizes:      append(powers(8, 256<<10, 8), 4<<20),
		kernelArgs: map[string][]string{
			"triad":     {"n=4194304", "reps=10"},
			"stencil":   {"n=1024", "iters=200"},
			"transpose": {"n=2048", "iters=10"},
			"dgemm":     {"n=768", "reps=3"},
			"spmv":      {"n=1024", "iters=100"},
			"cg":        {"n=1000", "iters=30", "solves=300"},
		},
		ompArgs: map[string][]string{
			"omp_sync":    {"target=0.02", "outer=7", "delay_us=0.1", "n=40000000", "reps=5"},
			"omp_kernels": {"n=4194304", "reps=10", "m=768", "mreps=3"},
		},
	}
}

// quickPlan runs everything once at tiny sizes: a smoke test, not a
// measurement.
func quickPlan() plan {
	return plan{
		budget:         0,
		latencySizes:   []int64{0, 8, 1024},
		bandwidthSizes: []int64{8, 1024},
		collSizes:      []int64{8, 1024},
		kernelArgs: map[string][]string{
			"triad":     {"n=4096", "reps=2"},
			"stencil":   {"n=48", "iters=5"},
			"transpose": {"n=48", "iters=2"},
			"dgemm":     {"n=24", "reps=1"},
			"spmv":      {"n=48", "iters=3"},
			"cg":        {"n=50", "iters=30", "solves=2"},
		},
		ompArgs: map[string][]string{
			"omp_sync":    {"target=0", "outer=1", "n=100000", "reps=1"},
			"omp_kernels": {"n=4096", "reps=2", "m=24", "mreps=1"},
		},
	}
}

// job is one program run at one rank count; each repetition runs it once
// per variant.
type job struct {
	label   string // for logs and results.json
	source  string
	ranks   int
	args    []string
	threads int  // OpenMP threads per rank (OMP_NUM_THREADS); 0: not an OpenMP program
	startup bool // record the command's wall time as benchmark "startup"
}

func joinSizes(s []int64) string {
	parts := make([]string, len(s))
	for i, n := range s {
		parts[i] = strconv.FormatInt(n, 10)
	}
	return "sizes=" + strings.Join(parts, ",")
}

// jobs turns the selected benchmarks into runs: the collectives share one
// program run per rank count.
func jobs(sel []benchmark, p plan, o options) []job {
	budget := fmt.Sprintf("budget=%g", p.budget)
	var out []job
	var ops []string
	for _, b := range sel {
		switch b.group {
		case groupP2P:
			sizes := p.bandwidthSizes
			if b.name == "pingpong" {
				sizes = p.latencySizes
			}
			out = append(out, job{label: b.name, source: b.source, ranks: 2, args: []string{joinSizes(sizes), budget}})
		case groupColl:
			ops = append(ops, b.name)
		}
	}
	if len(ops) > 0 {
		for _, np := range o.ranks {
			out = append(out, job{label: fmt.Sprintf("coll np=%d", np), source: "coll", ranks: np,
				args: []string{"ops=" + strings.Join(ops, ","), joinSizes(p.collSizes), budget}})
		}
	}
	for _, b := range sel {
		if b.group != groupKernel {
			continue
		}
		for _, np := range o.kernelRanks {
			out = append(out, job{label: fmt.Sprintf("%s np=%d", b.name, np), source: b.source, ranks: np,
				args: slices.Clone(p.kernelArgs[b.name])})
		}
	}
	// The openmp group: one run per program, 1 rank, asking it for the
	// selected results only.
	var ompSources []string
	ompNames := map[string][]string{}
	for _, b := range sel {
		if b.group != groupOpenMP {
			continue
		}
		if _, ok := ompNames[b.source]; !ok {
			ompSources = append(ompSources, b.source)
		}
		ompNames[b.source] = append(ompNames[b.source], b.name)
	}
	for _, src := range ompSources {
		args := append(slices.Clone(p.ompArgs[src]), "only="+strings.Join(ompNames[src], ","), fmt.Sprintf("threads=%d", ompThreads))
		out = append(out, job{label: fmt.Sprintf("%s %dthr", src, ompThreads), source: src, ranks: 1, threads: ompThreads, args: args})
	}
	for _, b := range sel {
		if b.group != groupStartup {
			continue
		}
		for _, np := range o.startupRanks {
			out = append(out, job{label: fmt.Sprintf("startup np=%d", np), source: b.source, ranks: np, startup: true})
		}
	}
	return out
}

// isOpenMP reports whether the program source belongs to the openmp group
// (built with -fopenmp).
func isOpenMP(source string) bool {
	return slices.ContainsFunc(catalogue(), func(b benchmark) bool { return b.source == source && b.group == groupOpenMP })
}

// sources returns the programs the jobs need, each once.
func sources(js []job) []string {
	var out []string
	for _, j := range js {
		if !slices.Contains(out, j.source) {
			out = append(out, j.source)
		}
	}
	return out
}
