package rank

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

const hostModuleName = "mpi"

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
	f64 = api.ValueTypeF64
)

// mpiFunc is one host function of the "mpi" module. Every MPI function
// returns an int error code except MPI_Wtime and MPI_Wtick (float) and
// MPI_Aint_add and MPI_Aint_diff (value).
type mpiFunc struct {
	name   string
	params []api.ValueType
	// fn does the work; its error goes through the error handler of the
	// communicator the call names (MPI_COMM_WORLD's otherwise).
	fn func(c *call) error
	// float, if set, replaces fn for functions that return a double.
	float func(c *call) float64
	// value, if set, replaces fn for functions that return an int-sized
	// value rather than an error code (MPI_Aint_add, MPI_Aint_diff).
	value func(c *call) uint32
	// beforeInit marks functions that may be called before MPI_Init and
	// after MPI_Finalize.
	beforeInit bool
	// countAware marks functions that read every count array and count
	// result through the width-aware accessors (countArray, putCountArg,
	// getCountArg in bigcount.go), so that their large-count _c variant,
	// whose arrays and results are MPI_Counts, is derived from them.
	countAware bool
	// reuseCall marks functions whose work keeps no reference to the call
	// after it returns (no closure or goroutine captures it), so the call
	// record can be recycled instead of allocated: the point-to-point hot
	// path (mpi_p2p.go).
	reuseCall bool
}

// call is the state of one MPI call while it runs.
type call struct {
	ctx   context.Context
	r     *rankState
	name  string
	stack []uint64
	mem   api.Memory
	// mod is the calling instance (the rank's, or one of its OpenMP
	// threads'): guest callbacks run in it (guestcall.go).
	mod api.Module
	// errComm is the communicator whose error handler applies.
	errComm *commState
	// wide has bit i set when argument i points to 8-byte MPI_Counts where
	// the base function has 4-byte values: the call is a large-count _c
	// variant (bigcount.go).
	wide uint64
	// largeCount is set in every large-count _c variant.
	largeCount bool
}

// mpiFunctions is the table of everything the host module provides.
func mpiFunctions() []mpiFunc {
	var fs []mpiFunc
	fs = append(fs, envFunctions()...)
	fs = append(fs, p2pFunctions()...)
	fs = append(fs, collectiveFunctions()...)
	fs = append(fs, typeFunctions()...)
	fs = append(fs, commFunctions()...)
	fs = append(fs, groupFunctions()...)
	fs = append(fs, icollFunctions()...)
	fs = append(fs, topoFunctions()...)
	// user-defined ops, attributes, info, error handlers; withHooks wraps
	// functions above for user ops and attribute copy/delete (guestcall.go)
	fs = append(fs, opFunctions()...)
	fs = append(fs, attrFunctions()...)
	fs = append(fs, infoFunctions()...)
	fs = append(fs, errhFunctions()...)
	fs = append(fs, winFunctions()...)     // one-sided communication (mpi_win.go)
	fs = append(fs, miscFunctions()...)    // status accessors, handle conversions, ... (mpi_misc.go)
	fs = append(fs, sessionFunctions()...) // MPI-4 sessions (mpi_session.go)
	fs = append(fs, partFunctions()...)    // partitioned communication (mpi_part.go)
	fs = append(fs, isendrecvFunctions()...)
	fs = withHooks(fs)
	// the large-count _c variants of everything above (bigcount.go)
	return append(fs, largeCountVariants(fs)...)
}

// providedNames is the set of MPI names (without PMPI_ twins) the host
// module exports.
var providedNames = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, f := range mpiFunctions() {
		m[f.name] = true
	}
	return m
})

// providesMPI reports whether the host module exports name (MPI_ or PMPI_).
func providesMPI(name string) bool {
	if len(name) > 5 && name[:5] == "PMPI_" {
		name = name[1:]
	}
	return providedNames()[name]
}

