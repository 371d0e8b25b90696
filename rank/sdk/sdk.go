package sdk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

// Driver runs the wrapper compiler. The zero value is mpicc writing nowhere;
// set the fields you need.
type Driver struct {
	// Lang is C for mpicc, CXX for mpicxx.
	Lang Lang
	// Stdin, Stdout and Stderr are the compiler's standard streams (nil: none).
	// -show output goes to Stdout; driver errors are returned, not printed.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Getenv reads the variables that choose the toolchain and the cache
	// (WASMPI_CC, WASMPI_CXX, CC, CXX, WASI_SDK_PATH, WASI_SYSROOT,
	// WASMPI_CACHE_DIR, XDG_CACHE_HOME); nil means os.Getenv. The compiler
	// itself inherits the process environment.
	Getenv func(string) string
	// CacheDir is the cache root; "" means $WASMPI_CACHE_DIR, else
	// os.UserCacheDir()/wasmpi.
	CacheDir string
}

func (d *Driver) getenv(k string) string {
	if d.Getenv != nil {
		return d.Getenv(k)
	}
	return os.Getenv(k)
}

// Run compiles and/or links as directed by args (the compiler arguments,
// without the program name) and returns the exit code the wrapper should
// exit with. A nil error means the compiler ran (or -show printed) and the
// code is the compiler's: its diagnostics went to Stderr. A non-nil error is
// the driver's own failure (bad option, missing toolchain, cache problem);
// the code is then 1.
func (d *Driver) Run(ctx context.Context, args []string) (int, error) {
	p, err := parseArgs(d.Lang, args)
	if err != nil {
		return 1, fmt.Errorf("%s: %w", d.Lang.name(), err)
	}
	tc, err := d.prepare(ctx, d.Lang)
	if err != nil {
		return 1, err
	}
	if p.openmp && p.show == showNone {
		pre := func(src string) ([]byte, error) {
			base := translate(d.Lang, tc, &parsed{openmp: true, noLink: true, optGiven: true, simdGiven: true})
			argv := concat(base.argv, preprocessArgs(p, src))
			var out bytes.Buffer
			cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
			cmd.Stdout = &out
			err := cmd.Run()
			return out.Bytes(), err
		}
		if err := checkDroppedLoops(p, pre); err != nil {
			return 1, fmt.Errorf("%s: %w", d.Lang.name(), err)
		}
	}
	if p.openmp && !p.noLink && p.show == showNone {
		dir, err := patchInputs(p)
		if dir != "" {
			defer os.RemoveAll(dir)
		}
		if err != nil {
			return 1, fmt.Errorf("%s: %w", d.Lang.name(), err)
		}
	}
	c := translate(d.Lang, tc, p)
	if p.show != showNone {
		out := d.Stdout
		if out == nil {
			out = io.Discard
		}
		var line string
		switch p.show {
		case showAll:
			line = shellJoin(c.argv)
		case showCompile:
			line = shellJoin(c.compile)
		case showLink:
			line = shellJoin(c.link)
		case showCommand:
			line = shellJoin(tc.compiler)
		case showIncdirs:
			line = tc.include
		case showVersion:
			line = fmt.Sprintf("%s: wasmpi SDK %s (Language: %s), compiler %s", d.Lang.name(), cacheVersion, d.Lang, shellJoin(tc.compiler))
		}
		_, err := fmt.Fprintln(out, line)
		if err != nil {
			return 1, err
		}
		return 0, nil
	}

	tail := &tailBuffer{max: 64 << 10}
	if p.openmp && c.linking {
		// A link with named critical sections fails once: their lock
		// variables must be defined (see criticalNames). The first attempt's
		// diagnostics are kept back and shown only if it fails otherwise.
		var first bytes.Buffer
		err = d.runCompiler(ctx, c.argv, &first, nil)
		if err == nil {
			if d.Stderr != nil {
				d.Stderr.Write(first.Bytes())
			}
			return 0, nil
		}
		syms := criticalNames(first.String())
		if len(syms) == 0 {
			if d.Stderr != nil {
				d.Stderr.Write(first.Bytes())
			}
			tail.Write(first.Bytes())
		} else {
			dir, derr := os.MkdirTemp("", "mpicc-omp-")
			if derr != nil {
				return 1, fmt.Errorf("%s: %w", d.Lang.name(), derr)
			}
			defer os.RemoveAll(dir)
			src, obj := filepath.Join(dir, "critical.c"), filepath.Join(dir, "critical.o")
			if werr := os.WriteFile(src, []byte(criticalDefinitions(syms)), 0o644); werr != nil {
				return 1, fmt.Errorf("%s: %w", d.Lang.name(), werr)
			}
			cargs := concat(tc.compiler[1:], []string{"--target=wasm32-wasi", "--sysroot=" + tc.sysroot, "-c", "-x", "c", src, "-o", obj})
			if rerr := runTool(ctx, dir, tc.compiler[0], cargs...); rerr != nil {
				return 1, fmt.Errorf("%s: defining the critical sections' locks: %w", d.Lang.name(), rerr)
			}
			err = d.runCompiler(ctx, append(append([]string{}, c.argv...), "-x", "none", obj), nil, tail)
		}
	} else {
		err = d.runCompiler(ctx, c.argv, nil, tail)
	}
	if err == nil {
		return 0, nil
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		return 1, err
	}
	if h := hint(tail.String(), d.Lang == CXX || p.cxxInput); h != "" && d.Stderr != nil {
		fmt.Fprintf(d.Stderr, "%s: hint: %s\n", d.Lang.name(), h)
	}
	code := ee.ExitCode()
	if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		code = 128 + int(ws.Signal())
	}
	if code <= 0 {
		code = 1
	}
	return code, nil
}

