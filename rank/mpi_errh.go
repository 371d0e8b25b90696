package rank

import (
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// User-defined error handlers, error classes and codes added by the
// program, MPI_Alloc_mem / MPI_Free_mem and MPI_Pcontrol.
//
// A user error handler is a guest function void fn(MPI_Comm *comm, int
// *error_code, ...). When an MPI call fails and the communicator it names
// (MPI_COMM_SELF's for calls tied to none) has such a handler, call.result
// calls it with the communicator and the error code in guest scratch
// memory, then the MPI call returns the code. The handler may be declared
// with or without the "..." (the wasm signatures differ); both are
// accepted.
//
// Error classes and codes the program adds are numbered from
// MPI_ERR_LASTCODE+1 up; MPI_LASTUSEDCODE is the highest one.

// refs counts the handles the program holds (Comm_create_errhandler and
// every Comm_get_errhandler give one, Errhandler_free takes one); when
// none is left the handler is freed for new uses, but communicators that
// use it keep it.
type userErrh struct {
	fn    uint32
	sig   guestSig
	refs  int
	freed bool
}

func isErrhHandle(h uint32) bool { return h >= errhHandles.first && h <= errhHandles.last }

// userErrhandler resolves a user error handler handle that is not freed.
func (c *call) userErrhandler(h uint32) (*userErrh, error) {
	x := &c.r.ext
	x.mu.Lock()
	e := x.errhs[h]
	x.mu.Unlock()
	if e == nil || e.freed {
		return nil, comm.Errorf(comm.ErrArg, "invalid error handler %s", describeHandle(h, "error handler"))
	}
	return e, nil
}

// invokeErrhandler calls user error handler eh for communicator commH and
// error code code.
func (c *call) invokeErrhandler(eh, commH uint32, code int32) {
	x := &c.r.ext
	x.mu.Lock()
	e := x.errhs[eh]
	x.mu.Unlock()
	if e == nil {
		return
	}
	p, err := c.scratch(8)
	if err != nil {
		return
	}
	defer c.freeScratch(p)
	c.mem.WriteUint32Le(p, commH)
	c.mem.WriteUint32Le(p+4, uint32(code))
	if e.sig == sigErrhandlerVarargs {
		c.callGuest(e.fn, e.sig, uint64(p), uint64(p+4), 0)
	} else {
		c.callGuest(e.fn, e.sig, uint64(p), uint64(p+4))
	}
}

// The error handler of an object (a communicator, a window, a session) is
// kept in a commState: the communicator's own, or a view that windows and
// sessions keep with their handle, so that call.result and the three
// functions below treat them alike.

// setErrhandler is MPI_<Object>_set_errhandler.
func (c *call) setErrhandler(view *commState, eh uint32) error {
	if err := c.checkErrhandler(eh); err != nil {
		return err
	}
	c.r.mu.Lock()
	view.errhandler = eh
	c.r.mu.Unlock()
	return nil
}

// checkErrhandler accepts a predefined error handler or a live user one.
func (c *call) checkErrhandler(eh uint32) error {
	switch eh {
	case abi.ErrorsAreFatal, abi.ErrorsReturn, abi.ErrorsAbort:
		return nil
	}
	if !isErrhHandle(eh) {
		return comm.Errorf(comm.ErrArg, "invalid error handler %s", describeHandle(eh, "error handler"))
	}
	_, err := c.userErrhandler(eh)
	return err
}

// getErrhandler is MPI_<Object>_get_errhandler: a user handler gets a new
// reference, which the program frees with MPI_Errhandler_free.
func (c *call) getErrhandler(view *commState, out uint32) error {
	c.r.mu.Lock()
	eh := view.errhandler
	c.r.mu.Unlock()
	if isErrhHandle(eh) {
		c.r.ext.mu.Lock()
		if e := c.r.ext.errhs[eh]; e != nil {
			e.refs++
			e.freed = false
		}
		c.r.ext.mu.Unlock()
	}
	return c.putI32(out, int32(eh), "errhandler")
}

// callErrhandler is MPI_<Object>_call_errhandler: the object's handler
// runs for code; with MPI_ERRORS_ARE_FATAL or MPI_ERRORS_ABORT the job
// ends with it (call.result).
func (c *call) callErrhandler(view *commState, code int32) error {
	c.r.mu.Lock()
	eh := view.errhandler
	c.r.mu.Unlock()
	switch {
	case eh == abi.ErrorsReturn:
		return nil
	case isErrhHandle(eh):
		c.invokeErrhandler(eh, view.handle, code)
		return nil
	}
	return codeErrorf(code, "%s: error code %d raised by the program", c.name, code)
}

// lastUsedCode is the value of MPI_LASTUSEDCODE.
func (r *rankState) lastUsedCode() int32 {
	r.ext.mu.Lock()
	defer r.ext.mu.Unlock()
	return max(r.ext.lastCode, abi.ErrLastCode)
}

// addCode adds an error class (class < 0: the new code is its own class)
// or code and returns its number.
func (c *call) addCode(class int32) (int32, error) {
	x := &c.r.ext
	x.mu.Lock()
	if x.lastCode < abi.ErrLastCode {
		x.lastCode = abi.ErrLastCode
	}
	if x.lastCode == 0x7fffffff {
		x.mu.Unlock()
		return 0, comm.Errorf(comm.ErrOther, "no more error codes")
	}
	x.lastCode++
	code := x.lastCode
	if class < 0 {
		class = code
	}
	if x.errCodes == nil {
		x.errCodes = map[int32]int32{}
	}
	x.errCodes[code] = class
	p := x.predefAttrs
	x.mu.Unlock()
	if p != 0 {
		c.mem.WriteUint32Le(p+4*uint32(abi.LastUsedCode-abi.TagUB), uint32(code))
	}
	return code, nil
}

// addedClass is the class of a code the program added (ok false if it did
// not add code).
func (r *rankState) addedClass(code int32) (int32, bool) {
	r.ext.mu.Lock()
	defer r.ext.mu.Unlock()
	cl, ok := r.ext.errCodes[code]
	return cl, ok
}

func (r *rankState) addedString(code int32) string {
	r.ext.mu.Lock()
	defer r.ext.mu.Unlock()
	return r.ext.errStrings[code]
}

func errhFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Comm_create_errhandler", params: params(2), fn: func(c *call) error {
			fn := c.u32(0)
			sig := sigErrhandlerVarargs
			if c.checkGuestFunc(fn, sigErrhandlerVarargs) != nil {
				sig = sigErrhandler
				if err := c.checkGuestFunc(fn, sigErrhandler); err != nil {
					return err
				}
			}
			if err := c.checkOut(c.u32(1), "errhandler"); err != nil {
				return err
			}
			x := &c.r.ext
			x.mu.Lock()
			if x.errhs == nil {
				x.errhs = map[uint32]*userErrh{}
			}
			h, err := allocHandle(&x.errhAlloc, errhHandles, x.errhs, &userErrh{fn: fn, sig: sig, refs: 1})
			x.mu.Unlock()
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), int32(h), "errhandler")
		}},
		{name: "MPI_Comm_call_errhandler", params: params(2), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			return c.callErrhandler(cs, int32(c.int(1)))
		}},
		{name: "MPI_Add_error_class", params: params(1), beforeInit: true, fn: func(c *call) error {
			if err := c.checkOut(c.u32(0), "errorclass"); err != nil {
				return err
			}
			code, err := c.addCode(-1)
			if err != nil {
				return err
			}
			return c.putI32(c.u32(0), code, "errorclass")
		}},
		{name: "MPI_Add_error_code", params: params(2), beforeInit: true, fn: func(c *call) error {
			class := int32(c.int(0))
			if cl, ok := c.r.addedClass(class); !(ok && cl == class) && !abi.IsErrorClass(class) {
				return comm.Errorf(comm.ErrArg, "%d is not an error class", class)
			}
			if err := c.checkOut(c.u32(1), "errorcode"); err != nil {
				return err
			}
			code, err := c.addCode(class)
			if err != nil {
				return err
			}
			return c.putI32(c.u32(1), code, "errorcode")
		}},
		{name: "MPI_Add_error_string", params: params(2), beforeInit: true, fn: func(c *call) error {
			code := int32(c.int(0))
			if _, ok := c.r.addedClass(code); !ok {
				return comm.Errorf(comm.ErrArg, "%d is not an error code or class added by the program (predefined ones keep their strings)", code)
			}
			s, err := c.cstring(c.u32(1), abi.MaxErrorString, "string")
			if err != nil {
				return err
			}
			if len(s) >= abi.MaxErrorString {
				return comm.Errorf(comm.ErrArg, "error string longer than MPI_MAX_ERROR_STRING-1 (%d) characters", abi.MaxErrorString-1)
			}
			x := &c.r.ext
			x.mu.Lock()
			if x.errStrings == nil {
				x.errStrings = map[int32]string{}
			}
			x.errStrings[code] = s
			x.mu.Unlock()
			return nil
		}},
		{name: "MPI_Alloc_mem", params: params(3), fn: func(c *call) error {
			// (size, info, baseptr): baseptr points to a void*.
			size := c.int(0)
			if size < 0 {
				return comm.Errorf(comm.ErrArg, "negative size %d", size)
			}
			if err := c.checkInfo(c.u32(1)); err != nil {
				return err
			}
			if err := c.checkOut(c.u32(2), "baseptr"); err != nil {
				return err
			}
			a, err := c.r.ext.heap.alloc(c.mem, uint32(size))
			if err != nil {
				return err
			}
			return c.putI32(c.u32(2), int32(a), "baseptr")
		}},
		{name: "MPI_Free_mem", params: params(1), fn: func(c *call) error {
			if !c.r.ext.heap.release(c.u32(0)) {
				return comm.Errorf(comm.ErrArg, "%#x was not allocated by MPI_Alloc_mem (or is already freed)", c.u32(0))
			}
			return nil
		}},
		{name: "MPI_Pcontrol", params: params(2), fn: func(c *call) error {
			// (level, ...): no profiler is attached, so only the level is
			// recorded; the standard makes that a valid implementation.
			c.r.ext.mu.Lock()
			c.r.ext.pcontrol = int32(c.int(0))
			c.r.ext.mu.Unlock()
			return nil
		}},
	}
}