// ProvidedFunctions lists the MPI functions the runtime implements, sorted.
func ProvidedFunctions() []string {
	var out []string
	for n := range providedNames() {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

func instantiateHostModule(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder(hostModuleName)
	for _, f := range mpiFunctions() {
		results := []api.ValueType{i32}
		if f.float != nil {
			results = []api.ValueType{f64}
		}
		gf := f.goFunc()
		b.NewFunctionBuilder().WithGoModuleFunction(gf, f.params, results).WithName(f.name).Export(f.name)
		b.NewFunctionBuilder().WithGoModuleFunction(gf, f.params, results).WithName("P" + f.name).Export("P" + f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}

func (f mpiFunc) goFunc() api.GoModuleFunc {
	return func(ctx context.Context, mod api.Module, stack []uint64) {
		r := rankFrom(ctx)
		var c *call
		if f.reuseCall {
			// One spare record per rank; a nested or concurrent call
			// finds the slot empty and allocates its own.
			c = r.spareCall.Swap(nil)
		}
		if c == nil {
			c = new(call)
		}
		*c = call{ctx: ctx, r: r, name: f.name, stack: stack, mem: mod.Memory(), mod: mod}
		// Not restored when the call unwinds the rank: the report then
		// names the call it was stopped in.
		prev := r.activity.Swap(&f.name)
		if r.job.world.Context().Err() != nil {
			r.stopForJob()
		}
		switch {
		case f.float != nil:
			stack[0] = math.Float64bits(f.float(c))
		case f.value != nil:
			stack[0] = uint64(f.value(c))
		default:
			var err error
			if !f.beforeInit && !r.mpiActive() {
				if r.finalized.Load() {
					err = comm.Errorf(comm.ErrOther, "called after MPI_Finalize")
				} else {
					err = comm.Errorf(comm.ErrOther, "called before MPI_Init (or with no MPI session open)")
				}
			} else {
				err = f.fn(c)
			}
			stack[0] = uint64(uint32(c.result(err)))
		}
		r.activity.Store(prev)
		if f.reuseCall {
			*c = call{}
			r.spareCall.Store(c)
		}
	}
}

// stopForJob unwinds the rank because the job is ending.
func (r *rankState) stopForJob() {
	panic(&rankStop{code: 1, byJob: true})
}

// result turns an error into the code returned to the guest, applying the
// error handler: with MPI_ERRORS_ARE_FATAL (the default) the job stops.
func (c *call) result(err error) int32 {
	if err == nil {
		return 0
	}
	if c.r.job.world.Context().Err() != nil {
		// The job is ending (another rank failed, an abort, a cancel or
		// a timeout): whatever this call saw is a consequence.
		c.r.stopForJob()
	}
	code := errorCodeOf(err)
	switch eh := c.errorHandler(); {
	case eh == abi.ErrorsReturn:
		return code
	case isErrhHandle(eh):
		// A user-defined handler (mpi_errh.go): call it, then return the
		// code.
		h := abi.CommSelf
		if c.errComm != nil {
			h = c.errComm.handle
		}
		c.invokeErrhandler(eh, h, code)
		return code
	}
	e := err
	if msg := err.Error(); !strings.HasPrefix(msg, c.name+":") {
		e = fmt.Errorf("%s: %w", c.name, err)
	}
	c.r.job.fail(c.r.rank, int(code), e)
	panic(&rankStop{code: int(code), err: e})
}

// errorHandler is the handler that applies to this call: the handler of
// the communicator it names (or whose request it completes), and for calls
// tied to no communicator MPI_COMM_SELF's, as MPI-4 specifies.
func (c *call) errorHandler() uint32 {
	c.r.mu.Lock()
	defer c.r.mu.Unlock()
	if cs := c.errComm; cs != nil {
		return cs.errhandler
	}
	if ss := c.r.comms[abi.CommSelf]; ss != nil {
		return ss.errhandler
	}
	return abi.ErrorsAreFatal
}

// Argument access. Guest values arrive as uint64 stack slots.

func (c *call) u32(i int) uint32 { return uint32(c.stack[i]) }
func (c *call) int(i int) int    { return int(int32(uint32(c.stack[i]))) }
func (c *call) i64(i int) int64  { return int64(c.stack[i]) }

// view returns n bytes of guest memory at ptr without copying. A NULL
// pointer is fine for an empty range.
func (c *call) view(ptr uint32, n int, what string) ([]byte, error) {
	if n < 0 {
		return nil, comm.Errorf(comm.ErrCount, "negative size %d for %s", n, what)
	}
	if n == 0 {
		return []byte{}, nil
	}
	if ptr == 0 {
		return nil, comm.Errorf(comm.ErrBuffer, "%s is a NULL pointer", what)
	}
	b, ok := c.mem.Read(ptr, uint32(n))
	if !ok || uint64(ptr)+uint64(n) > uint64(c.mem.Size()) {
		return nil, comm.Errorf(comm.ErrBuffer, "%s [%#x, +%d bytes) is outside the rank's memory (%d bytes)", what, ptr, n, c.mem.Size())
	}
	return b, nil
}

// out checks an output pointer of size bytes.
func (c *call) out(ptr uint32, size int, what string) ([]byte, error) {
	if ptr == 0 {
		return nil, comm.Errorf(comm.ErrArg, "%s is a NULL pointer", what)
	}
	return c.view(ptr, size, what)
}

func (c *call) putI32(ptr uint32, v int32, what string) error {
	if _, err := c.out(ptr, 4, what); err != nil {
		return err
	}
	c.mem.WriteUint32Le(ptr, uint32(v))
	return nil
}

func (c *call) putI64(ptr uint32, v int64, what string) error {
	if _, err := c.out(ptr, 8, what); err != nil {
		return err
	}
	c.mem.WriteUint64Le(ptr, uint64(v))
	return nil
}

func (c *call) getI32(ptr uint32, what string) (int32, error) {
	if _, err := c.out(ptr, 4, what); err != nil {
		return 0, err
	}
	v, _ := c.mem.ReadUint32Le(ptr)
	return int32(v), nil
}

// putString writes s NUL-terminated into a buffer of max bytes and its
// length into lenPtr.
func (c *call) putString(ptr uint32, max int, lenPtr uint32, s string, what string) error {
	if len(s) > max-1 {
		s = s[:max-1]
	}
	b, err := c.out(ptr, len(s)+1, what)
	if err != nil {
		return err
	}
	copy(b, s)
	b[len(s)] = 0
	if lenPtr != 0 {
		return c.putI32(lenPtr, int32(len(s)), what+" length")
	}
	return nil
}

// comm resolves a communicator handle and makes its error handler the one
// that applies to this call.
func (c *call) comm(h uint32) (*commState, error) {
	c.r.mu.Lock()
	cs, ic := c.r.comms[h], c.r.inter[h]
	c.r.mu.Unlock()
	if cs == nil {
		if h == abi.CommNull {
			return nil, comm.Errorf(comm.ErrComm, "MPI_COMM_NULL is not a valid communicator here")
		}
		return nil, comm.Errorf(comm.ErrComm, "invalid communicator handle %s", describeHandle(h, "communicator"))
	}
	c.errComm = cs
	if ic != nil {
		// Intercommunicators: see interView (mpi_comm.go).
		return c.interView(cs, ic)
	}
	return cs, nil
}

// datatype resolves a datatype handle: a predefined datatype or a derived
// one of this rank (rank/types.go).
func (c *call) datatype(h uint32) (*dtype, error) {
	if d := predefinedType(h); d != nil {
		return d, nil
	}
	if h == abi.DatatypeNull {
		return nil, comm.Errorf(comm.ErrType, "MPI_DATATYPE_NULL is not a valid datatype here")
	}
	if name := abi.DatatypeName(h); name != "" {
		return nil, comm.Errorf(comm.ErrType, "datatype %s is not supported yet", name)
	}
	if d := c.r.types.lookup(h); d != nil {
		return d, nil
	}
	return nil, comm.Errorf(comm.ErrType, "invalid datatype handle %#x", h)
}

// buffer resolves (ptr, count, datatype) into the bytes of the data in
// type-map order: a view of guest memory when they are contiguous (always
// for predefined types), else a host copy packed from guest memory, which
// the caller unpacks with the returned typedBuf once the operation has
// written into it (see rank/types.go). A derived datatype must be
// committed.
func (c *call) buffer(ptr uint32, count int, dt uint32, what string) ([]byte, typedBuf, error) {
	d, err := c.datatype(dt)
	if err != nil {
		return nil, typedBuf{}, err
	}
	return c.typedData(ptr, count, d, true, what)
}

// peer converts a guest rank argument (which may be a wildcard or
// MPI_PROC_NULL) to comm's numbering.
func peer(v int) int {
	switch int32(v) {
	case abi.AnySource:
		return comm.AnySource
	case abi.ProcNull:
		return comm.ProcNull
	}
	if v < 0 {
		// Keep it invalid: comm rejects negative ranks with MPI_ERR_RANK.
		return math.MinInt32
	}
	return v
}

func tagIn(v int) int {
	if int32(v) == abi.AnyTag {
		return comm.AnyTag
	}
	if v < 0 {
		return math.MinInt32
	}
	return v
}

func rankOut(v int) int32 {
	switch v {
	case comm.AnySource:
		return abi.AnySource
	case comm.ProcNull:
		return abi.ProcNull
	}
	return int32(v)
}

func tagOut(v int) int32 {
	if v == comm.AnyTag {
		return abi.AnyTag
	}
	return int32(v)
}

// Status layout: MPI_SOURCE, MPI_TAG, MPI_ERROR, then five internal ints:
// the byte count (low, high), the cancelled flag, and two unused.
const (
	statusSource    = 0
	statusTag       = 4
	statusError     = 8
	statusCountLo   = 12
	statusCountHi   = 16
	statusCancelled = 20
)

// putStatus writes st to the guest status at ptr (nothing for
// MPI_STATUS_IGNORE). setError also fills MPI_ERROR, which the standard
// only does for the multiple-completion calls.
func (c *call) putStatus(ptr uint32, st comm.Status, setError bool) error {
	if ptr == 0 {
		return nil
	}
	b, err := c.view(ptr, abi.StatusSize, "status")
	if err != nil {
		return err
	}
	_ = b
	c.mem.WriteUint32Le(ptr+statusSource, uint32(rankOut(st.Source)))
	c.mem.WriteUint32Le(ptr+statusTag, uint32(tagOut(st.Tag)))
	if setError {
		c.mem.WriteUint32Le(ptr+statusError, uint32(abi.ErrorCode(comm.ClassOf(st.Err))))
	}
	c.mem.WriteUint64Le(ptr+statusCountLo, uint64(st.Bytes))
	cancelled := uint32(0)
	if st.Cancelled {
		cancelled = 1
	}
	c.mem.WriteUint32Le(ptr+statusCancelled, cancelled)
	return nil
}

func params(n int) []api.ValueType {
	p := make([]api.ValueType, n)
	for i := range p {
		p[i] = i32
	}
	return p
}