// runCompiler runs argv with the driver's streams. Standard error goes to
// capture instead of Stderr when capture is set, and is also copied to tail.
func (d *Driver) runCompiler(ctx context.Context, argv []string, capture io.Writer, tail *tailBuffer) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = d.Stdin
	cmd.Stdout = d.Stdout
	var ws []io.Writer
	if capture != nil {
		ws = append(ws, capture)
	} else if d.Stderr != nil {
		ws = append(ws, d.Stderr)
	}
	if tail != nil {
		ws = append(ws, tail)
	}
	cmd.Stderr = io.MultiWriter(ws...)
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		return fmt.Errorf("%s: running %s: %w", d.Lang.name(), argv[0], err)
	}
	return err
}

// Run is the mpicc (lang C) / mpicxx (lang CXX) command: it runs a Driver with
// the process's standard input and environment.
func Run(ctx context.Context, lang Lang, args []string, stdout, stderr io.Writer) (int, error) {
	d := &Driver{Lang: lang, Stdin: os.Stdin, Stdout: stdout, Stderr: stderr}
	return d.Run(ctx, args)
}

var missingStdHeader = regexp.MustCompile(`fatal error: '[a-z_]+' file not found`)

// hint recognises compiler failures caused by an incomplete toolchain.
func hint(stderr string, cxx bool) string {
	switch {
	case strings.Contains(stderr, "undefined symbol: __kmpc_") || strings.Contains(stderr, "undefined symbol: omp_"):
		return "the program uses OpenMP: link it with -fopenmp too"
	case strings.Contains(stderr, "wasm-ld") && (strings.Contains(stderr, "doesn't exist") || strings.Contains(stderr, "not found")):
		return "the WebAssembly linker is missing (package lld-16); " + installHint
	case strings.Contains(stderr, "libclang_rt.builtins-wasm32.a"):
		return "the wasm32 compiler runtime is missing (package libclang-rt-16-dev-wasm32); " + installHint
	case strings.Contains(stderr, "unable to find library -lc++"),
		cxx && missingStdHeader.MatchString(stderr):
		return "the wasm32 C++ library may be missing (packages libc++-16-dev-wasm32 libc++abi-16-dev-wasm32); " + installHint
	}
	return ""
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = append(t.b[:0], t.b[len(t.b)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }
