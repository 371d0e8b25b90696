package collective

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/wasmpi/wasmpi/comm"
)

// BenchmarkShared compares the shared-memory algorithms with the
// message-based ones, alone (no wasm): n rank goroutines run b.N calls of
// one collective; ns/op is the time of one call. Compare the two paths
// within one run: the machine's load moves both.
func BenchmarkShared(b *testing.B) {
	type coll struct {
		name string
		fn   func(ctx context.Context, c *comm.Comm, in, out []byte) error
	}
	colls := []coll{
		{"barrier", func(ctx context.Context, c *comm.Comm, _, _ []byte) error { return Barrier(ctx, c) }},
		{"bcast", func(ctx context.Context, c *comm.Comm, _, out []byte) error { return Bcast(ctx, c, out, 0) }},
		{"allreduce", func(ctx context.Context, c *comm.Comm, in, out []byte) error {
			return Allreduce(ctx, c, in, out, comm.TypeDouble, OpSum)
		}},
		{"reduce", func(ctx context.Context, c *comm.Comm, in, out []byte) error {
			return Reduce(ctx, c, in, out, comm.TypeDouble, OpSum, 0)
		}},
	}
	for _, co := range colls {
		for _, n := range []int{2, 4, 8} {
			for _, size := range []int{8, 1 << 20} {
				if co.name == "barrier" && size > 8 {
					continue
				}
				for _, shared := range []bool{false, true} {
					path := "messages"
					if shared {
						path = "shared"
					}
					b.Run(fmt.Sprintf("%s/ranks=%d/size=%d/%s", co.name, n, size, path), func(b *testing.B) {
						benchColl(b, n, size, shared, co.fn)
					})
				}
			}
		}
	}
}

func benchColl(b *testing.B, n, size int, shared bool, fn func(ctx context.Context, c *comm.Comm, in, out []byte) error) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	w, err := comm.NewWorld(ctx, n)
	if err != nil {
		b.Fatal(err)
	}
	if shared {
		ctx = WithShared(ctx, &Shared{})
	}
	ranks := identity(n)
	b.SetBytes(int64(size))
	b.ResetTimer()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for r := 0; r < n; r++ {
		c, err := w.Comm(r, 0, ranks)
		if err != nil {
			b.Fatal(err)
		}
		in, out := make([]byte, size), make([]byte, size)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < b.N; i++ {
				if err := fn(ctx, c, in, out); err != nil {
					errs[r] = err
					w.Stop(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for r, err := range errs {
		if err != nil {
			b.Fatalf("rank %d: %v", r, err)
		}
	}
}
