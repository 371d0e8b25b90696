package rank_test

import (
	"fmt"
	"testing"
)

// Derived datatypes: constructors, layouts, decoding and errors
// (type_ctor.c), communication with derived types (type_comm.c), and
// packing (type_pack.c).

func TestTypeConstructors(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "type_ctor.c", np)
		})
	}
}

func TestTypeCommunication(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3, 4} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "type_comm.c", np)
		})
	}
}

func TestTypePack(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 3} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "type_pack.c", np)
		})
	}
}

// TestTypeInPlace: non-contiguous messages moved in place between the
// ranks' memories (type_inplace.c).
func TestTypeInPlace(t *testing.T) {
	t.Parallel()
	for _, np := range []int{1, 2, 3} {
		t.Run(fmt.Sprintf("np%d", np), func(t *testing.T) {
			t.Parallel()
			pass(t, "type_inplace.c", np)
		})
	}
}
