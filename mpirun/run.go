package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"sort"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/wasmpi/wasmpi/rank"
)

// Exit statuses of mpirun itself, besides the ranks' own.
const (
	exitUsage       = 1
	exitInterrupted = 130
	exitTimeout     = 124
)

const version = "0.1.0"

// normalizeArgs turns Open MPI's single-dash long options (-np,
// -oversubscribe, -tag-output, ...) into pflag's double-dash form, up to
// the program name.
func normalizeArgs(fs *pflag.FlagSet, args []string) []string {
	takesValue := func(a string) bool {
		var f *pflag.Flag
		if strings.HasPrefix(a, "--") {
			f = fs.Lookup(a[2:])
		} else if len(a) == 2 {
			f = fs.ShorthandLookup(a[1:])
		}
		return f != nil && f.Value.Type() != "bool"
	}
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" || !strings.HasPrefix(a, "-") {
			return append(out, args[i:]...)
		}
		if !strings.HasPrefix(a, "--") && len(a) > 2 {
			name, _, _ := strings.Cut(a[1:], "=")
			if fs.Lookup(name) != nil {
				a = "-" + a
			}
		}
		out = append(out, a)
		if !strings.Contains(a, "=") && takesValue(a) && i+1 < len(args) {
			i++
			out = append(out, args[i])
		}
	}
	return out
}

type options struct {
	np          int
	oversub     bool
	env         []string
	tagOutput   bool
	timeout     int
	stallWarn   int
	wdir        string
	version     bool
	help        bool
	memoryLimit int
	cacheDir    string
	noCache     bool
	cpuProfile  string
}

func newFlagSet(o *options) *pflag.FlagSet {
	fs := pflag.NewFlagSet("mpirun", pflag.ContinueOnError)
	fs.SetInterspersed(false)
	fs.IntVarP(&o.np, "np", "n", 1, "number of ranks to start")
	fs.BoolVar(&o.oversub, "oversubscribe", false, "accepted for compatibility: ranks may always outnumber cores")
	fs.StringArrayVarP(&o.env, "x", "x", nil, "export VAR (from this environment) or VAR=value to the ranks; repeatable")
	fs.BoolVar(&o.tagOutput, "tag-output", false, "prefix every output line with [1,rank]<stdout>: or <stderr>:")
	fs.IntVar(&o.timeout, "timeout", 0, "stop the job after this many seconds (0: no limit)")
	fs.IntVar(&o.stallWarn, "deadlock-warning", 20, "warn when every rank has waited in MPI this many seconds with nothing reaching it (0: never)")
	fs.StringVar(&o.wdir, "wdir", "", "directory the ranks see as their working directory (default: the current one)")
	fs.BoolVarP(&o.version, "version", "V", false, "print the version and exit")
	fs.BoolVarP(&o.help, "help", "h", false, "print this help and exit")
	fs.IntVar(&o.memoryLimit, "memory-limit", 0, "cap each rank's linear memory at this many MiB (0: the module's own limit)")
	fs.StringVar(&o.cacheDir, "cache-dir", "", "directory for compiled modules (default: the user cache directory)")
	fs.BoolVar(&o.noCache, "no-cache", false, "do not cache compiled modules on disk")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a Go CPU profile of the whole job to this file")
	_ = fs.MarkHidden("cpuprofile")
	return fs
}

