package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"github.com/wasmpi/wasmpi/benchmarks/internal/result"
	"github.com/wasmpi/wasmpi/benchmarks/internal/stats"
)

// runRecord is one execution of one program, as written to results.json.
type runRecord struct {
	Job         string   `json:"job"`
	Variant     string   `json:"variant"`
	Rep         int      `json:"rep"`
	Ranks       int      `json:"ranks"`
	Command     []string `json:"command"`
	WallSeconds float64  `json:"wall_seconds"`
	Error       string   `json:"error,omitempty"`
	// Output is the tail of the run's standard error (and of standard
	// output when no result came out), kept only for failed runs.
	Output string `json:"output,omitempty"`
}

// runner executes jobs.
type runner struct {
	work         string // working directory of every run
	progs        programs
	nativeMpirun string // "" when the native variant is skipped
	timeout      time.Duration
	log          io.Writer
}

// command returns the argv that runs j's variant.
func (r *runner) command(j job, variant string) []string {
	np := fmt.Sprint(j.ranks)
	if variant == stats.Native {
		argv := []string{r.nativeMpirun}
		if os.Geteuid() == 0 {
			argv = append(argv, "--allow-run-as-root")
		}
		argv = append(argv, "--oversubscribe", "-np", np)
		if j.threads > 0 {
			// Open MPI binds each rank to one core by default (up to 2
			// ranks): an OpenMP rank's threads need all of them.
			argv = append(argv, "--bind-to", "none", "-x", ompEnv(j.threads))
		}
		argv = append(argv, r.progs.native[j.source])
		return append(argv, j.args...)
	}
	argv := []string{r.progs.mpirun, "--cache-dir", r.work + "/wazero-cache", "-np", np}
	if j.threads > 0 {
		argv = append(argv, "-x", ompEnv(j.threads))
	}
	argv = append(argv, r.progs.wasm[j.source])
	return append(argv, j.args...)
}

// ompEnv is the -x argument that sets an OpenMP program's team size.
func ompEnv(threads int) string { return fmt.Sprintf("OMP_NUM_THREADS=%d", threads) }

// tail returns at most the last n bytes of s, starting at a line.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[len(s)-n:]
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return "..." + s
}

// run executes one variant of j once and returns its record and samples.
// A failed run (non-zero exit, timeout, malformed or missing results) has
// a non-empty Error and no samples.
func (r *runner) run(ctx context.Context, j job, variant string, rep int) (runRecord, []result.Sample) {
	argv := r.command(j, variant)
	rec := runRecord{Job: j.label, Variant: variant, Rep: rep, Ranks: j.ranks, Command: argv}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = r.work
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	// Open MPI's ranks are mpirun's children: stop the whole process group.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second
	start := time.Now()
	err := cmd.Run()
	rec.WallSeconds = time.Since(start).Seconds()

	fail := func(err error) (runRecord, []result.Sample) {
		rec.Error = err.Error()
		out := stderr.String()
		if strings.TrimSpace(out) == "" || !strings.Contains(stdout.String(), result.Prefix) {
			out = stdout.String() + out
		}
		rec.Output = tail(out, 4000)
		return rec, nil
	}
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		return fail(fmt.Errorf("timed out after %v", r.timeout))
	case err != nil:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fail(fmt.Errorf("exited with status %d", ee.ExitCode()))
		}
		return fail(fmt.Errorf("running %s: %w", argv[0], err))
	}
	if j.startup {
		if want := fmt.Sprintf("hello from %d ranks", j.ranks); !strings.Contains(stdout.String(), want) {
			return fail(fmt.Errorf("output lacks %q", want))
		}
		return rec, []result.Sample{{Bench: "startup", Variant: variant, Rep: rep, Ranks: j.ranks,
			Size: result.NoSize, Value: rec.WallSeconds * 1e3, Unit: "ms"}}
	}
	samples, err := result.Parse(&stdout)
	if err != nil {
		return fail(err)
	}
	if len(samples) == 0 {
		return fail(errors.New("printed no RESULT line"))
	}
	for i := range samples {
		samples[i].Variant, samples[i].Rep = variant, rep
		if samples[i].Ranks == 0 {
			samples[i].Ranks = j.ranks
		}
	}
	return rec, samples
}

// runAll runs every job reps times, alternating the variants within each
// repetition (native, wasm, native, wasm, ...). A job variant that fails
// is not run again in later repetitions.
func (r *runner) runAll(ctx context.Context, js []job, variants []string, reps int) ([]runRecord, []result.Sample, error) {
	var recs []runRecord
	var samples []result.Sample
	failed := map[string]bool{}

	// One untimed run of the startup program per variant, so that the
	// first timed start does not pay for cold caches (wazero compiles the
	// module once and caches it on disk; native binaries and libraries
	// get paged in).
	for _, j := range js {
		if !j.startup {
			continue
		}
		warm := j
		warm.ranks, warm.label = 1, "startup warm-up"
		for _, v := range variants {
			if rec, _ := r.run(ctx, warm, v, -1); rec.Error != "" {
				recs = append(recs, rec)
				fmt.Fprintf(r.log, "warm-up %-7s FAILED: %s\n%s\n", v, rec.Error, rec.Output)
			}
		}
		break
	}

	for rep := 0; rep < reps; rep++ {
		for _, j := range js {
			for _, v := range variants {
				if err := ctx.Err(); err != nil {
					return recs, samples, fmt.Errorf("interrupted: %w", err)
				}
				if failed[j.label+"/"+v] {
					continue
				}
				rec, s := r.run(ctx, j, v, rep)
				recs = append(recs, rec)
				samples = append(samples, s...)
				status := "ok"
				if rec.Error != "" {
					failed[j.label+"/"+v] = true
					status = "FAILED: " + rec.Error
				}
				fmt.Fprintf(r.log, "rep %d/%d  %-16s %-6s %7.2fs  %s\n", rep+1, reps, j.label, v, rec.WallSeconds, status)
				if rec.Error != "" {
					fmt.Fprintf(r.log, "  command: %s\n%s\n", strings.Join(rec.Command, " "), indent(rec.Output))
				}
			}
		}
	}
	return recs, samples, nil
}

func indent(s string) string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return "  (no output)"
	}
	return "  | " + strings.ReplaceAll(s, "\n", "\n  | ")
}
