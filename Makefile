# wasmpi — see README.md. Every target needs only Go, except `examples`,
# `test` and `toolchain`, which need Debian's wasm toolchain (installed by
# `make toolchain`, which `make test` runs first).

GO ?= go
EXAMPLES := hello pi ring heat
NP ?= 4

.PHONY: demo examples test toolchain bench clean

demo:
	$(GO) run ./mpirun -np $(NP) examples/hello.wasm
	$(GO) run ./mpirun -np $(NP) examples/pi.wasm
	$(GO) run ./mpirun -np $(NP) examples/ring.wasm
	$(GO) run ./mpirun -np $(NP) examples/heat.wasm 128

examples: $(EXAMPLES:%=examples/%.wasm)

examples/%.wasm: examples/%.c
	$(GO) run ./mpirun/mpicc -o $@ $<

toolchain:
	./scripts/install-toolchain.sh

test: toolchain
	$(GO) vet ./...
	$(GO) test -count=1 ./...
	$(GO) test -count=1 -race ./comm/... ./collective/... ./rank/ ./openmp/...

bench:
	$(GO) run ./benchmarks --results-md

clean:
	$(GO) clean -testcache
