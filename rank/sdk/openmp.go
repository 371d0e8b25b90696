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
	"github.com/wasmpi/wasmpi/rank/sdk/internal/threaderrno"
)

// OpenMPMaxMemory is the maximum memory of a program linked with -fopenmp
// (unless the link sets --max-memory): a shared memory needs a declared
// maximum; 4 GiB is the whole wasm32 address space, as without OpenMP. The
// runtime reserves the address range, not physical memory.
const OpenMPMaxMemory = 4 << 30

// ompCompileFlags are added to every compilation with -fopenmp: atomics
// make "omp atomic" real atomic instructions and, with bulk memory, give
// threadprivate variables thread-local storage; C++ function-local statics
// get guarded initialisation (clang leaves it out for wasm32 by default).
var ompCompileFlags = []string{"-fopenmp", "-matomics", "-mbulk-memory", "-fthreadsafe-statics"}

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
	// libc++'s locale members (mangled names), see wrap.c.
	{"locale", []string{
		"_ZNSt3__26localeC1Ev", "_ZNSt3__26localeC2Ev",
		"_ZNSt3__26localeC1ERKS0_", "_ZNSt3__26localeC2ERKS0_",
		"_ZNSt3__26localeC1EPKc", "_ZNSt3__26localeC2EPKc",
		"_ZNSt3__26localeC1ERKS0_PKci", "_ZNSt3__26localeC2ERKS0_PKci",
		"_ZNSt3__26localeC1ERKS0_S2_i", "_ZNSt3__26localeC2ERKS0_S2_i",
		"_ZNSt3__26localeD1Ev", "_ZNSt3__26localeD2Ev",
		"_ZNSt3__26localeaSERKS0_",
		"_ZNSt3__26locale14__install_ctorERKS0_PNS0_5facetEl",
		"_ZNSt3__26locale6globalERKS0_",
		"_ZNSt3__26locale7classicEv",
		"_ZNKSt3__26locale9has_facetERNS0_2idE", "_ZNKSt3__26locale9use_facetERNS0_2idE",
		"_ZNSt3__26locale2id5__getEv",
	}},
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
	// The libraries rewritten for a thread-local errno come first.
	if tc.ompLibDir != "" {
		fl = append(fl, "-L"+tc.ompLibDir)
	}
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
	tc.ompLibDir = filepath.Join(ompDir, "lib")
	tc.ompErrnoReport = filepath.Join(ompDir, "lib", "errno.txt")
	tc.ompSupport = nil
	for _, s := range tc.support {
		tc.ompSupport = append(tc.ompSupport, filepath.Join(ompDir, "support", filepath.Base(s)))
	}
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

// buildThreadErrno writes into tc.ompLibDir a copy of every archive of the
// sysroot's library directory whose objects address errno as plain data,
// rewritten to reach the calling thread's errno (package threaderrno), and
// the same for the support library (tc.ompSupport). -fopenmp links search
// that directory first. errno.txt lists what was rewritten.
func buildThreadErrno(tc *toolchain) error {
	if err := os.MkdirAll(tc.ompLibDir, 0o755); err != nil {
		return err
	}
	var report bytes.Buffer
	report.WriteString("# Written by the wasmpi SDK: libraries whose errno accesses were rewritten for -fopenmp links\n")
	libDir := filepath.Join(tc.sysroot, "lib", "wasm32-wasi")
	ents, err := os.ReadDir(libDir)
	if err != nil {
		return fmt.Errorf("reading the sysroot's libraries: %w", err)
	}
	type job struct{ in, out string }
	var jobs []job
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".a") {
			jobs = append(jobs, job{filepath.Join(libDir, e.Name()), filepath.Join(tc.ompLibDir, e.Name())})
		}
	}
	for i, s := range tc.support {
		jobs = append(jobs, job{s, tc.ompSupport[i]})
	}
	for _, j := range jobs {
		b, err := os.ReadFile(j.in)
		if err != nil {
			return err
		}
		out, st, err := threaderrno.Patch(b)
		if err != nil {
			return fmt.Errorf("making errno thread-local in %s: %w", j.in, err)
		}
		if st.Objects == 0 && filepath.Dir(j.out) == tc.ompLibDir {
			continue // the sysroot's copy is found next
		}
		if err := os.MkdirAll(filepath.Dir(j.out), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(j.out, out, 0o644); err != nil {
			return err
		}
		if st.Objects > 0 {
			fmt.Fprintf(&report, "%s: %d objects, %d loads, %d stores, %d address uses\n", filepath.Base(j.in), st.Objects, st.Loads, st.Stores, st.Addresses)
		}
	}
	return os.WriteFile(tc.ompErrnoReport, report.Bytes(), 0o644)
}

