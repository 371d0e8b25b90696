package rank

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasmpi/wasmpi/collective"
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/openmp"
)

// Config describes one job: a module and how to run it.
type Config struct {
	// Module is the compiled WebAssembly binary; Name is used in messages
	// and as argv[0].
	Module []byte
	Name   string
	// Ranks is the number of ranks (at least 1).
	Ranks int
	// Args are the program arguments after argv[0].
	Args []string
	// Env is the environment each rank sees, as KEY=VALUE strings.
	Env []string
	// Dir is the host directory the guest sees as its working directory
	// (mounted at "/"). Empty means no file system access.
	Dir string
	// Stdout and Stderr return the writers for one rank's output. Nil
	// functions discard output.
	Stdout, Stderr func(rank int) io.Writer
	// Stdin is given to rank 0; other ranks read an empty stdin.
	Stdin io.Reader
	// MemoryLimitPages caps each rank's linear memory (64 KiB pages);
	// 0 keeps the module's own maximum (at most 4 GiB).
	MemoryLimitPages uint32
	// CacheDir holds compiled modules across runs; empty disables the cache.
	CacheDir string
	// StopGrace is how long Run waits for ranks that are still computing
	// after the job has failed or been aborted; they cannot be interrupted
	// until they next call MPI. Zero means 2 seconds.
	StopGrace time.Duration
	// Hostname is what MPI_Get_processor_name and gethostname report.
	Hostname string
	// StallWarning, when positive, makes Run call Warn once if every rank
	// that has not ended sleeps in an MPI call for that long with nothing
	// happening to any of them (a deadlock, most likely). The job goes on
	// waiting. Ranks with OpenMP threads are never counted as stalled
	// (their other threads may be computing). It sees only the ranks of
	// this process, so a job with ranks elsewhere must leave it off.
	StallWarning time.Duration
	Warn         func(msg string)
}

// Outcome is how one rank ended.
type Outcome struct {
	Rank     int
	ExitCode int
	// Err explains a failure: a trap, an MPI error, an abort, or the job
	// stopping because another rank failed. Nil for a clean exit.
	Err error
	// Finished is false if the rank was still running when Run returned.
	Finished bool
	// AtStop is what the rank was doing when the job was stopped (by a
	// failure, an abort, a timeout or a cancel): "in MPI_Recv",
	// "computing" (running its own code), "finished" or "failed" (it had
	// ended on its own). "" if the job was not stopped.
	AtStop string
}

// Result is the outcome of a job.
type Result struct {
	// ExitCode is 0 when every rank succeeded, the abort code after
	// MPI_Abort, and otherwise the exit code of the first rank that failed.
	ExitCode int
	// Failure describes the first failure, nil on success.
	Failure *Failure
	Ranks   []Outcome
}

// Failure is the first thing that went wrong in a job.
type Failure struct {
	Rank     int
	ExitCode int
	Err      error
}

func (f *Failure) Error() string { return fmt.Sprintf("rank %d: %v", f.Rank, f.Err) }

// Summary is a one-line account of which ranks failed and why.
func (r *Result) Summary() string {
	if r.Failure == nil {
		return ""
	}
	var failed, stopped, running []int
	for _, o := range r.Ranks {
		switch {
		case !o.Finished:
			running = append(running, o.Rank)
		case errors.Is(o.Err, errStoppedByJob):
			stopped = append(stopped, o.Rank)
		case o.Err != nil || o.ExitCode != 0:
			failed = append(failed, o.Rank)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "job failed: rank %d exited with status %d", r.Failure.Rank, r.Failure.ExitCode)
	if len(failed) > 1 {
		fmt.Fprintf(&b, "; ranks that failed: %s", rankList(failed))
	}
	if len(stopped) > 0 {
		fmt.Fprintf(&b, "; stopped: %s", rankList(stopped))
	}
	if len(running) > 0 {
		fmt.Fprintf(&b, "; still computing, abandoned: %s", rankList(running))
	}
	return b.String()
}

func rankList(rs []int) string {
	sort.Ints(rs)
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprint(r)
	}
	return strings.Join(parts, ",")
}

