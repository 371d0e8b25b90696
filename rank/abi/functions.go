package abi

import (
	"strings"
)

// Function is one MPI C function the guest may import from module "mpi".
// Return and the parameter types are C type text as they appear in the
// declaration.
type Function struct {
	Name   string
	Return string
	Params []Param
}

// Param is one C parameter. Type is the declaration text before the name
// ("const void *", "int", "MPI_Datatype"); Name carries any array suffix
// ("array_of_ranks[]", "ranges[][3]"), so Type+Name (with a space unless
// Type ends in '*') is the C declaration. A variadic tail ("...", only
// MPI_Pcontrol has one) is Param{Type: "..."} with an empty Name; on wasm32
// it is passed as one i32 pointer to the packed arguments.
type Param struct {
	Type, Name string
}

// Decl is the C text of the parameter, such as "const int ranks[]".
func (p Param) Decl() string {
	switch {
	case p.Name == "":
		return p.Type
	case strings.HasSuffix(p.Type, "*"):
		return p.Type + p.Name
	default:
		return p.Type + " " + p.Name
	}
}

// Variadic reports whether the function ends in "...".
func (f Function) Variadic() bool {
	return len(f.Params) > 0 && f.Params[len(f.Params)-1].Type == "..."
}

// Prototype is the C declaration of f without the trailing semicolon, under
// the given name (f.Name or its PMPI_ twin).
func (f Function) Prototype(name string) string {
	var b strings.Builder
	b.WriteString(f.Return)
	b.WriteByte(' ')
	b.WriteString(name)
	b.WriteByte('(')
	if len(f.Params) == 0 {
		b.WriteString("void")
	}
	for i, p := range f.Params {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Decl())
	}
	b.WriteByte(')')
	return b.String()
}

// ProfilingName is the PMPI_ name of f ("MPI_Send" -> "PMPI_Send"). The
// guest header declares both; the runtime should export both.
func (f Function) ProfilingName() string { return "P" + f.Name }

// Functions returns every MPI 4.1 C function of the guest ABI (large-count
// _c variants, MPI_T tool functions and deprecated-but-present functions
// included), sorted as in the table: MPI functions returning int, then the
// ones returning something else, then Fortran handle conversions, then
// MPI_T. The slice is freshly built on each call.
func Functions() []Function {
	var out []Function
	for _, line := range strings.Split(prototypes, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		out = append(out, parsePrototype(line))
	}
	return out
}

// LookupFunction finds a function of the table by its MPI_ or PMPI_ name.
func LookupFunction(name string) (Function, bool) {
	name = strings.TrimPrefix(name, "P")
	for _, f := range Functions() {
		if f.Name == name {
			return f, true
		}
	}
	return Function{}, false
}

// parsePrototype splits "ret name(type a, type b[])" into a Function. The
// table is fixed, so a malformed line is a programming error.
func parsePrototype(line string) Function {
	open := strings.IndexByte(line, '(')
	if open < 0 || !strings.HasSuffix(line, ")") {
		panic("abi: malformed prototype: " + line)
	}
	head := strings.TrimSpace(line[:open])
	sp := strings.LastIndexByte(head, ' ')
	f := Function{Return: strings.TrimSpace(head[:sp]), Name: head[sp+1:]}
	args := strings.TrimSpace(line[open+1 : len(line)-1])
	if args == "void" || args == "" {
		return f
	}
	for _, a := range strings.Split(args, ",") {
		f.Params = append(f.Params, parseParam(strings.TrimSpace(a)))
	}
	return f
}

func parseParam(s string) Param {
	if s == "..." {
		return Param{Type: "..."}
	}
	// The name is the last identifier, with any [] suffixes after it.
	end := len(s)
	if i := strings.IndexByte(s, '['); i >= 0 {
		end = i
	}
	start := end
	for start > 0 && isIdentByte(s[start-1]) {
		start--
	}
	typ := strings.TrimRight(s[:start], " ")
	return Param{Type: typ, Name: s[start:]}
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
