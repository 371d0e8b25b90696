package rank

import (
	"github.com/wasmpi/wasmpi/comm"
	"github.com/wasmpi/wasmpi/rank/abi"
)

// Attribute caching on communicators, datatypes and windows (the window
// functions are in mpi_win.go).
//
// A keyval records the copy and delete callbacks (guest table indices, or
// the special values abi.NullCopyFn, abi.DupFn, abi.NullDeleteFn) and the
// extra state. An attribute value is a guest pointer-sized value. Copy
// callbacks run when a communicator or datatype is duplicated (hooks on
// MPI_Comm_dup and friends and MPI_Type_dup), delete callbacks when an
// attribute is replaced or deleted and when its object is freed, in the
// reverse order of the attributes' creation. A callback that returns
// something other than MPI_SUCCESS makes the MPI call fail with that code.
// A freed keyval lives on until the last attribute using it is gone.
//
// The predefined attributes (MPI_TAG_UB, ...) point to ints in host-owned
// guest memory (guestHeap), allocated once per rank; every communicator
// reports them, not only MPI_COMM_WORLD.

type attrKind int

const (
	attrComm attrKind = iota
	attrType
)

func (k attrKind) String() string {
	switch k {
	case attrType:
		return "datatype"
	case attrWin:
		return "window"
	}
	return "communicator"
}

type keyval struct {
	kind             attrKind
	copyFn, deleteFn uint32
	extra            uint32
	freed            bool
	refs             int
}

type attrList struct {
	order []int32
	vals  map[int32]uint32
}

// firstKeyval is the first keyval the program gets: above the predefined
// attribute keys (abi.TagUB ... abi.WinModel).
const firstKeyval int32 = 1024

func isPredefinedKeyval(k int32) bool {
	return k >= abi.TagUB && k <= abi.LastUsedCode || k >= abi.WinBase && k <= abi.WinModel
}

func (x *extState) attrTable(kind attrKind) map[uint32]*attrList {
	if kind == attrType {
		if x.typeAttrs == nil {
			x.typeAttrs = map[uint32]*attrList{}
		}
		return x.typeAttrs
	}
	if x.commAttrs == nil {
		x.commAttrs = map[uint32]*attrList{}
	}
	return x.commAttrs
}

// keyvalFor resolves a keyval of the given kind. Caller holds x.mu.
func (x *extState) keyvalFor(k int32, kind attrKind) (*keyval, error) {
	kv := x.keyvals[k]
	if kv == nil || kv.freed {
		if k == abi.KeyvalInvalid {
			return nil, comm.Errorf(comm.ErrKeyval, "MPI_KEYVAL_INVALID is not a valid keyval")
		}
		return nil, comm.Errorf(comm.ErrKeyval, "invalid keyval %d", k)
	}
	if kv.kind != kind {
		return nil, comm.Errorf(comm.ErrKeyval, "keyval %d is a %s keyval, not a %s keyval", k, kv.kind, kind)
	}
	return kv, nil
}

// unref drops an attribute's reference to its keyval. Caller holds x.mu.
func (x *extState) unref(k int32) {
	if kv := x.keyvals[k]; kv != nil {
		kv.refs--
		if kv.freed && kv.refs <= 0 {
			delete(x.keyvals, k)
		}
	}
}

func (c *call) createKeyval(kind attrKind, copyFn, deleteFn, out, extra uint32) error {
	if copyFn != abi.NullCopyFn && copyFn != abi.DupFn {
		if err := c.checkGuestFunc(copyFn, sigCopyAttr); err != nil {
			return err
		}
	}
	if deleteFn != abi.NullDeleteFn {
		if err := c.checkGuestFunc(deleteFn, sigDeleteAttr); err != nil {
			return err
		}
	}
	if err := c.checkOut(out, "keyval"); err != nil {
		return err
	}
	x := &c.r.ext
	x.mu.Lock()
	if x.keyvals == nil {
		x.keyvals = map[int32]*keyval{}
	}
	if x.nextKeyval < firstKeyval {
		x.nextKeyval = firstKeyval
	}
	k := x.nextKeyval
	x.nextKeyval++
	x.keyvals[k] = &keyval{kind: kind, copyFn: copyFn, deleteFn: deleteFn, extra: extra}
	x.mu.Unlock()
	return c.putI32(out, k, "keyval")
}

