package abi

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// clangWasm finds clang-16 and the flags that make it compile for wasm32
// against the generated header in dir. It skips the test without clang-16.
func clangWasm(t *testing.T, dir string) (string, []string) {
	t.Helper()
	clang, err := exec.LookPath("clang-16")
	if err != nil {
		t.Skip("clang-16 is not on PATH; cannot check that mpi.h compiles for wasm32")
	}
	flags := []string{"--target=wasm32-wasi", "-nostdinc"}
	res, err := exec.Command(clang, "-print-resource-dir").Output()
	if err != nil {
		t.Fatalf("clang-16 -print-resource-dir: %v", err)
	}
	flags = append(flags, "-isystem", filepath.Join(strings.TrimSpace(string(res)), "include"))
	if st, err := os.Stat("/usr/include/wasm32-wasi"); err == nil && st.IsDir() {
		flags = append(flags, "-isystem", "/usr/include/wasm32-wasi")
	} else {
		// Without wasi-libc the compiler's own stdint.h/stddef.h suffice.
		flags = append(flags, "-ffreestanding")
	}
	flags = append(flags, "-I", dir, "-Wall", "-Wextra", "-pedantic", "-Werror", "-fsyntax-only")
	return clang, flags
}

func writeHeader(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mpi.h"), []byte(HeaderC()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// useC declares everything before the first statement, so it is valid C89.
const useC = `#include <mpi.h>
#include <stddef.h>

typedef char status_is_32_bytes[sizeof(MPI_Status) == 32 ? 1 : -1];
typedef char status_error_at_8[offsetof(MPI_Status, MPI_ERROR) == 8 ? 1 : -1];
typedef char aint_is_4_bytes[sizeof(MPI_Aint) == 4 ? 1 : -1];
typedef char count_is_8_bytes[sizeof(MPI_Count) == 8 ? 1 : -1];
typedef char offset_is_8_bytes[sizeof(MPI_Offset) == 8 ? 1 : -1];
typedef char handle_is_4_bytes[sizeof(MPI_Comm) == 4 ? 1 : -1];
typedef char fint_is_4_bytes[sizeof(MPI_Fint) == 4 ? 1 : -1];

static void reduce_fn(void *in, void *inout, int *len, MPI_Datatype *dt) {
    (void)in; (void)inout; (void)len; (void)dt;
}

int main(int argc, char **argv) {
    int x = 1, rank = 0;
    double t;
    MPI_Status st;
    MPI_Op op;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
    PMPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_SELF, &st);
    MPI_Allreduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    MPI_Op_create(reduce_fn, 1, &op);
    MPI_Pcontrol(1, 2, 3);
    t = MPI_Wtime() + MPI_Wtick();
    (void)MPI_Comm_c2f(MPI_COMM_WORLD);
    (void)MPI_Aint_add((MPI_Aint)0, 4);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    return (int)t + st.MPI_SOURCE + MPI_Finalize();
}
`

const useCxx = `#include <mpi.h>
#include <stddef.h>

static_assert(sizeof(MPI_Status) == 32, "MPI_Status is 32 bytes");
static_assert(sizeof(MPI_Aint) == 4, "MPI_Aint is 4 bytes");
static_assert(sizeof(MPI_Count) == 8, "MPI_Count is 8 bytes");
static_assert(sizeof(MPI_Offset) == 8, "MPI_Offset is 8 bytes");
static_assert(MPI_ANY_SOURCE < 0 && MPI_PROC_NULL < 0, "negative sentinels");

int main(int argc, char **argv) {
    MPI_Init(&argc, &argv);
    int x = 1;
    MPI_Status st;
    MPI_Send(&x, 1, MPI_INT, 0, 0, MPI_COMM_WORLD);
    PMPI_Send(&x, 1, MPI_DOUBLE, 0, 0, MPI_COMM_WORLD);
    MPI_Recv(&x, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Reduce(MPI_IN_PLACE, &x, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    MPI_Comm c = MPI_COMM_NULL;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    return st.MPI_TAG + MPI_Finalize();
}
`

func runClang(t *testing.T, clang string, args []string, name, src string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(clang, append(args, file)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s:\n%s", clang, strings.Join(cmd.Args[1:], " "), out)
	}
}

func TestHeaderCompilesC(t *testing.T) {
	dir := writeHeader(t)
	clang, flags := clangWasm(t, dir)
	for _, std := range []string{"c89", "c99", "c11", "c17"} {
		t.Run(std, func(t *testing.T) {
			runClang(t, clang, append(append([]string{}, flags...), "-std="+std), "use.c", useC)
		})
	}
}

func TestHeaderCompilesCxx(t *testing.T) {
	dir := writeHeader(t)
	clang, flags := clangWasm(t, dir)
	for _, std := range []string{"c++11", "c++17"} {
		t.Run(std, func(t *testing.T) {
			runClang(t, clang, append(append([]string{}, flags...), "-x", "c++", "-std="+std), "use.cc", useCxx)
		})
	}
}

// TestHeaderValues has the C compiler check every #define of the header
// against the number the Go tables hold for it.
func TestHeaderValues(t *testing.T) {
	dir := writeHeader(t)
	clang, flags := clangWasm(t, dir)
	var b strings.Builder
	b.WriteString("#include <mpi.h>\n")
	for _, g := range allGroups() {
		for _, d := range g.defs {
			fmt.Fprintf(&b, "_Static_assert((long long)(intptr_t)(%s) == %dLL, %q);\n", d.name, d.num, d.name)
		}
	}
	// MPI_DISPLACEMENT_CURRENT is an MPI_Offset, not a pointer; the cast
	// through intptr_t above keeps its value on wasm32 as well.
	flags = append(flags, "-std=c11", "-Wno-pedantic")
	runClang(t, clang, flags, "values.c", b.String())
}
