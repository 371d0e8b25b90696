package rank_test

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/wasmpi/wasmpi/rank"
	"github.com/wasmpi/wasmpi/rank/abi"
)

var update = flag.Bool("update", false, "rewrite generated files")

const coverageFile = "../docs/mpi-coverage.md"

func TestCoverageTable(t *testing.T) {
	files, err := filepath.Glob("testdata/*.c")
	if err != nil || len(files) == 0 {
		t.Fatalf("no test programs: %v", err)
	}
	var srcs []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(b))
	}
	want := rank.CoverageTable(srcs)
	if *update {
		if err := os.WriteFile(coverageFile, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(coverageFile)
	if err != nil || string(got) != want {
		t.Fatalf("%s is stale: run go test ./rank -run TestCoverageTable -update", coverageFile)
	}
}

// Every function the runtime registers is part of the ABI table, so the
// header declares it.
func TestProvidedFunctionsAreInTheABI(t *testing.T) {
	for _, n := range rank.ProvidedFunctions() {
		if _, ok := abi.LookupFunction(n); !ok {
			t.Errorf("%s is registered but not in the ABI table", n)
		}
	}
}