func (c *call) freeKeyval(kind attrKind, ptr uint32) error {
	k, err := c.getI32(ptr, "keyval")
	if err != nil {
		return err
	}
	if isPredefinedKeyval(k) {
		return comm.Errorf(comm.ErrKeyval, "predefined keyval %d cannot be freed", k)
	}
	x := &c.r.ext
	x.mu.Lock()
	kv, err := x.keyvalFor(k, kind)
	if err == nil {
		kv.freed = true
		if kv.refs <= 0 {
			delete(x.keyvals, k)
		}
	}
	x.mu.Unlock()
	if err != nil {
		return err
	}
	return c.putI32(ptr, abi.KeyvalInvalid, "keyval")
}

// callDelete runs the delete callback of keyval k for value v on object h.
func (c *call) callDelete(kv *keyval, h uint32, k int32, v uint32) error {
	if kv.deleteFn == abi.NullDeleteFn {
		return nil
	}
	res := c.callGuest(kv.deleteFn, sigDeleteAttr, uint64(h), uint64(uint32(k)), uint64(v), uint64(kv.extra))
	if rc := int32(uint32(res[0])); rc != 0 {
		return codeErrorf(rc, "the attribute delete callback of keyval %d returned error code %d", k, rc)
	}
	return nil
}

func (c *call) setAttr(kind attrKind, h uint32, k int32, v uint32) error {
	if isPredefinedKeyval(k) {
		return comm.Errorf(comm.ErrKeyval, "predefined attribute %d cannot be set", k)
	}
	x := &c.r.ext
	x.mu.Lock()
	kv, err := x.keyvalFor(k, kind)
	if err != nil {
		x.mu.Unlock()
		return err
	}
	al := x.attrTable(kind)[h]
	old, had := uint32(0), false
	if al != nil {
		old, had = al.vals[k]
	}
	x.mu.Unlock()
	if had {
		// The old value is deleted first; if its callback fails, the
		// attribute keeps it.
		if err := c.callDelete(kv, h, k, old); err != nil {
			return err
		}
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	t := x.attrTable(kind)
	if al = t[h]; al == nil {
		al = &attrList{vals: map[int32]uint32{}}
		t[h] = al
	}
	if _, ok := al.vals[k]; !ok {
		al.order = append(al.order, k)
		kv.refs++
	}
	al.vals[k] = v
	return nil
}

func (c *call) getAttr(kind attrKind, h uint32, k int32, valPtr, flagPtr uint32) error {
	if err := c.checkOut(valPtr, "attribute_val"); err != nil {
		return err
	}
	if err := c.checkOut(flagPtr, "flag"); err != nil {
		return err
	}
	if kind == attrComm && isPredefinedKeyval(k) {
		// The standard attaches them to MPI_COMM_WORLD; like MPICH, every
		// communicator reports them (libraries such as PETSc read
		// MPI_TAG_UB from their own duplicate of a communicator).
		if k >= abi.WinBase {
			return c.putI32(flagPtr, 0, "flag")
		}
		p, err := c.predefinedAttrs()
		if err != nil {
			return err
		}
		if err := c.putI32(valPtr, int32(p+4*uint32(k-abi.TagUB)), "attribute_val"); err != nil {
			return err
		}
		return c.putI32(flagPtr, 1, "flag")
	}
	x := &c.r.ext
	x.mu.Lock()
	_, err := x.keyvalFor(k, kind)
	var v uint32
	var ok bool
	if err == nil {
		if al := x.attrTable(kind)[h]; al != nil {
			v, ok = al.vals[k]
		}
	}
	x.mu.Unlock()
	if err != nil {
		return err
	}
	if ok {
		if err := c.putI32(valPtr, int32(v), "attribute_val"); err != nil {
			return err
		}
	}
	return c.putI32(flagPtr, boolInt(ok), "flag")
}

func (c *call) deleteAttr(kind attrKind, h uint32, k int32) error {
	if isPredefinedKeyval(k) {
		return comm.Errorf(comm.ErrKeyval, "predefined attribute %d cannot be deleted", k)
	}
	return c.removeAttr(kind, h, k, false)
}

// removeAttr deletes attribute k of object h. freeing is set when the
// object is being freed: the keyval may have been freed already.
func (c *call) removeAttr(kind attrKind, h uint32, k int32, freeing bool) error {
	x := &c.r.ext
	x.mu.Lock()
	kv, err := x.keyvalFor(k, kind)
	if freeing {
		kv, err = x.keyvals[k], nil
		if kv == nil {
			err = comm.Errorf(comm.ErrIntern, "attribute keyval %d vanished", k)
		}
	}
	var v uint32
	var ok bool
	if err == nil {
		if al := x.attrTable(kind)[h]; al != nil {
			v, ok = al.vals[k]
		}
	}
	x.mu.Unlock()
	if err != nil || !ok {
		return err
	}
	if err := c.callDelete(kv, h, k, v); err != nil {
		return err
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if al := x.attrTable(kind)[h]; al != nil {
		if _, ok := al.vals[k]; ok {
			delete(al.vals, k)
			for i, kk := range al.order {
				if kk == k {
					al.order = append(al.order[:i], al.order[i+1:]...)
					break
				}
			}
			x.unref(k)
		}
	}
	return nil
}

// deleteAll deletes every attribute of object h (being freed), newest
// first. It stops at the first failing callback; the attributes not yet
// deleted stay.
func (c *call) deleteAll(kind attrKind, h uint32) error {
	for {
		x := &c.r.ext
		x.mu.Lock()
		al := x.attrTable(kind)[h]
		if al == nil || len(al.order) == 0 {
			delete(x.attrTable(kind), h)
			x.mu.Unlock()
			return nil
		}
		k := al.order[len(al.order)-1]
		x.mu.Unlock()
		if err := c.removeAttr(kind, h, k, true); err != nil {
			return err
		}
	}
}

// copyAll runs the copy callbacks of old's attributes for the duplicate
// nw, in creation order.
func (c *call) copyAll(kind attrKind, old, nw uint32) error {
	x := &c.r.ext
	x.mu.Lock()
	al := x.attrTable(kind)[old]
	var keys []int32
	var vals []uint32
	var kvs []*keyval
	if al != nil {
		for _, k := range al.order {
			keys = append(keys, k)
			vals = append(vals, al.vals[k])
			kvs = append(kvs, x.keyvals[k])
		}
	}
	x.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	var out uint32
	for i, k := range keys {
		kv := kvs[i]
		if kv == nil {
			continue
		}
		var nv uint32
		switch kv.copyFn {
		case abi.NullCopyFn:
			continue
		case abi.DupFn:
			nv = vals[i]
		default:
			if out == 0 {
				var err error
				if out, err = c.scratch(8); err != nil {
					return err
				}
				defer c.freeScratch(out)
			}
			c.mem.WriteUint32Le(out, 0)
			c.mem.WriteUint32Le(out+4, 0)
			res := c.callGuest(kv.copyFn, sigCopyAttr, uint64(old), uint64(uint32(k)), uint64(kv.extra), uint64(vals[i]), uint64(out), uint64(out+4))
			if rc := int32(uint32(res[0])); rc != 0 {
				return codeErrorf(rc, "the attribute copy callback of keyval %d returned error code %d", k, rc)
			}
			flag, _ := c.mem.ReadUint32Le(out + 4)
			if flag == 0 {
				continue
			}
			nv, _ = c.mem.ReadUint32Le(out)
		}
		x.mu.Lock()
		t := x.attrTable(kind)
		nl := t[nw]
		if nl == nil {
			nl = &attrList{vals: map[int32]uint32{}}
			t[nw] = nl
		}
		if _, ok := nl.vals[k]; !ok {
			nl.order = append(nl.order, k)
			kv.refs++
		}
		nl.vals[k] = nv
		x.mu.Unlock()
	}
	return nil
}

// predefinedAttrs returns the guest address of the values of the
// predefined attributes, in keyval order from MPI_TAG_UB to
// MPI_LASTUSEDCODE, allocating them on first use.
func (c *call) predefinedAttrs() (uint32, error) {
	x := &c.r.ext
	x.mu.Lock()
	p := x.predefAttrs
	x.mu.Unlock()
	if p == 0 {
		a, err := c.scratch(4 * uint32(abi.LastUsedCode-abi.TagUB+1))
		if err != nil {
			return 0, err
		}
		x.mu.Lock()
		if x.predefAttrs == 0 {
			x.predefAttrs = a
		} else {
			c.freeScratch(a)
		}
		p = x.predefAttrs
		x.mu.Unlock()
	}
	size := int32(c.r.job.world.Size())
	vals := map[int32]int32{
		// Tags are non-negative int32 values.
		abi.TagUB: 0x7fffffff,
		// No host process is distinguished.
		abi.Host: abi.ProcNull,
		// Every rank can do I/O (it has WASI stdio and files).
		abi.IO: abi.AnySource,
		// One clock for the whole job (MPI_Wtime).
		abi.WtimeIsGlobal: 1,
		abi.UniverseSize:  size,
		abi.AppNum:        0,
		abi.LastUsedCode:  c.r.lastUsedCode(),
	}
	for k, v := range vals {
		c.mem.WriteUint32Le(p+4*uint32(k-abi.TagUB), uint32(v))
	}
	return p, nil
}

// handleOut reads the handle a constructor wrote through its argument idx.
func (c *call) handleOut(idx int) uint32 {
	v, _ := c.mem.ReadUint32Le(c.u32(idx))
	return v
}

func attrFunctions() []mpiFunc {
	commKeyvalCreate := func(name string) mpiFunc {
		return mpiFunc{name: name, params: params(4), fn: func(c *call) error {
			return c.createKeyval(attrComm, c.u32(0), c.u32(1), c.u32(2), c.u32(3))
		}}
	}
	commSet := func(name string) mpiFunc {
		return mpiFunc{name: name, params: params(3), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			return c.setAttr(attrComm, cs.handle, int32(c.int(1)), c.u32(2))
		}}
	}
	commGet := func(name string) mpiFunc {
		return mpiFunc{name: name, params: params(4), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			return c.getAttr(attrComm, cs.handle, int32(c.int(1)), c.u32(2), c.u32(3))
		}}
	}
	commDelete := func(name string) mpiFunc {
		return mpiFunc{name: name, params: params(2), fn: func(c *call) error {
			cs, err := c.anyComm(c.u32(0))
			if err != nil {
				return err
			}
			return c.deleteAttr(attrComm, cs.handle, int32(c.int(1)))
		}}
	}
	commKeyvalFree := func(name string) mpiFunc {
		return mpiFunc{name: name, params: params(1), fn: func(c *call) error {
			return c.freeKeyval(attrComm, c.u32(0))
		}}
	}
	typeH := func(c *call, h uint32) (uint32, error) {
		_, err := c.datatype(h)
		return h, err
	}
	return []mpiFunc{
		commKeyvalCreate("MPI_Comm_create_keyval"),
		commKeyvalCreate("MPI_Keyval_create"),
		commKeyvalFree("MPI_Comm_free_keyval"),
		commKeyvalFree("MPI_Keyval_free"),
		commSet("MPI_Comm_set_attr"),
		commSet("MPI_Attr_put"),
		commGet("MPI_Comm_get_attr"),
		commGet("MPI_Attr_get"),
		commDelete("MPI_Comm_delete_attr"),
		commDelete("MPI_Attr_delete"),
		{name: "MPI_Type_create_keyval", params: params(4), fn: func(c *call) error {
			return c.createKeyval(attrType, c.u32(0), c.u32(1), c.u32(2), c.u32(3))
		}},
		{name: "MPI_Type_free_keyval", params: params(1), fn: func(c *call) error {
			return c.freeKeyval(attrType, c.u32(0))
		}},
		{name: "MPI_Type_set_attr", params: params(3), fn: func(c *call) error {
			h, err := typeH(c, c.u32(0))
			if err != nil {
				return err
			}
			return c.setAttr(attrType, h, int32(c.int(1)), c.u32(2))
		}},
		{name: "MPI_Type_get_attr", params: params(4), fn: func(c *call) error {
			h, err := typeH(c, c.u32(0))
			if err != nil {
				return err
			}
			return c.getAttr(attrType, h, int32(c.int(1)), c.u32(2), c.u32(3))
		}},
		{name: "MPI_Type_delete_attr", params: params(2), fn: func(c *call) error {
			h, err := typeH(c, c.u32(0))
			if err != nil {
				return err
			}
			return c.deleteAttr(attrType, h, int32(c.int(1)))
		}},
	}
}