// StateAtStop describes what the ranks were doing when the job was
// stopped, grouping ranks in the same state: "rank 0 in MPI_Recv; ranks
// 1,2 in MPI_Barrier; rank 3 computing". "" if the job was not stopped.
func (r *Result) StateAtStop() string {
	groups := map[string][]int{}
	var order []string
	for _, o := range r.Ranks {
		if o.AtStop == "" {
			continue
		}
		if groups[o.AtStop] == nil {
			order = append(order, o.AtStop)
		}
		groups[o.AtStop] = append(groups[o.AtStop], o.Rank)
	}
	parts := make([]string, len(order))
	for i, st := range order {
		rs := groups[st]
		if len(rs) == 1 {
			parts[i] = fmt.Sprintf("rank %d %s", rs[0], st)
		} else {
			parts[i] = fmt.Sprintf("ranks %s %s", rankList(rs), st)
		}
	}
	return strings.Join(parts, "; ")
}

// errStoppedByJob marks ranks that ended because the job stopped.
var errStoppedByJob = errors.New("stopped because the job ended")

// Job is a compiled module ready to run as a number of ranks.
type Job struct {
	cfg      Config
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	cache    wazero.CompilationCache
	// omp is the OpenMP runtime; ompModule is set when the program uses
	// OpenMP (it then imports its shared memory and the runtime from "env").
	omp       *openmp.Runtime
	ompModule *openmp.Module
	// abandoned is set when Run returned while a rank was still executing
	// guest code; the runtime must then stay alive (its compiled code is
	// running) until the process exits.
	abandoned bool
}

// Compile compiles the module and checks that everything it imports is
// provided. Nothing runs yet. The caller must Close the job.
func Compile(ctx context.Context, cfg Config) (*Job, error) {
	if cfg.Ranks < 1 {
		return nil, fmt.Errorf("the number of ranks must be at least 1, got %d", cfg.Ranks)
	}
	if cfg.Name == "" {
		cfg.Name = "main.wasm"
	}
	// Threads (atomics and shared memory) are for OpenMP programs; they
	// change nothing for the others.
	rc := wazero.NewRuntimeConfigCompiler().
		WithCoreFeatures(api.CoreFeaturesV2 | experimental.CoreFeaturesThreads).
		WithDebugInfoEnabled(true)
	if cfg.MemoryLimitPages > 0 {
		rc = rc.WithMemoryLimitPages(cfg.MemoryLimitPages)
	}
	j := &Job{cfg: cfg}
	if cfg.CacheDir != "" {
		if err := os.MkdirAll(cfg.CacheDir, 0o755); err == nil {
			if c, err := wazero.NewCompilationCacheWithDir(cfg.CacheDir); err == nil {
				j.cache = c
				rc = rc.WithCompilationCache(c)
			}
		}
	}
	j.runtime = wazero.NewRuntimeWithConfig(ctx, rc)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, j.runtime); err != nil {
		j.Close(ctx)
		return nil, fmt.Errorf("setting up WASI: %w", err)
	}
	if err := instantiateHostModule(ctx, j.runtime); err != nil {
		j.Close(ctx)
		return nil, fmt.Errorf("setting up the mpi host module: %w", err)
	}
	omp, err := openmp.NewRuntime(ctx, j.runtime)
	if err != nil {
		j.Close(ctx)
		return nil, fmt.Errorf("setting up the OpenMP runtime: %w", err)
	}
	j.omp = omp
	compiled, err := compileModule(ctx, j.runtime, cfg.Module)
	if err != nil {
		j.Close(ctx)
		var ice *compilerError
		if errors.As(err, &ice) {
			return nil, fmt.Errorf("compiling %s: %w", cfg.Name, err)
		}
		return nil, fmt.Errorf("%s is not a valid WebAssembly module: %w", cfg.Name, err)
	}
	j.compiled = compiled
	if err := j.checkImports(ctx); err != nil {
		j.Close(ctx)
		return nil, err
	}
	if _, ok := compiled.ExportedFunctions()["_start"]; !ok {
		j.Close(ctx)
		return nil, fmt.Errorf("%s has no _start function: build it as a WASI command (mpicc does)", cfg.Name)
	}
	return j, nil
}

