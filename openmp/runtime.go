package openmp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// HostModuleName is the host module holding the runtime's functions; a
// program reaches them through its per-process "env" module.
const HostModuleName = "wasmpi_openmp"

// wasiProxyName is the host module that gives every thread of a process
// the WASI state (file descriptors, stdout) of its initial thread.
const wasiProxyName = "wasmpi_openmp_wasi"

// exportInfo is the exported address of the SDK support library's
// description of the program: a magic number, a version and function
// pointers (table slots) of void *alloc(size_t size, size_t align),
// void free(void *) and void __wasm_init_tls(void *). Functions are reached
// through the table because wasm-ld wraps a command module's function
// exports in code that runs the constructors and destructors.
const (
	exportInfo  = "__wasmpi_omp_info"
	infoMagic   = 0x504d4f57 // "WOMP"
	infoVersion = 1
)

// Runtime is the OpenMP runtime installed in one wazero runtime.
type Runtime struct {
	rt   wazero.Runtime
	wasi api.Module
}

// NewRuntime installs the runtime's host modules in rt. WASI
// (wasi_snapshot_preview1) must be instantiated first, and rt must have
// the threads feature (experimental.CoreFeaturesThreads).
func NewRuntime(ctx context.Context, rt wazero.Runtime) (*Runtime, error) {
	b := rt.NewHostModuleBuilder(HostModuleName)
	for i := range entries() {
		e := &entries()[i]
		b.NewFunctionBuilder().WithGoModuleFunction(e.goFunc(), e.params, e.results).WithName(e.name).Export(e.name)
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return nil, fmt.Errorf("openmp: %w", err)
	}
	wasi, err := wasiProxy(ctx, rt)
	if err != nil {
		return nil, err
	}
	return &Runtime{rt: rt, wasi: wasi}, nil
}

// goFunc adapts an entry to a host function: it finds the calling thread
// in the context and unwinds it if its process has stopped.
func (e *entry) goFunc() api.GoModuleFunc {
	fn, name := e.fn, e.name
	return func(ctx context.Context, _ api.Module, stack []uint64) {
		th := threadFrom(ctx)
		if th == nil {
			panic(fmt.Errorf("OpenMP function %s was called outside an OpenMP process", name))
		}
		if th.p.failure.Load() != nil {
			th.unwind()
		}
		if th == th.p.main {
			// A failure of the initial thread stops the workers at once.
			defer func() {
				if r := recover(); r != nil {
					if err, ok := r.(error); ok {
						th.p.fail(err, 0)
					}
					panic(r)
				}
			}()
		}
		fn(th, stack)
	}
}

// wasiProxy builds the host module the threads' WASI imports resolve to:
// each function runs the real WASI function on the initial thread's
// instance (its file descriptor table and streams), one call at a time.
// proc_exit closes the calling instance; sleeping, yielding and reading
// standard input do not hold the lock.
func wasiProxy(ctx context.Context, rt wazero.Runtime) (api.Module, error) {
	real := rt.Module(wasi_snapshot_preview1.ModuleName)
	if real == nil {
		return nil, errors.New("openmp: WASI must be instantiated before the OpenMP runtime")
	}
	b := rt.NewHostModuleBuilder(wasiProxyName)
	defs := real.ExportedFunctionDefinitions()
	var funcs []*entry
	names := make([]string, 0, len(defs))
	for n := range defs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		def := defs[name]
		var gf api.GoModuleFunction
		switch f := def.GoFunction().(type) {
		case api.GoModuleFunction:
			gf = f
		case api.GoFunction:
			gf = api.GoModuleFunc(func(ctx context.Context, _ api.Module, stack []uint64) { f.Call(ctx, stack) })
		default:
			return nil, fmt.Errorf("openmp: WASI function %s is not a host function", name)
		}
		b.NewFunctionBuilder().WithGoModuleFunction(proxyFunc(name, gf), def.ParamTypes(), def.ResultTypes()).
			WithName(name).Export(name)
		funcs = append(funcs, &entry{name: name, params: def.ParamTypes(), results: def.ResultTypes()})
	}
	if _, err := b.Instantiate(ctx); err != nil {
		return nil, fmt.Errorf("openmp: %w", err)
	}
	// Import resolvers can only hand out wasm instances: a module that
	// re-exports the proxy.
	compiled, err := rt.CompileModule(ctx, reexportModule(wasiProxyName, funcs, nil))
	if err != nil {
		return nil, fmt.Errorf("openmp: %w", err)
	}
	return rt.InstantiateModule(ctx, compiled, wazero.NewModuleConfig().WithName(wasiProxyName+".reexport").WithStartFunctions())
}