// patchInputs gives the objects and archives of an -fopenmp link that were
// compiled without -fopenmp (so address errno as plain data) a thread-local
// errno: the input files, and the archives that -l options find in the
// command line's -L directories. Rewritten copies go to a temporary
// directory (returned, for the caller to remove) and replace them on the
// command line. Inputs that cannot be read are left for the compiler to
// report; libraries not found in -L directories are the sysroot's, which
// the cache holds rewritten.
func patchInputs(p *parsed) (string, error) {
	dir := ""
	n := 0
	// patch returns the path of a rewritten copy of file, or "".
	patch := func(file string) (string, error) {
		b, err := os.ReadFile(file)
		if err != nil || !(threaderrno.IsObject(b) || threaderrno.IsArchive(b)) {
			return "", nil
		}
		out, st, err := threaderrno.Patch(b)
		if err != nil {
			return "", fmt.Errorf("%s: making errno thread-local for -fopenmp: %w", file, err)
		}
		if st.Objects == 0 {
			return "", nil
		}
		if dir == "" {
			if dir, err = os.MkdirTemp("", "mpicc-errno-"); err != nil {
				return "", err
			}
		}
		// A numbered subdirectory keeps the base name (archives are
		// recognised by it) and separates inputs with the same name.
		n++
		sub := filepath.Join(dir, fmt.Sprint(n))
		if err := os.Mkdir(sub, 0o755); err != nil {
			return "", err
		}
		path := filepath.Join(sub, filepath.Base(file))
		return path, os.WriteFile(path, out, 0o644)
	}
	inputs := map[int]bool{}
	for _, i := range p.inputAt {
		inputs[i] = true
		if in := p.args[i]; in != "-" && !strings.HasPrefix(in, "@") {
			path, err := patch(in)
			if err != nil {
				return dir, err
			}
			if path != "" {
				p.args[i] = path
			}
		}
	}
	// -L directories, then the -l options they resolve.
	var libDirs []string
	for i := 0; i < len(p.args); i++ {
		if inputs[i] {
			continue
		}
		a := p.args[i]
		switch {
		case a == "-L" && i+1 < len(p.args):
			libDirs = append(libDirs, p.args[i+1])
		case strings.HasPrefix(a, "-L") && len(a) > 2:
			libDirs = append(libDirs, a[2:])
		}
		if separateValue[a] {
			i++
		}
	}
	if len(libDirs) == 0 {
		return dir, nil
	}
	args := make([]string, 0, len(p.args))
	var at []int
	for i := 0; i < len(p.args); i++ {
		a := p.args[i]
		var lib string
		var orig []string
		switch {
		case inputs[i]:
			at = append(at, len(args))
			args = append(args, a)
			continue
		case a == "-l" && i+1 < len(p.args):
			lib, orig = p.args[i+1], p.args[i:i+2]
			i++
		case strings.HasPrefix(a, "-l") && len(a) > 2:
			lib, orig = a[2:], p.args[i:i+1]
		case separateValue[a] && i+1 < len(p.args):
			args = append(args, a, p.args[i+1])
			i++
			continue
		default:
			args = append(args, a)
			continue
		}
		path := ""
		for _, d := range libDirs {
			file := filepath.Join(d, "lib"+lib+".a")
			if _, err := os.Stat(file); err == nil {
				if path, err = patch(file); err != nil {
					return dir, err
				}
				break
			}
		}
		if path != "" {
			args = append(args, path)
		} else {
			args = append(args, orig...)
		}
	}
	p.args, p.inputAt = args, at
	return dir, nil
}

// droppedLoop matches the combined "loop" constructs clang 16 compiles to
// nothing for wasm32 (the loop body is not emitted at all): teams loop,
// parallel loop, and their target forms; as a directive or in _Pragma.
var droppedLoop = regexp.MustCompile(`(?m)(?:^[ \t]*#[ \t]*pragma[ \t]+omp|_Pragma\s*\(\s*"\s*omp)[ \t]+((?:target[ \t]+)?(?:teams|parallel)[ \t]+loop)\b`)

