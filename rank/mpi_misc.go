package rank

import (
	"strconv"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Status accessors, handle conversions, the hardware description and the
// removal of program-defined error codes.

// statusArg checks that ptr is a whole status (not MPI_STATUS_IGNORE).
func (c *call) statusArg(ptr uint32) error {
	_, err := c.out(ptr, abi.StatusSize, "status")
	return err
}

// statusGetFunc is MPI_Status_get_<what>: field at off of the status in
// argument 0, written to the int argument 1.
func statusGetFunc(name string, off uint32, what string) mpiFunc {
	return mpiFunc{name: name, params: params(2), beforeInit: true, fn: func(c *call) error {
		if err := c.statusArg(c.u32(0)); err != nil {
			return err
		}
		v, _ := c.mem.ReadUint32Le(c.u32(0) + off)
		return c.putI32(c.u32(1), int32(v), what)
	}}
}

// statusSetFunc is MPI_Status_set_<field>: the int argument 1 stored at
// off.
func statusSetFunc(name string, off uint32) mpiFunc {
	return mpiFunc{name: name, params: params(2), beforeInit: true, fn: func(c *call) error {
		if err := c.statusArg(c.u32(0)); err != nil {
			return err
		}
		c.mem.WriteUint32Le(c.u32(0)+off, c.u32(1))
		return nil
	}}
}

// setStatusElements makes the status describe n basic elements of
// datatype dt: MPI_Get_elements with dt then returns n (and MPI_Get_count
// the whole elements of dt, if n is a multiple).
func (c *call) setStatusElements(sp, dt uint32, n int64) error {
	if err := c.statusArg(sp); err != nil {
		return err
	}
	d, err := c.datatype(dt)
	if err != nil {
		return err
	}
	if n < 0 {
		return comm.Errorf(comm.ErrCount, "negative element count %d", n)
	}
	if err := d.tm.Flatten(); err != nil {
		return err
	}
	bytes := d.tm.ElementBytes(n)
	if bytes < 0 {
		return comm.Errorf(comm.ErrType, "the datatype has no basic elements, so it cannot describe %d of them", n)
	}
	c.mem.WriteUint64Le(sp+statusCountLo, uint64(bytes))
	return nil
}

// handleKinds are the handle types with MPI_<Kind>_c2f / _f2c. A Fortran
// handle (MPI_Fint) of this implementation is the C handle's value: every
// handle is a 32-bit number on wasm32, predefined ones included.
var handleKinds = []string{"Comm", "Errhandler", "Group", "Info", "Message", "Op", "Request", "Session", "Type", "Win"}

func miscFunctions() []mpiFunc {
	fs := []mpiFunc{
		statusGetFunc("MPI_Status_get_source", statusSource, "source"),
		statusGetFunc("MPI_Status_get_tag", statusTag, "tag"),
		statusGetFunc("MPI_Status_get_error", statusError, "error"),
		statusSetFunc("MPI_Status_set_source", statusSource),
		statusSetFunc("MPI_Status_set_tag", statusTag),
		statusSetFunc("MPI_Status_set_error", statusError),
		// any nonzero flag means cancelled, as for a C boolean
		statusSetFunc("MPI_Status_set_cancelled", statusCancelled),
		{name: "MPI_Status_set_elements", params: params(3), beforeInit: true, fn: func(c *call) error {
			return c.setStatusElements(c.u32(0), c.u32(1), int64(c.int(2)))
		}},
		{name: "MPI_Status_set_elements_x", params: []api.ValueType{i32, i32, i64}, beforeInit: true, fn: func(c *call) error {
			return c.setStatusElements(c.u32(0), c.u32(1), c.i64(2))
		}},
		{name: "MPI_Status_c2f", params: params(2), beforeInit: true, fn: func(c *call) error {
			return c.copyStatus(c.u32(0), c.u32(1), "c_status", "f_status")
		}},
		{name: "MPI_Status_f2c", params: params(2), beforeInit: true, fn: func(c *call) error {
			return c.copyStatus(c.u32(0), c.u32(1), "f_status", "c_status")
		}},
		{name: "MPI_Get_hw_resource_info", params: params(1), fn: func(c *call) error {
			o := newInfo()
			o.set("wasmpi_hw_arch", "wasm32")
			o.set("wasmpi_hw_host", c.r.job.hostname())
			o.set("wasmpi_hw_processors", strconv.Itoa(hostProcs()))
			o.set("wasmpi_hw_ranks_on_host", strconv.Itoa(c.r.job.world.Size()))
			return c.addInfo(o, c.u32(0))
		}},
		{name: "MPI_Remove_error_class", params: params(1), beforeInit: true, fn: func(c *call) error {
			return c.removeError(int32(c.int(0)), true)
		}},
		{name: "MPI_Remove_error_code", params: params(1), beforeInit: true, fn: func(c *call) error {
			return c.removeError(int32(c.int(0)), false)
		}},
		{name: "MPI_Remove_error_string", params: params(1), beforeInit: true, fn: func(c *call) error {
			code := int32(c.int(0))
			x := &c.r.ext
			x.mu.Lock()
			defer x.mu.Unlock()
			if _, ok := x.errStrings[code]; !ok {
				return comm.Errorf(comm.ErrArg, "error code %d has no string set by MPI_Add_error_string", code)
			}
			delete(x.errStrings, code)
			return nil
		}},
	}
	for _, k := range handleKinds {
		identity := func(c *call) uint32 { return c.u32(0) }
		fs = append(fs,
			mpiFunc{name: "MPI_" + k + "_c2f", params: params(1), beforeInit: true, value: identity},
			mpiFunc{name: "MPI_" + k + "_f2c", params: params(1), beforeInit: true, value: identity})
	}
	return fs
}

// copyStatus copies a whole status between the C and the Fortran form,
// which are the same eight ints (MPI_F_STATUS_SIZE).
func (c *call) copyStatus(from, to uint32, fromWhat, toWhat string) error {
	src, err := c.out(from, abi.StatusSize, fromWhat)
	if err != nil {
		return err
	}
	dst, err := c.out(to, abi.StatusSize, toWhat)
	if err != nil {
		return err
	}
	copy(dst, src)
	return nil
}

// removeError removes an error class (class true) or code the program
// added. A class still used by codes other than itself cannot go, nor can
// a predefined class or code. MPI_LASTUSEDCODE keeps its value.
func (c *call) removeError(code int32, class bool) error {
	x := &c.r.ext
	x.mu.Lock()
	defer x.mu.Unlock()
	cl, ok := x.errCodes[code]
	switch {
	case !ok && class:
		return comm.Errorf(comm.ErrArg, "%d is not an error class added by MPI_Add_error_class", code)
	case !ok:
		return comm.Errorf(comm.ErrArg, "%d is not an error code added by MPI_Add_error_code", code)
	case class && cl != code:
		return comm.Errorf(comm.ErrArg, "%d is an error code, not a class (use MPI_Remove_error_code)", code)
	case !class && cl == code:
		return comm.Errorf(comm.ErrArg, "%d is an error class, not a code (use MPI_Remove_error_class)", code)
	}
	if class {
		for other, ocl := range x.errCodes {
			if ocl == code && other != code {
				return comm.Errorf(comm.ErrArg, "error class %d still has error code %d (remove the codes first)", code, other)
			}
		}
	}
	delete(x.errCodes, code)
	delete(x.errStrings, code)
	return nil
}