func proxyFunc(name string, gf api.GoModuleFunction) api.GoModuleFunc {
	unlocked := map[string]bool{
		"poll_oneoff": true, "sched_yield": true, "proc_exit": true, "proc_raise": true,
		"clock_time_get": true, "clock_res_get": true, "random_get": true,
		"args_get": true, "args_sizes_get": true, "environ_get": true, "environ_sizes_get": true,
	}[name]
	exit := name == "proc_exit"
	readFD := name == "fd_read"
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		th := threadFrom(ctx)
		if th == nil || th.p.main == nil {
			gf.Call(ctx, mod, stack)
			return
		}
		target := th.p.main.mod
		if exit {
			target = mod
		}
		if !unlocked && !(readFD && uint32(stack[0]) == 0) {
			th.p.wasiMu.Lock()
			defer th.p.wasiMu.Unlock()
		}
		gf.Call(ctx, target, stack)
	}
}

// Module is a compiled program that uses OpenMP, ready to run processes.
type Module struct {
	rt  *Runtime
	env wazero.CompiledModule
}

// Prepare checks the OpenMP side of a compiled program (bin is its
// binary). A program that imports nothing from module "env" does not use
// OpenMP: Prepare returns nil. problems lists everything that keeps the
// program from running (functions the runtime does not provide read
// "<name> is not supported yet"); the Module is nil then.
func (r *Runtime) Prepare(ctx context.Context, bin []byte, compiled wazero.CompiledModule) (*Module, []string, error) {
	var funcs []*entry
	var problems []string
	uses := false
	for _, f := range compiled.ImportedFunctions() {
		mod, name, _ := f.Import()
		if mod != "env" {
			continue
		}
		uses = true
		e := entryIndex()[name]
		if e == nil {
			if isOpenMPName(name) {
				problems = append(problems, fmt.Sprintf("%s is not supported yet", name))
			} else {
				problems = append(problems, fmt.Sprintf("env.%s is not provided (module \"env\" only has the OpenMP runtime)", name))
			}
			continue
		}
		if !slices.Equal(f.ParamTypes(), e.params) || !slices.Equal(f.ResultTypes(), e.results) {
			problems = append(problems, fmt.Sprintf("%s is imported as (%s) -> (%s) but the runtime provides (%s) -> (%s)",
				name, typeString(f.ParamTypes()), typeString(f.ResultTypes()), typeString(e.params), typeString(e.results)))
			continue
		}
		funcs = append(funcs, e)
	}
	mems, exports, err := scanModule(bin)
	if err != nil {
		return nil, nil, fmt.Errorf("openmp: reading the module: %w", err)
	}
	var mem *memImport
	for i := range mems {
		m := &mems[i]
		uses = uses || m.module == "env"
		switch {
		case m.module != "env":
			problems = append(problems, fmt.Sprintf("imported memory %s.%s is not provided (only env's shared memory is)", m.module, m.name))
		case !m.shared || !m.hasMax:
			problems = append(problems, fmt.Sprintf("imported memory env.%s is not shared: link OpenMP programs with mpicc -fopenmp", m.name))
		case mem != nil:
			problems = append(problems, "the module imports more than one memory")
		default:
			mem = m
		}
	}
	if !uses {
		return nil, nil, nil
	}
	if mem == nil && len(problems) == 0 {
		problems = append(problems, "the module uses OpenMP but does not import a shared memory: link it with mpicc -fopenmp")
	}
	for _, x := range []struct {
		name string
		kind byte
	}{{"__stack_pointer", externGlobal}, {"__indirect_function_table", externTable}, {exportInfo, externGlobal}} {
		if k, ok := exports[x.name]; !ok || k != x.kind {
			problems = append(problems, fmt.Sprintf("the module does not export %s: link it with mpicc -fopenmp", x.name))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return nil, problems, nil
	}
	if min, max := mem.min, mem.max; len(compiled.ImportedMemories()) == 1 {
		// wazero lowers the maximum to the runtime's memory limit: the
		// memory provided must match the import as compiled.
		def := compiled.ImportedMemories()[0]
		min = def.Min()
		if m, ok := def.Max(); ok {
			max = m
		}
		mem.min, mem.max = min, max
	}
	env, err := r.rt.CompileModule(ctx, envModule(funcs, mem))
	if err != nil {
		return nil, nil, fmt.Errorf("openmp: building the env module: %w", err)
	}
	return &Module{rt: r, env: env}, nil, nil
}

// isOpenMPName reports whether name belongs to the OpenMP runtime's
// namespace (__wasmpi_omp_: the slow paths of the SDK's OpenMP support
// library).
func isOpenMPName(name string) bool {
	for _, p := range []string{"__kmpc_", "omp_", "kmp_", "ompx_", "__tgt_", "GOMP_", "__wasmpi_omp_"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}