// sourceExt are the extensions of the C and C++ sources the driver scans.
var sourceExt = map[string]bool{".c": true, ".i": true}

// checkDroppedLoops refuses C/C++ sources of an -fopenmp compilation that
// use a construct clang 16 silently drops (see droppedLoop): the program
// would compute wrong answers without a word. A source whose text matches
// is preprocessed (preprocess) to confirm that the directive survives #if
// and comes from no header-only macro; sources that cannot be read are left
// for the compiler to report.
func checkDroppedLoops(p *parsed, preprocess func(src string) ([]byte, error)) error {
	for _, i := range p.inputAt {
		in := p.args[i]
		if ext := filepath.Ext(in); !sourceExt[ext] && !cxxExt[ext] {
			continue
		}
		b, err := os.ReadFile(in)
		if err != nil {
			continue
		}
		code := stripComments(b)
		if !droppedLoop.Match(code) {
			continue
		}
		pp, err := preprocess(in)
		if err != nil {
			continue // the compilation reports it
		}
		if m := droppedLoop.FindSubmatch(pp); m != nil {
			what := strings.Join(strings.Fields(string(m[1])), " ")
			// The line of the first occurrence in the source (comments
			// blanked and continuations joined, line numbers kept).
			line := 0
			for _, sm := range droppedLoop.FindAllSubmatchIndex(code, -1) {
				if strings.Join(strings.Fields(string(code[sm[2]:sm[3]])), " ") == what {
					line = 1 + bytes.Count(code[:sm[2]], []byte("\n"))
					break
				}
			}
			instead := "teams distribute parallel for"
			if strings.Contains(what, "parallel") {
				instead = "parallel for"
			}
			where := in
			if line > 0 {
				where = fmt.Sprintf("%s:%d", in, line)
			}
			return fmt.Errorf("%s: '#pragma omp %s' is not supported: clang 16 compiles the combined loop constructs to nothing for wasm32 "+
				"(the loop would not run); write '#pragma omp %s' instead", where, what, instead)
		}
	}
	return nil
}

// preprocessArgs is the command line that preprocesses one source of a
// compilation: the user's options (without inputs, outputs, dependency
// files and stop-phase options), -E, and the source.
func preprocessArgs(p *parsed, src string) []string {
	inputs := map[int]bool{}
	for _, i := range p.inputAt {
		inputs[i] = true
	}
	var out []string
	for i := 0; i < len(p.args); i++ {
		a := p.args[i]
		switch {
		case inputs[i]:
		case a == "-o" || a == "-MF" || a == "-MT" || a == "-MQ":
			i++
		case a == "-c" || a == "-S" || a == "-E" || a == "-M" || a == "-MM" || a == "-MD" || a == "-MMD" ||
			a == "-fsyntax-only" || strings.HasPrefix(a, "-o") || strings.HasPrefix(a, "-MF") || strings.HasPrefix(a, "-Wl,"):
		default:
			out = append(out, a)
			if separateValue[a] && i+1 < len(p.args) {
				i++
				out = append(out, p.args[i])
			}
		}
	}
	return append(out, "-E", src)
}

// stripComments blanks out C/C++ comments (keeping newlines, so line
// numbers stay), leaving string and character literals alone, and joins
// backslash-continued lines (also keeping the line count).
func stripComments(src []byte) []byte {
	out := make([]byte, 0, len(src))
	pending := 0 // newlines removed by continuations, restored at the line's end
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src) && src[i+1] == '\n':
			i++
			pending++
		case c == '\n':
			out = append(out, '\n')
			for ; pending > 0; pending-- {
				out = append(out, '\n')
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i+1 < len(src) && src[i+1] != '\n' {
				i++
			}
			out = append(out, ' ')
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
				if src[i] == '\n' {
					out = append(out, '\n')
				}
				i++
			}
			i++
			out = append(out, ' ')
		case c == '"' || c == '\'':
			out = append(out, c)
			for i+1 < len(src) && src[i+1] != c && src[i+1] != '\n' {
				i++
				out = append(out, src[i])
				if src[i] == '\\' && i+1 < len(src) {
					i++
					out = append(out, src[i])
				}
			}
			if i+1 < len(src) && src[i+1] == c {
				i++
				out = append(out, c)
			}
		default:
			out = append(out, c)
		}
	}
	return out
}
