package main

import (
	"bytes"
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/wasmpi/wasmpi/rank/sdk"
)

// The C sources are embedded so the harness works from any directory.
//
//go:embed src/*.c src/*.h
var sourceFS embed.FS

// Compiler flags of the two variants, recorded in results.json and RESULTS.md.
func nativeFlags() []string { return []string{"-O3", "-march=native"} }
func wasmFlags() []string   { return []string{"-O3", "-msimd128"} }

// ompFlag is added to both builds of the openmp group's programs: libgomp
// natively (gcc under Open MPI's mpicc), wasmpi's OpenMP runtime in wasm.
const ompFlag = "-fopenmp"

// sourceFlags returns the compiler flags of one program: flags plus
// -fopenmp for an OpenMP program.
func sourceFlags(flags []string, name string) []string {
	if isOpenMP(name) {
		return append(flags, ompFlag)
	}
	return flags
}

// aptPackages are what provides Open MPI on Debian and Ubuntu.
const aptPackages = "openmpi-bin libopenmpi-dev"

// findOpenMPI checks that mpicc and mpirun are Open MPI's and returns
// their paths.
func findOpenMPI(ctx context.Context, mpicc, mpirun string) (string, string, error) {
	missing := func(err error) error {
		return fmt.Errorf("native Open MPI not found: %w; install it with `apt-get install %s` "+
			"(scripts/install-toolchain.sh does), or pass --no-native to run only the wasm variant", err, aptPackages)
	}
	cc, err := exec.LookPath(mpicc)
	if err != nil {
		return "", "", missing(err)
	}
	run, err := exec.LookPath(mpirun)
	if err != nil {
		return "", "", missing(err)
	}
	out, err := exec.CommandContext(ctx, cc, "--showme:version").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Open MPI")) {
		return "", "", missing(fmt.Errorf("%s is not Open MPI's mpicc (--showme:version said %q)", cc, strings.TrimSpace(string(out))))
	}
	out, err = exec.CommandContext(ctx, run, "--version").CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("Open MPI")) {
		return "", "", missing(fmt.Errorf("%s is not Open MPI's mpirun (--version said %q)", run, firstLineOf(out)))
	}
	return cc, run, nil
}

func firstLineOf(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return string(line)
}

// wasmCompiler asks wasmpi's mpicc which clang it runs.
func wasmCompiler(ctx context.Context) string {
	var out bytes.Buffer
	if code, err := sdk.Run(ctx, sdk.C, []string{"--showme:command"}, &out, io.Discard); err != nil || code != 0 {
		return ""
	}
	f := strings.Fields(out.String())
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

// programs are the built binaries, by source name.
type programs struct {
	native map[string]string
	wasm   map[string]string
	mpirun string // wasmpi's mpirun
}

// build writes the sources into work/src, builds each of them natively
// (when nativeCC is not empty) and to wasm, and builds wasmpi's mpirun
// unless mpirun names one, as many at a time as there are CPUs.
func build(ctx context.Context, work, nativeCC, mpirun string, names []string, log io.Writer) (programs, error) {
	srcDir := filepath.Join(work, "src")
	binDir := filepath.Join(work, "bin")
	for _, d := range []string{srcDir, binDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return programs{}, fmt.Errorf("build: %w", err)
		}
	}
	entries, err := sourceFS.ReadDir("src")
	if err != nil {
		return programs{}, fmt.Errorf("build: reading embedded sources: %w", err)
	}
	for _, e := range entries {
		b, err := sourceFS.ReadFile("src/" + e.Name())
		if err != nil {
			return programs{}, fmt.Errorf("build: %w", err)
		}
		if err := os.WriteFile(filepath.Join(srcDir, e.Name()), b, 0o644); err != nil {
			return programs{}, fmt.Errorf("build: %w", err)
		}
	}

	p := programs{native: map[string]string{}, wasm: map[string]string{}, mpirun: mpirun}
	var tasks []func() error
	if mpirun == "" {
		p.mpirun = filepath.Join(binDir, "mpirun")
		tasks = append(tasks, func() error {
			cmd := exec.CommandContext(ctx, "go", "build", "-o", p.mpirun, "github.com/wasmpi/wasmpi/mpirun")
			if out, err := cmd.CombinedOutput(); err != nil {
				return fmt.Errorf("go build of wasmpi's mpirun (run the harness inside the wasmpi module): %w\n%s", err, out)
			}
			return nil
		})
	} else if _, err := os.Stat(mpirun); err != nil {
		return programs{}, fmt.Errorf("--wasmpi-mpirun: %w", err)
	}
	for _, name := range names {
		src := filepath.Join(srcDir, name+".c")
		if nativeCC != "" {
			out := filepath.Join(binDir, name)
			p.native[name] = out
			tasks = append(tasks, func() error {
				args := append(sourceFlags(nativeFlags(), name), "-I", srcDir, "-o", out, src, "-lm")
				cmd := exec.CommandContext(ctx, nativeCC, args...)
				if b, err := cmd.CombinedOutput(); err != nil {
					return fmt.Errorf("native build of %s: %s %s: %w\n%s", name, nativeCC, strings.Join(args, " "), err, b)
				}
				return nil
			})
		}
		out := filepath.Join(binDir, name+".wasm")
		p.wasm[name] = out
		tasks = append(tasks, func() error {
			args := append(sourceFlags(wasmFlags(), name), "-I", srcDir, "-o", out, src, "-lm")
			var msg bytes.Buffer
			code, err := sdk.Run(ctx, sdk.C, args, &msg, &msg)
			if err != nil {
				return fmt.Errorf("wasm build of %s: %w\n%s", name, err, msg.String())
			}
			if code != 0 {
				return fmt.Errorf("wasm build of %s: mpicc %s exited with %d\n%s", name, strings.Join(args, " "), code, msg.String())
			}
			return nil
		})
	}
	fmt.Fprintf(log, "building %d programs (native: %v, wasm: true, mpirun: %v) in %s\n", len(names), nativeCC != "", mpirun == "", binDir)
	if err := parallel(runtime.NumCPU(), tasks); err != nil {
		return programs{}, err
	}
	return p, nil
}

// parallel runs tasks with at most n at a time and joins their errors.
func parallel(n int, tasks []func() error) error {
	if n < 1 {
		n = 1
	}
	sem := make(chan struct{}, n)
	errs := make([]error, len(tasks))
	var wg sync.WaitGroup
	for i, t := range tasks {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = t()
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
