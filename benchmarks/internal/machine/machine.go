// Package machine describes the host a benchmark ran on: processor,
// memory, kernel and the versions of the toolchains involved.
package machine

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Info is what RESULTS.md and results.json say about the machine. Fields
// that could not be read are empty.
type Info struct {
	CPU       string  `json:"cpu"`        // model name, family/model, clock
	Cores     int     `json:"cores"`      // logical CPUs usable by this process
	MemoryGiB float64 `json:"memory_gib"` // MemTotal
	OS        string  `json:"os"`         // PRETTY_NAME from /etc/os-release
	Kernel    string  `json:"kernel"`
	Go        string  `json:"go"`
	OpenMPI   string  `json:"open_mpi,omitempty"`   // mpirun --version
	NativeCC  string  `json:"native_cc,omitempty"`  // what Open MPI's mpicc wraps
	WasmCC    string  `json:"wasm_cc,omitempty"`    // the clang behind wasmpi's mpicc
	LoadStart string  `json:"load_start,omitempty"` // /proc/loadavg when the run began
}

// Tools names the commands whose versions Describe reports; empty names
// are skipped.
type Tools struct {
	NativeMpirun string // e.g. "mpirun"
	NativeMpicc  string // e.g. "mpicc"
	WasmCC       string // the compiler wasmpi's mpicc runs, e.g. "clang-16"
}

// Describe reads /proc and asks the tools for their versions.
func Describe(ctx context.Context, t Tools) Info {
	info := Info{
		CPU:       cpu(),
		Cores:     runtime.NumCPU(),
		MemoryGiB: memory(),
		OS:        osName(),
		Kernel:    readTrim("/proc/sys/kernel/osrelease"),
		Go:        runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH,
		LoadStart: LoadAverage(),
	}
	if t.NativeMpirun != "" {
		info.OpenMPI = firstLine(ctx, t.NativeMpirun, "--version")
	}
	if t.NativeMpicc != "" {
		info.NativeCC = firstLine(ctx, t.NativeMpicc, "--version")
	}
	if t.WasmCC != "" {
		info.WasmCC = firstLine(ctx, t.WasmCC, "--version")
	}
	return info
}

// LoadAverage returns the 1, 5 and 15 minute load averages from
// /proc/loadavg, or "".
func LoadAverage() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// cpuFields returns the first value of every key in /proc/cpuinfo.
func cpuFields() map[string]string {
	out := map[string]string{}
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return out
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		k = strings.TrimSpace(k)
		if !ok {
			continue
		}
		if _, seen := out[k]; !seen {
			out[k] = strings.TrimSpace(v)
		}
	}
	return out
}

func cpu() string {
	f := cpuFields()
	s := f["model name"]
	if s == "" {
		return runtime.GOARCH
	}
	var extra []string
	if f["cpu family"] != "" {
		extra = append(extra, "family "+f["cpu family"]+" model "+f["model"])
	}
	if mhz, err := strconv.ParseFloat(f["cpu MHz"], 64); err == nil {
		extra = append(extra, fmt.Sprintf("%.0f MHz", mhz))
	}
	if c := f["cache size"]; c != "" {
		extra = append(extra, c+" cache")
	}
	for _, flag := range []string{"avx512f", "avx2"} {
		if strings.Contains(" "+f["flags"]+" ", " "+flag+" ") {
			extra = append(extra, flag)
			break
		}
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func memory() float64 {
	for _, line := range strings.Split(readTrim("/proc/meminfo"), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				return 0
			}
			if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
				return float64(int(kb/(1<<20)*10+0.5)) / 10
			}
		}
	}
	return 0
}

func osName() string {
	for _, line := range strings.Split(readTrim("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			return strings.Trim(v, `"`)
		}
	}
	return runtime.GOOS
}

// firstLine runs a command and returns the first line of its output.
func firstLine(ctx context.Context, name string, args ...string) string {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil && len(out) == 0 {
		return ""
	}
	line, _, _ := bytes.Cut(bytes.TrimSpace(out), []byte("\n"))
	return string(line)
}