// attrHooks copies attributes (and info hints) when communicators and
// datatypes are duplicated and deletes them when they are freed.
func attrHooks() map[string]hook {
	dup := func(outIdx, infoIdx int) hook {
		return func(orig func(*call) error) func(*call) error {
			return func(c *call) error {
				if err := orig(c); err != nil {
					return err
				}
				old, nw := c.u32(0), c.handleOut(outIdx)
				if err := c.copyAll(attrComm, old, nw); err != nil {
					// The duplicate is not returned: free what it got.
					_ = c.deleteAll(attrComm, nw)
					c.r.mu.Lock()
					delete(c.r.comms, nw)
					delete(c.r.inter, nw)
					c.r.mu.Unlock()
					_ = c.putI32(c.u32(outIdx), int32(abi.CommNull), "newcomm")
					return err
				}
				if infoIdx >= 0 {
					o, _ := c.infoRead(c.u32(infoIdx))
					c.setCommHints(nw, o)
				} else {
					x := &c.r.ext
					x.mu.Lock()
					o := x.commHints[old]
					x.mu.Unlock()
					c.setCommHints(nw, o)
				}
				return nil
			}
		}
	}
	return map[string]hook{
		"MPI_Comm_dup":            dup(1, -1),
		"MPI_Comm_idup":           dup(1, -1),
		"MPI_Comm_dup_with_info":  dup(2, 1),
		"MPI_Comm_idup_with_info": dup(2, 1),
		"MPI_Comm_free": func(orig func(*call) error) func(*call) error {
			return func(c *call) error {
				h, err := c.getI32(c.u32(0), "comm")
				if err != nil {
					return err
				}
				if cs, _, err := c.r.lookupComm(uint32(h)); err == nil && cs.handle != abi.CommWorld && cs.handle != abi.CommSelf {
					c.errComm = cs
					if err := c.deleteAll(attrComm, uint32(h)); err != nil {
						return err
					}
					c.setCommHints(uint32(h), nil)
				}
				return orig(c)
			}
		},
		// MPI_Finalize first frees MPI_COMM_SELF's attributes, newest
		// first, so that libraries can hook their cleanup there (MPI-4.1
		// 11.2.4); a failing delete callback fails MPI_Finalize.
		"MPI_Finalize": func(orig func(*call) error) func(*call) error {
			return func(c *call) error {
				if err := c.deleteAll(attrComm, abi.CommSelf); err != nil {
					return err
				}
				return orig(c)
			}
		},
		"MPI_Type_dup": func(orig func(*call) error) func(*call) error {
			return func(c *call) error {
				if err := orig(c); err != nil {
					return err
				}
				nw := c.handleOut(1)
				if err := c.copyAll(attrType, c.u32(0), nw); err != nil {
					_ = c.deleteAll(attrType, nw)
					c.r.types.remove(nw)
					_ = c.putI32(c.u32(1), int32(abi.DatatypeNull), "newtype")
					return err
				}
				return nil
			}
		},
		"MPI_Type_free": func(orig func(*call) error) func(*call) error {
			return func(c *call) error {
				h, err := c.getI32(c.u32(0), "datatype")
				if err != nil {
					return err
				}
				if d := c.r.types.lookup(uint32(h)); d != nil {
					if err := c.deleteAll(attrType, uint32(h)); err != nil {
						return err
					}
				}
				return orig(c)
			}
		},
	}
}