// compilerError is a panic inside wazero's compiler, turned into an error.
type compilerError struct{ recovered any }

func (e *compilerError) Error() string {
	return fmt.Sprintf("internal error in the wasm compiler (wazero): %v", e.recovered)
}

// compileAttempts bounds retries after a compiler panic. wazero v1.12's
// optimizing compiler has been seen to panic, rarely and not
// reproducibly, inside its SSA builder on OpenMP modules (its passes are
// not fully deterministic); a second attempt has always succeeded.
const compileAttempts = 3

// compileModule compiles a module without letting a compiler panic take
// the host process down, retrying a few times after one.
func compileModule(ctx context.Context, rt wazero.Runtime, module []byte) (compiled wazero.CompiledModule, err error) {
	for attempt := 0; attempt < compileAttempts; attempt++ {
		compiled, err = func() (c wazero.CompiledModule, err error) {
			defer func() {
				if p := recover(); p != nil {
					err = &compilerError{recovered: p}
				}
			}()
			return rt.CompileModule(ctx, module)
		}()
		var ice *compilerError
		if !errors.As(err, &ice) {
			return compiled, err
		}
	}
	return nil, err
}

// Close releases the runtime and the compiled module. If a rank was
// abandoned while computing, its code is still running and nothing is
// released: the memory goes when the process exits.
func (j *Job) Close(ctx context.Context) {
	if j.abandoned {
		return
	}
	if j.runtime != nil {
		_ = j.runtime.Close(ctx)
	}
	if j.cache != nil {
		_ = j.cache.Close(ctx)
	}
}

// MissingImportsError lists every function a module imports that the
// runtime does not provide.
type MissingImportsError struct {
	Module  string
	Missing []string // e.g. "MPI_Win_create is not supported yet"
}

func (e *MissingImportsError) Error() string {
	return fmt.Sprintf("%s cannot run: it uses %d function(s) that wasmpi does not provide:\n  %s",
		e.Module, len(e.Missing), strings.Join(e.Missing, "\n  "))
}

func (j *Job) checkImports(ctx context.Context) error {
	var missing []string
	wasi := j.runtime.Module(wasi_snapshot_preview1.ModuleName).ExportedFunctionDefinitions()
	for _, f := range j.compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		switch mod {
		case hostModuleName:
			if !providesMPI(name) {
				missing = append(missing, fmt.Sprintf("%s is not supported yet", name))
			}
		case wasi_snapshot_preview1.ModuleName:
			if _, ok := wasi[name]; !ok {
				missing = append(missing, fmt.Sprintf("WASI function %s is not provided", name))
			}
		case "env":
			// The OpenMP runtime: checked below.
		default:
			missing = append(missing, fmt.Sprintf("%s.%s is not provided (only the %q, %q and OpenMP \"env\" modules are)", mod, name, hostModuleName, wasi_snapshot_preview1.ModuleName))
		}
	}
	// An OpenMP program (mpicc -fopenmp) imports its memory, shared, and
	// the OpenMP runtime from "env".
	om, problems, err := j.omp.Prepare(ctx, j.cfg.Module, j.compiled)
	if err != nil {
		return fmt.Errorf("%s: %w", j.cfg.Name, err)
	}
	missing = append(missing, problems...)
	j.ompModule = om
	if om == nil && len(problems) == 0 {
		for _, m := range j.compiled.ImportedMemories() {
			mod, name, _ := m.Import()
			missing = append(missing, fmt.Sprintf("imported memory %s.%s is not supported (only OpenMP programs import their memory, from \"env\")", mod, name))
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return &MissingImportsError{Module: j.cfg.Name, Missing: missing}
	}
	return nil
}

