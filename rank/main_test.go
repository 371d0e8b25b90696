package rank_test

import (
	"os"
	"testing"

	"github.com/wasmpi/wasmpi/rank"
)

// TestMain runs the tests the way mpirun runs jobs: without Go's
// asynchronous preemption (see rank.AsyncPreemptSetting).
func TestMain(m *testing.M) {
	rank.ReexecWithoutAsyncPreemption()
	if !rank.AsyncPreemptOff() {
		panic("cannot run the tests with " + rank.AsyncPreemptSetting)
	}
	os.Exit(m.Run())
}
