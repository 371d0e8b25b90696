package openmp

import (
	"fmt"
	"strconv"
	"strings"
)

// Schedule kinds as the omp_sched_t values of omp.h.
const (
	SchedStatic  = 1
	SchedDynamic = 2
	SchedGuided  = 3
	SchedAuto    = 4
	// SchedMonotonic is the modifier bit of omp_sched_t.
	SchedMonotonic = -0x80000000
)

// Proc-bind values (omp_proc_bind_t).
const (
	BindFalse   = 0
	BindTrue    = 1
	BindPrimary = 2
	BindClose   = 3
	BindSpread  = 4
)

// Limits of this implementation.
const (
	// supportedActiveLevels is what omp_get_supported_active_levels
	// reports: nested parallel regions up to this depth get real teams.
	supportedActiveLevels = 8
	// defaultThreadLimit bounds the OpenMP threads of one rank (each is a
	// wasm instance with its own stack in the rank's memory).
	defaultThreadLimit = 256
	// DefaultStackSize is the stack of each OpenMP thread other than the
	// initial one (OMP_STACKSIZE changes it).
	DefaultStackSize = 4 << 20
)

// icv is the data-environment part of the internal control variables: the
// values each implicit task carries and a new team inherits.
type icv struct {
	nthreads  []int // nthreads-var: one entry per nesting level, [0] applies to the next region
	dynamic   bool
	schedKind int32 // run-sched-var kind (omp_sched_t, possibly with the monotonic bit)
	schedChk  int32
	bind      []int32 // bind-var
	defDevice int32
}

func (v *icv) clone() *icv {
	c := *v
	return &c
}

// nextLevel is the nthreads-var list the threads of a new team start with.
func (v *icv) nextLevel() []int {
	if len(v.nthreads) > 1 {
		return v.nthreads[1:]
	}
	return v.nthreads
}

// settings are the process-wide ICVs and the parsed environment.
type settings struct {
	icv              icv
	maxActiveLevels  int
	nteams           int // OMP_NUM_TEAMS (0: not set)
	teamsThreadLimit int // OMP_TEAMS_THREAD_LIMIT (0: not set)
	threadLimit      int
	stackSize        uint32
	spin             int // polls before a waiting thread parks
	maxTaskPriority  int32
	numProcs         int
	warnings         []string
}

// parseEnv reads the OMP_* variables of env (KEY=VALUE strings). Malformed
// values are ignored with a warning, as OpenMP implementations do.
func parseEnv(env []string, defaultThreads, numProcs int) *settings {
	if defaultThreads < 1 {
		defaultThreads = 1
	}
	s := &settings{
		icv: icv{
			nthreads:  []int{defaultThreads},
			schedKind: SchedStatic,
			bind:      []int32{BindFalse},
		},
		maxActiveLevels: 1,
		threadLimit:     defaultThreadLimit,
		stackSize:       DefaultStackSize,
		spin:            2000,
		numProcs:        numProcs,
	}
	vars := map[string]string{}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, "OMP_") {
			vars[k] = strings.TrimSpace(v)
		}
	}
	warn := func(k, why string) {
		s.warnings = append(s.warnings, fmt.Sprintf("%s=%q ignored: %s", k, vars[k], why))
	}
	nestedSet := false
	if v, ok := vars["OMP_NUM_THREADS"]; ok && v != "" {
		var list []int
		for _, f := range strings.Split(v, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				list = nil
				break
			}
			list = append(list, n)
		}
		if list == nil {
			warn("OMP_NUM_THREADS", "expected a comma-separated list of positive integers")
		} else {
			s.icv.nthreads = list
			if len(list) > 1 {
				// As libomp: a list asks for nested parallelism.
				s.maxActiveLevels = min(len(list), supportedActiveLevels)
			}
		}
	}
	if v, ok := vars["OMP_SCHEDULE"]; ok && v != "" {
		kind, chunk, err := parseSchedule(v)
		if err != nil {
			warn("OMP_SCHEDULE", err.Error())
		} else {
			s.icv.schedKind, s.icv.schedChk = kind, chunk
		}
	}
	if v, ok := vars["OMP_DYNAMIC"]; ok && v != "" {
		if b, ok := parseBool(v); ok {
			s.icv.dynamic = b
		} else {
			warn("OMP_DYNAMIC", "expected true or false")
		}
	}
	if v, ok := vars["OMP_NESTED"]; ok && v != "" {
		if b, ok := parseBool(v); ok {
			nestedSet = true
			if b {
				s.maxActiveLevels = supportedActiveLevels
			} else {
				s.maxActiveLevels = 1
			}
		} else {
			warn("OMP_NESTED", "expected true or false")
		}
	}
	if v, ok := vars["OMP_MAX_ACTIVE_LEVELS"]; ok && v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			s.maxActiveLevels = min(n, supportedActiveLevels)
		} else {
			warn("OMP_MAX_ACTIVE_LEVELS", "expected a non-negative integer")
		}
	}
	_ = nestedSet
	if v, ok := vars["OMP_THREAD_LIMIT"]; ok && v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 1 {
			s.threadLimit = min(n, defaultThreadLimit)
		} else {
			warn("OMP_THREAD_LIMIT", "expected a positive integer")
		}
	}
	if v, ok := vars["OMP_STACKSIZE"]; ok && v != "" {
		if n, err := parseSize(v); err == nil {
			s.stackSize = n
		} else {
			warn("OMP_STACKSIZE", err.Error())
		}
	}
	if v, ok := vars["OMP_WAIT_POLICY"]; ok && v != "" {
		switch strings.ToLower(v) {
		case "active":
			s.spin = 200000
		case "passive":
			s.spin = 0
		default:
			warn("OMP_WAIT_POLICY", "expected active or passive")
		}
	}
	if v, ok := vars["OMP_PROC_BIND"]; ok && v != "" {
		// Accepted and reported by omp_get_proc_bind; OpenMP threads are
		// goroutines, so there is nothing to bind.
		var list []int32
		for _, f := range strings.Split(v, ",") {
			b, ok := parseBind(strings.TrimSpace(f))
			if !ok {
				list = nil
				break
			}
			list = append(list, b)
		}
		if list == nil {
			warn("OMP_PROC_BIND", "expected true, false, primary, master, close or spread")
		} else {
			s.icv.bind = list
		}
	}
	if v, ok := vars["OMP_MAX_TASK_PRIORITY"]; ok && v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			s.maxTaskPriority = int32(n)
		} else {
			warn("OMP_MAX_TASK_PRIORITY", "expected a non-negative integer")
		}
	}
	for _, x := range []struct {
		name string
		to   *int
	}{{"OMP_NUM_TEAMS", &s.nteams}, {"OMP_TEAMS_THREAD_LIMIT", &s.teamsThreadLimit}} {
		if v, ok := vars[x.name]; ok && v != "" {
			if n, err := strconv.Atoi(v); err == nil && n >= 1 {
				*x.to = n
			} else {
				warn(x.name, "expected a positive integer")
			}
		}
	}
	if v, ok := vars["OMP_DEFAULT_DEVICE"]; ok && v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 {
			s.icv.defDevice = int32(n)
		} else {
			warn("OMP_DEFAULT_DEVICE", "expected a non-negative integer")
		}
	}
	// Without an explicit wait policy, threads that outnumber the cores
	// park at once instead of polling: polling would only take the core
	// from the thread being waited for. (Polling with more threads than
	// cores has also exposed a memory-corruption bug not yet found; see
	// the closing note of the OpenMP work.)
	if _, set := vars["OMP_WAIT_POLICY"]; !set && len(s.icv.nthreads) > 0 && s.icv.nthreads[0] > s.numProcs {
		s.spin = 0
	}
	return s
}