// Run starts every rank and waits for the job to end. ctx cancels the job
// (for example on Ctrl-C): blocked ranks return at once, computing ranks at
// their next MPI call.
func (j *Job) Run(ctx context.Context) (*Result, error) {
	cfg := j.cfg
	ctx = experimental.WithMemoryAllocator(ctx, memoryAllocator{})
	world, err := comm.NewWorld(ctx, cfg.Ranks)
	if err != nil {
		return nil, err
	}
	defer world.Stop(nil)
	js := &jobState{cfg: &cfg, world: world, start: time.Now()}

	ranks := make([]*rankState, cfg.Ranks)
	for i := range ranks {
		r, err := j.instantiate(ctx, js, i)
		if err != nil {
			world.Stop(err)
			for _, r := range ranks[:i] {
				r.closeOpenMP()
				_ = r.mod.Close(ctx)
				r.releaseOpenMP()
			}
			return nil, err
		}
		ranks[i] = r
	}

	outcomes := make([]Outcome, cfg.Ranks)
	for i := range outcomes {
		outcomes[i].Rank = i
	}
	var mu sync.Mutex
	done := make(chan int, cfg.Ranks)
	for i, r := range ranks {
		go func() {
			o := r.run(ctx)
			mu.Lock()
			outcomes[i] = o
			mu.Unlock()
			done <- i
		}()
	}

	if cfg.StallWarning > 0 && cfg.Warn != nil {
		stop := make(chan struct{})
		defer close(stop)
		go watchStalls(ranks, cfg.StallWarning, cfg.Warn, stop)
	}

	grace := cfg.StopGrace
	if grace == 0 {
		grace = 2 * time.Second
	}
	var deadline <-chan time.Time
	var stopped []*string // activities when the job stopped
	remaining := cfg.Ranks
	for remaining > 0 {
		select {
		case <-done:
			remaining--
		case <-world.Context().Done():
			if deadline == nil {
				deadline = time.After(grace)
				stopped = activities(ranks)
			}
			select {
			case <-done:
				remaining--
			case <-deadline:
				remaining = 0
				j.abandoned = true
			}
		}
	}
	world.Stop(nil)
	for _, r := range ranks {
		if r.omp != nil && r.omp.abandoned.Load() {
			j.abandoned = true
		}
	}

	mu.Lock()
	defer mu.Unlock()
	res := &Result{Ranks: append([]Outcome(nil), outcomes...)}
	if stopped != nil {
		for i := range res.Ranks {
			res.Ranks[i].AtStop = atStop(res.Ranks[i], stopped[i])
		}
	}
	if f := js.failure(); f != nil {
		res.Failure = f
		res.ExitCode = f.ExitCode
	}
	if res.Failure == nil && ctx.Err() != nil {
		res.Failure = &Failure{Rank: -1, ExitCode: 130, Err: context.Cause(ctx)}
		res.ExitCode = 130
	}
	return res, nil
}

// activities snapshots the MPI call each rank is in (nil: none) as the job
// stops. A rank stopped inside a call keeps that call as its activity
// while it unwinds, so the snapshot holds even if it is taken late.
func activities(ranks []*rankState) []*string {
	out := make([]*string, len(ranks))
	for i, r := range ranks {
		out[i] = r.activity.Load()
	}
	return out
}

// atStop says what a rank was doing when the job stopped, from its outcome
// and its activity at the stop.
func atStop(o Outcome, activity *string) string {
	switch {
	case o.Finished && !errors.Is(o.Err, errStoppedByJob):
		if o.Err != nil || o.ExitCode != 0 {
			return "failed"
		}
		return "finished"
	case activity != nil:
		return "in " + *activity
	}
	return "computing"
}

