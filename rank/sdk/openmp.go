package sdk

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/wasmpi/wasmpi/openmp"
)

// OpenMPMaxMemory is the maximum memory of a program linked with -fopenmp
// (unless the link sets --max-memory): a shared memory needs a declared
// maximum; 4 GiB is the whole wasm32 address space, as without OpenMP. The
// runtime reserves the address range, not physical memory.
const OpenMPMaxMemory = 4 << 30

// ompCompileFlags are added to every compilation with -fopenmp: atomics
// make "omp atomic" real atomic instructions and, with bulk memory, give
// threadprivate variables thread-local storage.
var ompCompileFlags = []string{"-fopenmp", "-matomics", "-mbulk-memory"}

// ompTLSExports are the TLS globals the runtime reads to give each OpenMP
// thread its own TLS block (the support library's __wasmpi_omp_info points
// at the initialiser).
var ompTLSExports = []string{"__tls_size", "__tls_align"}

// ompWrapMembers are the members of the OpenMP support archive built from
// support/omp/wrap.c (one per -DWRAP_<member>) and the libc symbols each
// wraps (-Wl,--wrap=<symbol>) with the allocation lock or the stdio lock.
var ompWrapMembers = []struct {
	member string
	syms   []string
}{
	{"alloc", []string{"malloc", "calloc", "realloc", "free", "posix_memalign", "aligned_alloc"}},
	{"printf", []string{"printf"}}, {"fprintf", []string{"fprintf"}}, {"vprintf", []string{"vprintf"}},
	{"vfprintf", []string{"vfprintf"}}, {"scanf", []string{"scanf"}}, {"fscanf", []string{"fscanf"}},
	{"vfscanf", []string{"vfscanf"}}, {"puts", []string{"puts"}}, {"fputs", []string{"fputs"}},
	{"fputc", []string{"fputc"}}, {"putc", []string{"putc"}}, {"putchar", []string{"putchar"}},
	{"fwrite", []string{"fwrite"}}, {"fflush", []string{"fflush"}}, {"perror", []string{"perror"}},
	{"fgets", []string{"fgets"}}, {"fgetc", []string{"fgetc"}}, {"getc", []string{"getc"}},
	{"getchar", []string{"getchar"}}, {"ungetc", []string{"ungetc"}}, {"fread", []string{"fread"}},
	{"getline", []string{"getline"}}, {"fopen", []string{"fopen"}}, {"fdopen", []string{"fdopen"}},
	{"freopen", []string{"freopen"}}, {"fclose", []string{"fclose"}}, {"fseek", []string{"fseek"}},
	{"ftell", []string{"ftell"}}, {"rewind", []string{"rewind"}}, {"setvbuf", []string{"setvbuf"}},
}

func ompWrappedSymbols() []string {
	var out []string
	for _, m := range ompWrapMembers {
		out = append(out, m.syms...)
	}
	return out
}

// ompImportNames is the content of the --allow-undefined-file of -fopenmp
// links: the runtime's functions, and the OpenMP entry points it does not
// provide (so that a program needing one links, and fails to load with
// "<name> is not supported yet" instead of an undefined-symbol error).
func ompImportNames() string {
	names := append(openmp.EntryPoints(), openmp.Unsupported()...)
	sort.Strings(names)
	return strings.Join(names, "\n") + "\n"
}

// ompLinkFlags are the link flags of -fopenmp.
func ompLinkFlags(tc *toolchain, p *parsed) []string {
	fl := []string{
		"-Wl,--import-memory",
		"-Wl,--shared-memory",
		"-Wl,--no-check-features",
	}
	if !p.maxMemory {
		fl = append(fl, fmt.Sprintf("-Wl,--max-memory=%d", OpenMPMaxMemory))
	}
	for _, s := range ompTLSExports {
		fl = append(fl, "-Wl,--export-if-defined="+s)
	}
	fl = append(fl, "-Wl,--export=__wasmpi_omp_info", "-Wl,--allow-undefined-file="+tc.ompImports)
	for _, s := range ompWrappedSymbols() {
		fl = append(fl, "-Wl,--wrap="+s)
	}
	fl = append(fl, tc.ompCore)
	fl = append(fl, tc.ompLib...)
	return fl
}

// ompDroppedLibs are OpenMP runtime libraries of native toolchains: the
// wasmpi host is the runtime, so links naming them drop them.
var ompDroppedLibs = map[string]bool{"gomp": true, "omp": true, "iomp5": true, "omp5": true}