func usage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprintf(w, "Usage: mpirun [options] program.wasm [args...]\n\nRuns an MPI program compiled with wasmpi's mpicc as a number of ranks on this host.\n\nOptions:\n%s", fs.FlagUsages())
	fmt.Fprintln(w, "\nThe ranks see only the variables given with -x (plus OMPI_COMM_WORLD_RANK/SIZE),\nand only the working directory, mounted at /.")
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	var o options
	fs := newFlagSet(&o)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(normalizeArgs(fs, args)); err != nil {
		fmt.Fprintf(stderr, "mpirun: %v\nRun 'mpirun --help' for the options.\n", err)
		return exitUsage
	}
	if o.help {
		usage(stdout, fs)
		return 0
	}
	if o.version {
		fmt.Fprintf(stdout, "mpirun (wasmpi) %s\n%s\n", version, rank.LibraryVersion)
		return 0
	}
	rest := fs.Args()
	if len(rest) > 0 && rest[0] == "--" {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		fmt.Fprintln(stderr, "mpirun: no program given\nUsage: mpirun [options] program.wasm [args...]")
		return exitUsage
	}
	if o.np < 1 {
		fmt.Fprintf(stderr, "mpirun: the number of ranks must be at least 1, got %d\n", o.np)
		return exitUsage
	}
	if o.stallWarn < 0 {
		fmt.Fprintf(stderr, "mpirun: --deadlock-warning must not be negative, got %d\n", o.stallWarn)
		return exitUsage
	}
	if o.timeout < 0 {
		fmt.Fprintf(stderr, "mpirun: --timeout must not be negative, got %d\n", o.timeout)
		return exitUsage
	}
	prog := rest[0]
	env, err := exportedEnv(o.env)
	if err != nil {
		fmt.Fprintf(stderr, "mpirun: %v\n", err)
		return exitUsage
	}
	for _, name := range unexportedOpenMP(env, os.Environ()) {
		fmt.Fprintf(stderr, "mpirun: warning: %s is set here but the ranks only see variables given with -x (add -x %s)\n", name, name)
	}
	wdir := o.wdir
	if wdir == "" {
		if wdir, err = os.Getwd(); err != nil {
			fmt.Fprintf(stderr, "mpirun: %v\n", err)
			return exitUsage
		}
	}
	if st, err := os.Stat(wdir); err != nil || !st.IsDir() {
		fmt.Fprintf(stderr, "mpirun: working directory %q is not a directory\n", wdir)
		return exitUsage
	}
	module, err := os.ReadFile(prog)
	if err != nil {
		fmt.Fprintf(stderr, "mpirun: cannot read the program: %v\n", err)
		return exitUsage
	}
	cacheDir := o.cacheDir
	if cacheDir == "" && !o.noCache {
		if d, err := os.UserCacheDir(); err == nil {
			cacheDir = filepath.Join(d, "wasmpi", "modules")
		}
	}
	if o.noCache {
		cacheDir = ""
	}

	out := newOutput(stdout, stderr, o.tagOutput)
	cfg := rank.Config{
		Module:   module,
		Name:     filepath.Base(prog),
		Ranks:    o.np,
		Args:     rest[1:],
		Env:      env,
		Dir:      wdir,
		Stdout:   out.stdout,
		Stderr:   out.stderr,
		Stdin:    stdin,
		CacheDir: cacheDir,
	}
	if o.stallWarn > 0 {
		cfg.StallWarning = time.Duration(o.stallWarn) * time.Second
		cfg.Warn = func(msg string) { out.note("mpirun: warning: " + msg) }
	}
	if o.memoryLimit > 0 {
		cfg.MemoryLimitPages = uint32(o.memoryLimit * 16)
	}

	errTimeout := errors.New("timeout")
	if o.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, time.Duration(o.timeout)*time.Second, errTimeout)
		defer cancel()
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "mpirun: %v\n", err)
			return exitUsage
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(stderr, "mpirun: %v\n", err)
			return exitUsage
		}
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	res, err := rank.Run(ctx, cfg)
	out.flush()
	if err != nil {
		fmt.Fprintf(stderr, "mpirun: %v\n", err)
		return exitUsage
	}
	if res.Failure == nil {
		return 0
	}
	switch {
	case errors.Is(context.Cause(ctx), errTimeout) && res.Failure.Rank < 0:
		fmt.Fprintf(stderr, "mpirun: the job did not finish within %d seconds and was stopped\n", o.timeout)
		if st := res.StateAtStop(); st != "" {
			fmt.Fprintf(stderr, "mpirun: when stopped: %s\n", st)
		}
		return exitTimeout
	case res.Failure.Rank < 0:
		fmt.Fprintln(stderr, "mpirun: interrupted; every rank was stopped")
		if st := res.StateAtStop(); st != "" {
			fmt.Fprintf(stderr, "mpirun: when stopped: %s\n", st)
		}
		return exitInterrupted
	}
	fmt.Fprintf(stderr, "mpirun: %v\nmpirun: %s\n", res.Failure, res.Summary())
	code := res.ExitCode
	if code == 0 {
		code = 1
	}
	return code & 0xff
}

// unexportedOpenMP lists the OMP_* variables of mpirun's environment
// (environ) that the ranks' environment (env) does not have: Open MPI
// passes its environment on, so people expect them to reach the ranks.
func unexportedOpenMP(env, environ []string) []string {
	given := map[string]bool{}
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		given[k] = true
	}
	var missing []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "OMP_") && !given[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	return missing
}

// exportedEnv resolves -x arguments: VAR takes the value from mpirun's
// environment, VAR=value sets it.
func exportedEnv(xs []string) ([]string, error) {
	var env []string
	for _, x := range xs {
		for _, item := range strings.Split(x, ",") {
			if item == "" {
				continue
			}
			if k, _, ok := strings.Cut(item, "="); ok {
				if k == "" {
					return nil, fmt.Errorf("-x %q: empty variable name", item)
				}
				env = append(env, item)
				continue
			}
			v, ok := os.LookupEnv(item)
			if !ok {
				return nil, fmt.Errorf("-x %s: the variable is not set in this environment", item)
			}
			env = append(env, item+"="+v)
		}
	}
	return env, nil
}