func parseBool(v string) (bool, bool) {
	switch strings.ToLower(v) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	return false, false
}

func parseBind(v string) (int32, bool) {
	switch strings.ToLower(v) {
	case "false":
		return BindFalse, true
	case "true":
		return BindTrue, true
	case "master", "primary":
		return BindPrimary, true
	case "close":
		return BindClose, true
	case "spread":
		return BindSpread, true
	}
	return 0, false
}

// parseSchedule parses OMP_SCHEDULE: [monotonic:|nonmonotonic:]kind[,chunk].
func parseSchedule(v string) (kind, chunk int32, err error) {
	s := strings.ToLower(strings.TrimSpace(v))
	var mono bool
	if m, rest, ok := strings.Cut(s, ":"); ok {
		switch strings.TrimSpace(m) {
		case "monotonic":
			mono = true
		case "nonmonotonic":
		default:
			return 0, 0, fmt.Errorf("unknown modifier %q", m)
		}
		s = rest
	}
	k, c, hasChunk := strings.Cut(s, ",")
	switch strings.TrimSpace(k) {
	case "static":
		kind = SchedStatic
	case "dynamic":
		kind = SchedDynamic
	case "guided":
		kind = SchedGuided
	case "auto":
		kind = SchedAuto
	default:
		return 0, 0, fmt.Errorf("unknown schedule kind %q", k)
	}
	if hasChunk {
		n, err := strconv.Atoi(strings.TrimSpace(c))
		if err != nil || n < 1 {
			return 0, 0, fmt.Errorf("invalid chunk size %q", c)
		}
		chunk = int32(n)
	}
	if mono {
		kind |= SchedMonotonic
	}
	return kind, chunk, nil
}

// parseSize parses OMP_STACKSIZE: a number with an optional B, K, M or G
// suffix; a plain number is in kilobytes.
func parseSize(v string) (uint32, error) {
	s := strings.ToUpper(strings.TrimSpace(v))
	mult := uint64(1024)
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 'B':
			mult, s = 1, s[:n-1]
		case 'K':
			mult, s = 1<<10, s[:n-1]
		case 'M':
			mult, s = 1<<20, s[:n-1]
		case 'G':
			mult, s = 1<<30, s[:n-1]
		}
	}
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("expected a size such as 4M, 512K or 8192 (KiB)")
	}
	b := n * mult
	const lo, hi = 64 << 10, 1 << 30
	if b < lo || b > hi {
		return 0, fmt.Errorf("the stack size must be between 64 KiB and 1 GiB")
	}
	return uint32(b+15) &^ 15, nil
}