// watchStalls calls warn once if every rank that has not ended stays
// asleep in an MPI call, with no wake-up, for d.
func watchStalls(ranks []*rankState, d time.Duration, warn func(string), stop <-chan struct{}) {
	tick := d / 4
	if tick > time.Second {
		tick = time.Second
	}
	t := time.NewTicker(tick)
	defer t.Stop()
	wakes := make([]uint64, len(ranks))
	var since time.Time // start of the current stall; zero: none
	for {
		select {
		case <-stop:
			return
		case now := <-t.C:
			stalled, running := true, 0
			for i, r := range ranks {
				if r.ended.Load() {
					continue
				}
				running++
				asleep, w := r.ep.Asleep()
				if !asleep || w != wakes[i] || r.activity.Load() == nil || (r.omp != nil && r.omp.proc.Threads() > 1) {
					stalled = false
				}
				wakes[i] = w
			}
			switch {
			case !stalled || running == 0:
				since = time.Time{}
			case since.IsZero():
				since = now
			case now.Sub(since) >= d:
				st := make([]Outcome, len(ranks))
				for i, r := range ranks {
					st[i] = Outcome{Rank: i, AtStop: "finished"}
					if !r.ended.Load() {
						st[i].AtStop = atStop(Outcome{}, r.activity.Load())
					}
				}
				warn(fmt.Sprintf("every rank has waited in MPI for %v with no message or completion reaching it: %s; "+
					"the job looks deadlocked (it keeps waiting)", d.Round(time.Second/10), (&Result{Ranks: st}).StateAtStop()))
				return
			}
		}
	}
}

// instantiate creates rank i's instance without running it.
func (j *Job) instantiate(ctx context.Context, js *jobState, i int) (*rankState, error) {
	cfg := js.cfg
	r := newRankState(js, i)
	mc := wazero.NewModuleConfig().
		WithName(fmt.Sprintf("rank%d", i)).
		WithStartFunctions().
		WithArgs(append([]string{cfg.Name}, cfg.Args...)...).
		WithSysWalltime().WithSysNanotime().WithSysNanosleep().
		WithRandSource(rand.Reader)
	for _, kv := range cfg.Env {
		k, v, _ := strings.Cut(kv, "=")
		mc = mc.WithEnv(k, v)
	}
	mc = mc.WithEnv("OMPI_COMM_WORLD_RANK", fmt.Sprint(i)).
		WithEnv("OMPI_COMM_WORLD_SIZE", fmt.Sprint(cfg.Ranks)).
		WithEnv("PMI_RANK", fmt.Sprint(i)).
		WithEnv("PMI_SIZE", fmt.Sprint(cfg.Ranks)).
		WithEnv("WASMPI_HOSTNAME", js.hostname()).
		WithEnv("WASMPI_NPROCS", fmt.Sprint(hostProcs()))
	if cfg.Stdout != nil {
		mc = mc.WithStdout(cfg.Stdout(i))
	}
	if cfg.Stderr != nil {
		mc = mc.WithStderr(cfg.Stderr(i))
	}
	if cfg.Stdin != nil && i == 0 {
		mc = mc.WithStdin(cfg.Stdin)
	}
	if cfg.Dir != "" {
		abs, err := filepath.Abs(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("working directory %q: %w", cfg.Dir, err)
		}
		mc = mc.WithFSConfig(wazero.NewFSConfig().WithDirMount(abs, "/"))
	}
	ictx := ctx
	if j.ompModule != nil {
		om, err := j.newOpenMPProcess(ctx, js, r)
		if err != nil {
			return nil, fmt.Errorf("rank %d: %w", i, err)
		}
		r.omp = om
		ictx = om.proc.ResolveContext(ctx)
	}
	mod, err := j.runtime.InstantiateModule(ictx, j.compiled, mc)
	if err != nil {
		if r.omp != nil {
			r.closeOpenMP()
			r.releaseOpenMP()
		}
		return nil, fmt.Errorf("rank %d: instantiating %s: %w", i, cfg.Name, err)
	}
	r.mod = mod
	if r.omp != nil {
		if err := r.omp.proc.Start(mod); err != nil {
			r.closeOpenMP()
			_ = mod.Close(ctx)
			r.releaseOpenMP()
			return nil, fmt.Errorf("rank %d: %w", i, err)
		}
	}
	return r, nil
}

