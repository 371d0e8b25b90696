package rank

import (
	"strconv"
	"strings"

	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Info objects: ordered (key, value) string pairs. Handles are per rank in
// their own range (handles.go). MPI_INFO_ENV is predefined and read-only;
// its contents are made when asked for (environmentInfo). The runtime
// honours no hint yet: the info arguments of other functions are checked
// and their hints stored where the standard makes them visible
// (MPI_Comm_get_info), nothing more.

type infoObj struct {
	keys []string
	vals map[string]string
}

func newInfo() *infoObj { return &infoObj{vals: map[string]string{}} }

func (o *infoObj) set(k, v string) {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
}

func (o *infoObj) dup() *infoObj {
	n := newInfo()
	for _, k := range o.keys {
		n.set(k, o.vals[k])
	}
	return n
}

func (o *infoObj) remove(k string) bool {
	if _, ok := o.vals[k]; !ok {
		return false
	}
	delete(o.vals, k)
	for i, kk := range o.keys {
		if kk == k {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			break
		}
	}
	return true
}

func isInfoHandle(h uint32) bool { return h >= infoHandles.first && h <= infoHandles.last }

// environmentInfo is the content of MPI_INFO_ENV: how the job was started,
// with the keys the standard reserves for it.
func (r *rankState) environmentInfo() *infoObj {
	cfg := r.job.cfg
	o := newInfo()
	o.set("command", cfg.Name)
	o.set("argv", strings.Join(cfg.Args, " "))
	o.set("maxprocs", strconv.Itoa(r.job.world.Size()))
	o.set("soft", strconv.Itoa(r.job.world.Size()))
	o.set("host", r.job.hostname())
	o.set("arch", "wasm32")
	if cfg.Dir != "" {
		o.set("wdir", "/")
	}
	lvl := "MPI_THREAD_SINGLE"
	switch r.threadLevel {
	case abi.ThreadFunneled:
		lvl = "MPI_THREAD_FUNNELED"
	case abi.ThreadSerialized:
		lvl = "MPI_THREAD_SERIALIZED"
	case abi.ThreadMultiple:
		lvl = "MPI_THREAD_MULTIPLE"
	}
	o.set("thread_level", lvl)
	return o
}

// infoRead resolves an info handle for reading (MPI_INFO_ENV included).
func (c *call) infoRead(h uint32) (*infoObj, error) {
	if h == abi.InfoEnv {
		return c.r.environmentInfo(), nil
	}
	return c.infoWrite(h)
}

// infoWrite resolves an info handle the program may modify or free.
func (c *call) infoWrite(h uint32) (*infoObj, error) {
	switch h {
	case abi.InfoNull:
		return nil, comm.Errorf(comm.ErrInfo, "MPI_INFO_NULL is not a valid info object here")
	case abi.InfoEnv:
		return nil, comm.Errorf(comm.ErrInfo, "MPI_INFO_ENV is read-only")
	}
	x := &c.r.ext
	x.mu.Lock()
	o := x.infos[h]
	x.mu.Unlock()
	if o == nil {
		return nil, comm.Errorf(comm.ErrInfo, "invalid info handle %s", describeHandle(h, "info"))
	}
	return o, nil
}

// checkInfo validates the info argument of a function that takes hints:
// MPI_INFO_NULL, MPI_INFO_ENV or a live info object of this rank.
func (c *call) checkInfo(h uint32) error {
	if h == abi.InfoNull {
		return nil
	}
	_, err := c.infoRead(h)
	return err
}

// addInfo registers o and writes its handle to ptr.
func (c *call) addInfo(o *infoObj, ptr uint32) error {
	if err := c.checkOut(ptr, "info"); err != nil {
		return err
	}
	x := &c.r.ext
	x.mu.Lock()
	if x.infos == nil {
		x.infos = map[uint32]*infoObj{}
	}
	h, err := allocHandle(&x.infoAlloc, infoHandles, x.infos, o)
	x.mu.Unlock()
	if err != nil {
		return err
	}
	return c.putI32(ptr, int32(h), "info")
}

// infoKey reads a key argument: 1 to MPI_MAX_INFO_KEY-1 characters.
func (c *call) infoKey(ptr uint32) (string, error) {
	k, err := c.cstring(ptr, abi.MaxInfoKey, "key")
	if err != nil {
		return "", err
	}
	if k == "" || len(k) >= abi.MaxInfoKey {
		return "", codeErrorf(abi.ErrInfoKey, "info key %q is empty or longer than MPI_MAX_INFO_KEY-1 (%d) characters", k, abi.MaxInfoKey-1)
	}
	return k, nil
}

// withInfo runs f on the object under the rank's lock (info objects are
// only touched under it).
func (c *call) withInfo(o *infoObj, f func()) {
	c.r.ext.mu.Lock()
	defer c.r.ext.mu.Unlock()
	f()
}

func infoFunctions() []mpiFunc {
	return []mpiFunc{
		{name: "MPI_Info_create", params: params(1), beforeInit: true, fn: func(c *call) error {
			return c.addInfo(newInfo(), c.u32(0))
		}},
		{name: "MPI_Info_create_env", params: params(3), beforeInit: true, fn: func(c *call) error {
			// (argc, argv, info*): argc/argv may be 0/NULL; the runtime
			// knows how it started the program.
			return c.addInfo(c.r.environmentInfo(), c.u32(2))
		}},
		{name: "MPI_Info_set", params: params(3), beforeInit: true, fn: func(c *call) error {
			o, err := c.infoWrite(c.u32(0))
			if err != nil {
				return err
			}
			k, err := c.infoKey(c.u32(1))
			if err != nil {
				return err
			}
			v, err := c.cstring(c.u32(2), abi.MaxInfoVal, "value")
			if err != nil {
				return err
			}
			if len(v) >= abi.MaxInfoVal {
				return codeErrorf(abi.ErrInfoValue, "info value for %q is longer than MPI_MAX_INFO_VAL-1 (%d) characters", k, abi.MaxInfoVal-1)
			}
			c.withInfo(o, func() { o.set(k, v) })
			return nil
		}},
		{name: "MPI_Info_delete", params: params(2), beforeInit: true, fn: func(c *call) error {
			o, err := c.infoWrite(c.u32(0))
			if err != nil {
				return err
			}
			k, err := c.infoKey(c.u32(1))
			if err != nil {
				return err
			}
			var ok bool
			c.withInfo(o, func() { ok = o.remove(k) })
			if !ok {
				return codeErrorf(abi.ErrInfoNokey, "info key %q is not set", k)
			}
			return nil
		}},
		{name: "MPI_Info_get", params: params(5), beforeInit: true, fn: func(c *call) error {
			// (info, key, valuelen, value, flag*): at most valuelen
			// characters plus the NUL.
			v, ok, err := c.infoValue(c.u32(0), c.u32(1))
			if err != nil {
				return err
			}
			n := c.int(2)
			if n < 0 {
				return comm.Errorf(comm.ErrArg, "negative valuelen %d", n)
			}
			if err := c.checkOut(c.u32(4), "flag"); err != nil {
				return err
			}
			if ok {
				if err := c.putString(c.u32(3), n+1, 0, v, "value"); err != nil {
					return err
				}
			}
			return c.putI32(c.u32(4), boolInt(ok), "flag")
		}},
		{name: "MPI_Info_get_string", params: params(5), beforeInit: true, fn: func(c *call) error {
			// (info, key, buflen*, value, flag*)
			v, ok, err := c.infoValue(c.u32(0), c.u32(1))
			if err != nil {
				return err
			}
			buflen, err := c.getI32(c.u32(2), "buflen")
			if err != nil {
				return err
			}
			if err := c.checkOut(c.u32(4), "flag"); err != nil {
				return err
			}
			if ok {
				if buflen > 0 {
					if err := c.putString(c.u32(3), int(buflen), 0, v, "value"); err != nil {
						return err
					}
				}
				if err := c.putI32(c.u32(2), int32(len(v)+1), "buflen"); err != nil {
					return err
				}
			}
			return c.putI32(c.u32(4), boolInt(ok), "flag")
		}},
		{name: "MPI_Info_get_valuelen", params: params(4), beforeInit: true, fn: func(c *call) error {
			// (info, key, valuelen*, flag*)
			v, ok, err := c.infoValue(c.u32(0), c.u32(1))
			if err != nil {
				return err
			}
			if err := c.checkOut(c.u32(3), "flag"); err != nil {
				return err
			}
			if ok {
				if err := c.putI32(c.u32(2), int32(len(v)), "valuelen"); err != nil {
					return err
				}
			}
			return c.putI32(c.u32(3), boolInt(ok), "flag")
		}},
		{name: "MPI_Info_get_nkeys", params: params(2), beforeInit: true, fn: func(c *call) error {
			o, err := c.infoRead(c.u32(0))
			if err != nil {
				return err
			}
			var n int
			c.withInfo(o, func() { n = len(o.keys) })
			return c.putI32(c.u32(1), int32(n), "nkeys")
		}},
		{name: "MPI_Info_get_nthkey", params: params(3), beforeInit: true, fn: func(c *call) error {
			// (info, n, key): the key buffer holds MPI_MAX_INFO_KEY
			// characters.
			o, err := c.infoRead(c.u32(0))
			if err != nil {
				return err
			}
			n := c.int(1)
			var k string
			var ok bool
			c.withInfo(o, func() {
				if n >= 0 && n < len(o.keys) {
					k, ok = o.keys[n], true
				}
			})
			if !ok {
				return comm.Errorf(comm.ErrArg, "info key number %d does not exist", n)
			}
			return c.putString(c.u32(2), abi.MaxInfoKey, 0, k, "key")
		}},
		{name: "MPI_Info_dup", params: params(2), beforeInit: true, fn: func(c *call) error {
			o, err := c.infoRead(c.u32(0))
			if err != nil {
				return err
			}
			var d *infoObj
			c.withInfo(o, func() { d = o.dup() })
			return c.addInfo(d, c.u32(1))
		}},
		{name: "MPI_Info_free", params: params(1), beforeInit: true, fn: func(c *call) error {
			p := c.u32(0)
			h, err := c.getI32(p, "info")
			if err != nil {
				return err
			}
			if _, err := c.infoWrite(uint32(h)); err != nil {
				return err
			}
			x := &c.r.ext
			x.mu.Lock()
			delete(x.infos, uint32(h))
			x.mu.Unlock()
			return c.putI32(p, int32(abi.InfoNull), "info")
		}},
		{name: "MPI_Comm_set_info", params: params(2), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			o, err := c.infoRead(c.u32(1))
			if err != nil {
				return err
			}
			c.setCommHints(cs.handle, o)
			return nil
		}},
		{name: "MPI_Comm_get_info", params: params(2), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			x := &c.r.ext
			x.mu.Lock()
			d := newInfo()
			if o := x.commHints[cs.handle]; o != nil {
				d = o.dup()
			}
			x.mu.Unlock()
			return c.addInfo(d, c.u32(1))
		}},
	}
}

// setCommHints stores a copy of o as the hints of communicator h (nil
// clears them).
func (c *call) setCommHints(h uint32, o *infoObj) {
	x := &c.r.ext
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.commHints == nil {
		x.commHints = map[uint32]*infoObj{}
	}
	if o == nil {
		delete(x.commHints, h)
		return
	}
	x.commHints[h] = o.dup()
}

// anyComm resolves a communicator handle, intra- or inter-, and makes its
// error handler the call's (for functions that work on both kinds alike:
// attributes, info, error handlers).
func (c *call) anyComm(h uint32) (*commState, error) {
	cs, _, err := c.r.lookupComm(h)
	if err != nil {
		return nil, err
	}
	c.errComm = cs
	return cs, nil
}

// infoValue resolves an info handle and a key argument and looks the key
// up: the shared first step of the Info_get family.
func (c *call) infoValue(infoH, keyPtr uint32) (v string, ok bool, err error) {
	o, err := c.infoRead(infoH)
	if err != nil {
		return "", false, err
	}
	k, err := c.infoKey(keyPtr)
	if err != nil {
		return "", false, err
	}
	c.withInfo(o, func() { v, ok = o.vals[k] })
	return v, ok, nil
}
