package sdk

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Lang selects the driver flavour: mpicc (C) or mpicxx (C++).
type Lang int

const (
	// C is the mpicc driver: sources are compiled by their extension, the link
	// adds libc++ only when a C++ source is among the inputs.
	C Lang = iota
	// CXX is the mpicxx driver: every source is C++ (like g++), libc++ is linked.
	CXX
)

// String returns "C" or "C++".
func (l Lang) String() string {
	if l == CXX {
		return "C++"
	}
	return "C"
}

// name is the command name used in messages.
func (l Lang) name() string {
	if l == CXX {
		return "mpicxx"
	}
	return "mpicc"
}

// StackSize is the default stack size in bytes (wasm-ld's own default is 64 KiB,
// too small for codes with large automatic arrays). With --stack-first an
// overflow traps instead of silently overwriting static data.
const StackSize = 8 << 20

// emulationDefines enable wasi-libc's emulations of signal.h, process clocks
// (clock, times, getrusage), sys/mman.h and getpid.
var emulationDefines = []string{
	"-D_WASI_EMULATED_SIGNAL",
	"-D_WASI_EMULATED_PROCESS_CLOCKS",
	"-D_WASI_EMULATED_MMAN",
	"-D_WASI_EMULATED_GETPID",
}

// emulatedLibs are the wasi-libc emulation libraries every link includes,
// matching the _WASI_EMULATED_* defines. Archives: only what a program uses
// is linked in.
var emulatedLibs = []string{
	"-lwasi-emulated-signal",
	"-lwasi-emulated-process-clocks",
	"-lwasi-emulated-mman",
	"-lwasi-emulated-getpid",
}

// longDoubleLib makes printf/scanf handle long double: without it wasi-libc
// aborts on %Lf at run time. It costs ~4 KB in programs that use printf.
const longDoubleLib = "-lc-printscan-long-double"

// wrappedSymbols are routed through the support library with --wrap.
var wrappedSymbols = []string{"sysconf", "uname"}

// showMode is what -show / --showme:* print.
type showMode string

const (
	showNone    showMode = ""
	showAll     showMode = "all"
	showCompile showMode = "compile"
	showLink    showMode = "link"
	showCommand showMode = "command"
	showIncdirs showMode = "incdirs"
	showVersion showMode = "version"
)

// parsed is the user's command line, classified.
type parsed struct {
	args      []string // arguments passed on to clang, in order
	show      showMode
	inputs    int   // input files (sources, objects, archives, "-", @files)
	inputAt   []int // indices in args of the input files
	cxxInput  bool  // some input is C++ (by extension or -x c++)
	noLink    bool  // -c, -S, -E, -M, -MM, -fsyntax-only
	optGiven  bool  // an -O option
	simdGiven bool  // -msimd128 or -mno-simd128
	stackSize bool  // the user sets the stack size
	excFlag   string
	excOn     bool // the last exception flag turns exceptions on
	excOff    bool // the last exception flag turns exceptions off
	wasmExc   bool // -fwasm-exceptions seen
	verbose   bool
	debug     bool // the last -g option asks for debug information
	openmp    bool // -fopenmp (the last of -fopenmp, -fno-openmp)
	maxMemory bool // the link sets --max-memory itself
}

// separateValue lists options whose value is the next argument when it is
// not joined.
var separateValue = map[string]bool{
	"-o": true, "-I": true, "-L": true, "-l": true, "-D": true, "-U": true,
	"-x": true, "-include": true, "-imacros": true, "-isystem": true,
	"-idirafter": true, "-iquote": true, "-iprefix": true, "-iwithprefix": true,
	"-iwithprefixbefore": true, "-isysroot": true, "-cxx-isystem": true,
	"-MF": true, "-MT": true, "-MQ": true, "-MJ": true,
	"-Xlinker": true, "-Xclang": true, "-Xpreprocessor": true, "-Xassembler": true,
	"-Xanalyzer": true, "-mllvm": true, "-target": true, "--target": true,
	"--sysroot": true, "-z": true, "-u": true, "-e": true, "-T": true,
	"-arch": true, "--param": true, "-aux-info": true, "-B": true,
	"-ivfsoverlay": true, "-resource-dir": true,
}

// cxxExt are the extensions clang compiles as C++.
var cxxExt = map[string]bool{
	".cc": true, ".cp": true, ".cxx": true, ".cpp": true, ".CPP": true,
	".c++": true, ".C": true, ".ii": true, ".hh": true, ".hpp": true,
	".hxx": true, ".H": true, ".h++": true, ".cppm": true, ".ixx": true,
}

