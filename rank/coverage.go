package rank

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/wasmpi/wasmpi/rank/abi"
)

// Coverage status of one MPI function.
const (
	CoverageTested      = "implemented and tested"
	CoverageImplemented = "implemented"
	CoverageMissing     = "not supported"
)

var callPattern = regexp.MustCompile(`\b(P?MPI_[A-Za-z0-9_]+)\s*\(`)

// CoverageTable renders docs/mpi-coverage.md: every MPI-4.1 C function of
// the ABI table with its status. testSources are the C test programs; a
// function counts as tested when one of them calls it.
func CoverageTable(testSources []string) string {
	called := map[string]bool{}
	for _, src := range testSources {
		for _, m := range callPattern.FindAllStringSubmatch(src, -1) {
			called[strings.TrimPrefix(m[1], "P")] = true
		}
	}
	provided := map[string]bool{}
	for _, n := range ProvidedFunctions() {
		provided[n] = true
	}
	fs := abi.Functions()
	sort.Slice(fs, func(i, j int) bool { return fs[i].Name < fs[j].Name })
	counts := map[string]int{}
	var rows strings.Builder
	for _, f := range fs {
		status := CoverageMissing
		switch {
		case provided[f.Name] && called[f.Name]:
			status = CoverageTested
		case provided[f.Name]:
			status = CoverageImplemented
		}
		counts[status]++
		fmt.Fprintf(&rows, "| `%s` | %s |\n", f.Name, status)
	}
	var b strings.Builder
	b.WriteString("# MPI function coverage\n\n")
	b.WriteString("Generated from the ABI table (`rank/abi`), the functions the runtime registers\n")
	b.WriteString("and the C test programs in `rank/testdata`; do not edit. Regenerate with\n")
	b.WriteString("`go test ./rank -run TestCoverageTable -update`.\n\n")
	fmt.Fprintf(&b, "Of %d MPI-4.1 C functions: %d implemented and tested, %d implemented, %d not supported.\n",
		len(fs), counts[CoverageTested], counts[CoverageImplemented], counts[CoverageMissing])
	b.WriteString("A program that calls a function that is not supported is refused before any rank\nstarts, with the list of the missing functions.\n\n")
	b.WriteString("| function | status |\n|---|---|\n")
	b.WriteString(rows.String())
	return b.String()
}