// ompSources returns the OpenMP support sources to compile: core.c (linked
// as an object), alloc.c and one generated file per wrapper member (both
// archived), written into dir next to the extracted sources.
func ompSources(dir string) (core string, archived []string, err error) {
	core = filepath.Join(dir, "core.c")
	archived = append(archived, filepath.Join(dir, "alloc.c"))
	for _, m := range ompWrapMembers {
		p := filepath.Join(dir, "wrap_"+m.member+".c")
		src := fmt.Sprintf("#define WRAP_%s 1\n#include \"wrap.c\"\n", m.member)
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			return "", nil, err
		}
		archived = append(archived, p)
	}
	return core, archived, nil
}

// buildOpenMP compiles the OpenMP support library into tc's cache paths.
func buildOpenMP(ctx context.Context, tc *toolchain, cc *compilerSpec, ar, srcDir string) error {
	ompDir := filepath.Dir(tc.ompCore)
	if err := os.MkdirAll(ompDir, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(tc.ompImports, []byte(ompImportNames()), 0o644); err != nil {
		return err
	}
	core, archived, err := ompSources(filepath.Join(srcDir, "omp"))
	if err != nil {
		return err
	}
	args := concat(cc.argv[1:], []string{"--target=wasm32-wasi", "--sysroot=" + tc.sysroot},
		emulationDefines, []string{"-isystem", tc.include, "-matomics", "-mbulk-memory", "-O2", "-Wall", "-c", "-x", "c"})
	var objs []string
	for _, s := range append([]string{core}, archived...) {
		args = append(args, s)
		objs = append(objs, filepath.Join(ompDir, strings.TrimSuffix(filepath.Base(s), ".c")+".o"))
	}
	if err := runTool(ctx, ompDir, cc.argv[0], args...); err != nil {
		return fmt.Errorf("building the OpenMP support library: %w", err)
	}
	if ar != "" {
		if err := runTool(ctx, ompDir, ar, append([]string{"rcs", tc.ompLib[0]}, objs[1:]...)...); err != nil {
			return fmt.Errorf("archiving the OpenMP support library: %w", err)
		}
		for _, o := range objs[1:] {
			os.Remove(o)
		}
	}
	return nil
}

// ompLayout fills in the OpenMP paths of a cache directory.
func ompLayout(tc *toolchain, dir, ar string) {
	ompDir := filepath.Join(dir, "omp")
	tc.ompCore = filepath.Join(ompDir, "core.o")
	tc.ompImports = filepath.Join(ompDir, "imports.txt")
	if ar != "" {
		tc.ompLib = []string{filepath.Join(ompDir, "libwasmpi_omp.a")}
		return
	}
	tc.ompLib = []string{filepath.Join(ompDir, "alloc.o")}
	for _, m := range ompWrapMembers {
		tc.ompLib = append(tc.ompLib, filepath.Join(ompDir, "wrap_"+m.member+".o"))
	}
}

// criticalSymbol matches, in an undefined-symbol error of wasm-ld, the
// variables clang creates with common linkage for OpenMP: the lock of a
// named critical section, and the cache of a threadprivate variable (when
// compiled with -fnoopenmp-use-tls).
var criticalSymbol = regexp.MustCompile(`undefined symbol: (\.gomp_critical_user_[A-Za-z0-9_]*\.var|[A-Za-z_][A-Za-z0-9_$.]*\.cache\.)(\s|$)`)

// criticalNames returns the OpenMP variables a failed link reported
// undefined. clang gives them common linkage, which wasm objects cannot
// express, so every object only references them; the driver defines them
// (zeroed, weak) and links again.
func criticalNames(stderr string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range criticalSymbol.FindAllStringSubmatch(stderr, -1) {
		if !seen[m[1]] {
			seen[m[1]] = true
			out = append(out, m[1])
		}
	}
	sort.Strings(out)
	return out
}

// criticalDefinitions is a C file defining the variables.
func criticalDefinitions(syms []string) string {
	var b bytes.Buffer
	b.WriteString("/* OpenMP critical-section locks and threadprivate caches, defined by mpicc. */\n")
	for i, s := range syms {
		fmt.Fprintf(&b, "int __wasmpi_critical_%d[8] __asm__(%q) __attribute__((aligned(8), weak));\n", i, s)
	}
	return b.String()
}