// parseArgs classifies a command line. It fails only for options the SDK
// cannot honour.
func parseArgs(lang Lang, in []string) (*parsed, error) {
	p := &parsed{}
	xlang := "" // current -x language
	for i := 0; i < len(in); i++ {
		a := in[i]
		// Driver options, removed from the clang command line.
		if m, ok, err := showOption(a); ok || err != nil {
			if err != nil {
				return nil, err
			}
			p.show = m
			continue
		}
		if a == "-pthread" || a == "-pthreads" {
			continue
		}
		// -fopenmp (any runtime: the host provides the libomp ABI) is
		// replaced by the SDK's OpenMP flags.
		if a == "-fopenmp" || strings.HasPrefix(a, "-fopenmp=") {
			p.openmp = true
			continue
		}
		if a == "-fno-openmp" {
			p.openmp = false
			continue
		}
		if strings.HasPrefix(a, "-l") && ompDroppedLibs[a[2:]] {
			continue
		}
		if a == "-l" && i+1 < len(in) && ompDroppedLibs[in[i+1]] {
			i++
			continue
		}
		p.args = append(p.args, a)

		if a == "-" || !strings.HasPrefix(a, "-") || strings.HasPrefix(a, "@") {
			if a == "" {
				continue
			}
			p.inputs++
			p.inputAt = append(p.inputAt, len(p.args)-1)
			if lang == CXX || strings.HasPrefix(xlang, "c++") || strings.HasPrefix(xlang, "objective-c++") ||
				(xlang == "" && cxxExt[filepath.Ext(a)]) {
				p.cxxInput = true
			}
			continue
		}
		if separateValue[a] {
			if i+1 < len(in) {
				i++
				v := in[i]
				p.args = append(p.args, v)
				switch a {
				case "-x":
					xlang = normX(v)
				case "-z", "-Xlinker":
					if strings.Contains(v, "stack-size") {
						p.stackSize = true
					}
					if strings.Contains(v, "max-memory") {
						p.maxMemory = true
					}
				}
			}
			continue
		}
		switch {
		case a == "-c" || a == "-S" || a == "-E" || a == "-M" || a == "-MM" || a == "-fsyntax-only":
			p.noLink = true
		case strings.HasPrefix(a, "-O"):
			p.optGiven = true
		case a == "-msimd128" || a == "-mno-simd128":
			p.simdGiven = true
		case strings.HasPrefix(a, "-x"):
			xlang = normX(a[2:])
		case strings.HasPrefix(a, "-Wl,"):
			if strings.Contains(a, "stack-size") {
				p.stackSize = true
			}
			if strings.Contains(a, "max-memory") {
				p.maxMemory = true
			}
		case strings.HasPrefix(a, "-z") && strings.Contains(a, "stack-size"):
			p.stackSize = true
		case a == "-fexceptions" || a == "-fcxx-exceptions":
			p.excOn, p.excOff, p.excFlag = true, false, a
		case a == "-fwasm-exceptions":
			p.wasmExc = true
		case a == "-fno-exceptions" || a == "-fno-cxx-exceptions":
			p.excOn, p.excOff = false, true
		case a == "-g0":
			p.debug = false
		case strings.HasPrefix(a, "-g") && !strings.HasPrefix(a, "-gz") && !strings.HasPrefix(a, "-gno-") && !strings.HasPrefix(a, "-gcc-"):
			p.debug = true
		case a == "-v" || a == "-###":
			p.verbose = true
		}
	}
	if p.wasmExc {
		return nil, errors.New("-fwasm-exceptions is not supported: wazero does not implement the WebAssembly exception-handling proposal")
	}
	if p.excOn && (lang == CXX || p.cxxInput) {
		return nil, fmt.Errorf("%s is not supported: C++ exceptions need the WebAssembly exception-handling proposal, which wazero does not implement, "+
			"and the wasm32 libc++abi has no unwinder; %s compiles C++ with -fno-exceptions (try/throw are then compile errors)", p.excFlag, lang.name())
	}
	return p, nil
}

// normX normalises a -x value.
func normX(v string) string {
	if v == "none" {
		return ""
	}
	return v
}

