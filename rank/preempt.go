package rank

import (
	"os"
	"strings"
	"syscall"
)

// AsyncPreemptSetting is the GODEBUG setting every process that runs
// ranks needs. With Go's signal-based asynchronous preemption on, jobs
// whose OpenMP threads outnumber the cores corrupted memory (seen as
// crashes inside wazero's compiler in later jobs, and as traps in guest
// code), reproducibly within ~60 runs; with it off, never. Guest code is
// not preemptible by the signal anyway, and every loop of ours calls into
// the scheduler, so nothing is lost.
const AsyncPreemptSetting = "asyncpreemptoff=1"

// AsyncPreemptOff reports whether the process runs with AsyncPreemptSetting.
func AsyncPreemptOff() bool {
	for _, s := range strings.Split(os.Getenv("GODEBUG"), ",") {
		if strings.TrimSpace(s) == AsyncPreemptSetting {
			return true
		}
	}
	return false
}

// ReexecWithoutAsyncPreemption replaces the process by itself with
// AsyncPreemptSetting added to GODEBUG, unless it already has it. Call it
// first thing in main (or TestMain). It returns only when nothing needed
// doing or the re-exec failed (then the process goes on as it is).
func ReexecWithoutAsyncPreemption() {
	if AsyncPreemptOff() {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	godebug := AsyncPreemptSetting
	if old := os.Getenv("GODEBUG"); old != "" {
		godebug = old + "," + AsyncPreemptSetting
	}
	env := append(os.Environ(), "GODEBUG="+godebug)
	_ = syscall.Exec(exe, os.Args, env)
}