// run executes the rank's _start and classifies how it ended.
func (r *rankState) run(ctx context.Context) (o Outcome) {
	o = Outcome{Rank: r.rank, Finished: true}
	// MPI calls wait on the world's context, which ends when the caller
	// cancels or when any rank fails, so no rank stays blocked.
	// Blocking collectives read the peers' memory directly
	// (collective/shm.go).
	ctx = collective.WithShared(withRank(r.job.world.Context(), r), &r.job.coll)
	if r.omp != nil {
		ctx = r.omp.proc.Context(ctx)
	}
	_, err := r.mod.ExportedFunction("_start").Call(ctx)
	r.ended.Store(true)
	err = r.explainTrap(err)
	r.closeOpenMP()
	_ = r.mod.Close(context.Background())
	r.releaseOpenMP()
	code, cause := r.classify(err)
	o.ExitCode, o.Err = code, cause
	return o
}

// stackOverflowError is an out-of-bounds trap caused by the C stack
// running off the bottom of memory (mpicc puts the stack first, so an
// overflow cannot silently corrupt data).
type stackOverflowError struct{ err error }

func (e *stackOverflowError) Error() string {
	return fmt.Sprintf("C stack overflow: the stack ran past the bottom of memory (mpicc's default stack is 8 MiB; relink with -Wl,-z,stack-size=BYTES for more)\n%v", e.err)
}

func (e *stackOverflowError) Unwrap() error { return e.err }

// explainTrap recognises a C stack overflow among out-of-bounds traps: the
// exported stack pointer has then wrapped around below address 0.
func (r *rankState) explainTrap(err error) error {
	if err == nil || !strings.Contains(err.Error(), "out of bounds memory access") {
		return err
	}
	g := r.mod.ExportedGlobal("__stack_pointer")
	if g == nil {
		return err
	}
	if sp := uint32(g.Get()); sp > r.mod.Memory().Size() {
		return &stackOverflowError{err}
	}
	return err
}

// classify turns the error from _start into an exit code and a reason, and
// records a failure with the job.
func (r *rankState) classify(err error) (int, error) {
	js := r.job
	var exit *sys.ExitError
	var stop *rankStop
	switch {
	case errors.As(err, &stop):
		if stop.byJob {
			return stop.code, errStoppedByJob
		}
		js.fail(r.rank, stop.code, stop.err)
		return stop.code, stop.err
	case err == nil || (errors.As(err, &exit) && exit.ExitCode() == 0):
		if r.initialized.Load() && !r.finalized.Load() {
			e := fmt.Errorf("exited without calling MPI_Finalize")
			js.fail(r.rank, 1, e)
			return 1, e
		}
		if n := r.openSessions.Load(); n > 0 {
			e := fmt.Errorf("exited with %d MPI session(s) not finalized (MPI_Session_finalize)", n)
			js.fail(r.rank, 1, e)
			return 1, e
		}
		return 0, nil
	case errors.As(err, &exit):
		code := int(exit.ExitCode())
		e := fmt.Errorf("exited with status %d", code)
		js.fail(r.rank, code, e)
		return code, e
	default:
		e := fmt.Errorf("trapped: %w", err)
		js.fail(r.rank, 1, e)
		return 1, e
	}
}

// Run compiles and runs a job in one step.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	j, err := Compile(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer j.Close(ctx)
	return j.Run(ctx)
}
