package rank

import (
	"fmt"

	"github.com/tetratelabs/wazero/experimental"
	"golang.org/x/sys/unix"
)

const wasmPageSize = 65536

// reservedMemory is a linear memory whose address range is reserved at the
// maximum size when it is created. Growing it commits more of the range, so
// its base address never changes and views handed to other goroutines stay
// valid. Untouched pages cost no physical memory.
type reservedMemory struct {
	mapping []byte // the whole reservation
	size    uint64 // bytes currently usable
	// pinned memories are shared by several instances (OpenMP threads):
	// wazero frees the memory of whichever instance closes first, even an
	// importing one, so Free leaves them mapped and their owner calls
	// release once no instance can touch them.
	pinned bool
}

// memoryAllocator implements experimental.MemoryAllocator with reservedMemory.
type memoryAllocator struct{}

func (memoryAllocator) Allocate(cap, max uint64) experimental.LinearMemory {
	if max == 0 {
		max = wasmPageSize
	}
	b, err := unix.Mmap(-1, 0, int(max), unix.PROT_NONE, unix.MAP_PRIVATE|unix.MAP_ANON|unix.MAP_NORESERVE)
	if err != nil {
		// wazero treats a nil buffer from Reallocate as a failed grow; a
		// failed reservation surfaces the same way on first use.
		return &reservedMemory{}
	}
	return &reservedMemory{mapping: b}
}

func (m *reservedMemory) Reallocate(size uint64) []byte {
	if size > uint64(len(m.mapping)) {
		return nil
	}
	if size > m.size {
		// Commit whole host pages; wasm pages are 64 KiB multiples anyway.
		if err := unix.Mprotect(m.mapping[m.size:size], unix.PROT_READ|unix.PROT_WRITE); err != nil {
			return nil
		}
		m.size = size
	}
	return m.mapping[:size:size]
}

func (m *reservedMemory) Free() {
	if m.pinned {
		return
	}
	m.release()
}

// release gives the memory's pages back to the kernel but keeps the
// address range reserved for the life of the process. Unmapping it would
// let Go's heap or another mapping reuse the range, and a late write from
// a goroutine that still held a view (a delivery racing with a failing
// rank, an OpenMP worker) would then corrupt unrelated memory: that was
// seen as crashes inside wazero's compiler in later jobs of the same test
// process. A stale write now lands in a zero page nobody reads. The cost is
// address space only (no RSS), and mpirun runs one job per process.
func (m *reservedMemory) release() {
	if m.mapping != nil {
		_ = unix.Madvise(m.mapping, unix.MADV_DONTNEED)
		m.mapping = nil
		m.size = 0
	}
}

// pinnedAllocator allocates pinned memories and remembers the last one.
type pinnedAllocator struct {
	mem *reservedMemory
}

func (a *pinnedAllocator) Allocate(cap, max uint64) experimental.LinearMemory {
	m := memoryAllocator{}.Allocate(cap, max).(*reservedMemory)
	m.pinned = true
	a.mem = m
	return m
}

func (m *reservedMemory) String() string {
	return fmt.Sprintf("reserved memory %d/%d bytes", m.size, len(m.mapping))
}