// showOption recognises the wrapper-compiler introspection options of Open
// MPI (-showme, --showme:compile, ...) and MPICH (-show, -compile_info, ...).
func showOption(a string) (showMode, bool, error) {
	if !strings.HasPrefix(a, "-") {
		return showNone, false, nil
	}
	s := strings.TrimLeft(a, "-")
	switch s {
	case "show", "showme":
		return showAll, true, nil
	case "compile_info", "compile-info":
		return showCompile, true, nil
	case "link_info", "link-info":
		return showLink, true, nil
	}
	if sub, ok := strings.CutPrefix(s, "showme:"); ok {
		switch sub {
		case "compile":
			return showCompile, true, nil
		case "link":
			return showLink, true, nil
		case "command":
			return showCommand, true, nil
		case "incdirs":
			return showIncdirs, true, nil
		case "version":
			return showVersion, true, nil
		}
		return showNone, false, fmt.Errorf("unknown option %s (supported: --showme, --showme:compile, --showme:link, --showme:command, --showme:incdirs, --showme:version)", a)
	}
	return showNone, false, nil
}

// toolchain is everything a command line needs from the installed compiler
// and the SDK cache.
type toolchain struct {
	compiler []string // argv prefix of the compiler for this language
	cDriver  bool     // the compiler is a C driver (clang, not clang++)
	sysroot  string
	include  string   // extracted SDK headers
	support  []string // support library: one archive, or objects
	// OpenMP support: an object always linked with -fopenmp, the archive
	// of wrappers (or its objects), and the list of runtime imports.
	ompCore    string
	ompLib     []string
	ompImports string
	// OpenMP links search ompLibDir first (the sysroot's libraries with a
	// thread-local errno, see buildThreadErrno) and link ompSupport instead
	// of support; ompErrnoReport lists what was rewritten.
	ompLibDir      string
	ompSupport     []string
	ompErrnoReport string
	wasmOpt        string // directory of the wasm-opt wrappers ("" without wasm-opt)
}

// command is the translated command line.
type command struct {
	argv    []string // complete compiler invocation
	compile []string // flags for compiling (without compiler and user args)
	link    []string // flags for linking (without compiler and user args)
	linking bool
}

// translate builds the clang command line for parsed user arguments.
func translate(lang Lang, tc *toolchain, p *parsed) *command {
	cxx := lang == CXX || p.cxxInput
	base := []string{"--target=wasm32-wasi", "--sysroot=" + tc.sysroot}
	pre := append(append([]string{}, emulationDefines...), "-isystem", tc.include)
	var opt, tail []string
	if !p.optGiven {
		opt = append(opt, "-O3")
	}
	if !p.simdGiven {
		tail = append(tail, "-msimd128")
	}
	if cxx && !p.excOff {
		tail = append(tail, "-fno-exceptions")
	}
	if p.openmp {
		tail = append(tail, ompCompileFlags...)
	}

	linkOnly := []string{
		"-Wl,--export=__stack_pointer",
		"-Wl,--export-table",
		"-Wl,--growable-table",
		"-Wl,--stack-first",
	}
	if !p.stackSize {
		linkOnly = append(linkOnly, fmt.Sprintf("-Wl,-z,stack-size=%d", StackSize))
	}
	for _, s := range wrappedSymbols {
		linkOnly = append(linkOnly, "-Wl,--wrap="+s)
	}
	if p.openmp {
		linkOnly = append(linkOnly, ompLinkFlags(tc, p)...)
	}
	if tc.wasmOpt != "" {
		// clang runs wasm-opt after linking when optimising: use the wrapper.
		v := "release"
		if p.debug {
			v = "debug"
		}
		if p.openmp {
			v = "omp-" + v
		}
		linkOnly = append(linkOnly, "-B"+filepath.Join(tc.wasmOpt, v)+"/")
	}
	if p.openmp {
		linkOnly = append(linkOnly, tc.ompSupport...)
	} else {
		linkOnly = append(linkOnly, tc.support...)
	}
	if cxx && tc.cDriver {
		linkOnly = append(linkOnly, "-lc++", "-lc++abi")
	}
	linkOnly = append(linkOnly, longDoubleLib)
	linkOnly = append(linkOnly, emulatedLibs...)

	c := &command{
		compile: concat(base, pre, tail),
		link:    concat(base, linkOnly),
		// Link when there is something to link, or when -show asks for the
		// command a link would run.
		linking: !p.noLink && (p.inputs > 0 || p.show != showNone),
	}
	c.argv = concat(tc.compiler, base, pre, opt, tail, p.args)
	if c.linking {
		c.argv = append(c.argv, linkOnly...)
	}
	return c
}

func concat(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// shellJoin quotes args for a POSIX shell.
func shellJoin(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(shellQuote(a))
	}
	return b.String()
}

func shellQuote(s string) string {
	if s == "" {
		return "''"
	}
	safe := true
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%^", r)) {
			safe = false
			break
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
