package machine

import (
	"context"
	"strings"
	"testing"
)

func TestDescribe(t *testing.T) {
	info := Describe(context.Background(), Tools{})
	if info.Cores < 1 || info.CPU == "" || !strings.HasPrefix(info.Go, "go") {
		t.Errorf("Describe = %+v", info)
	}
	if info.OpenMPI != "" || info.NativeCC != "" || info.WasmCC != "" {
		t.Errorf("tools that were not named were described: %+v", info)
	}
}

func TestFirstLine(t *testing.T) {
	if got := firstLine(context.Background(), "go", "version"); !strings.HasPrefix(got, "go version go") {
		t.Errorf("firstLine(go version) = %q", got)
	}
	if got := firstLine(context.Background(), "/nonexistent/tool", "--version"); got != "" {
		t.Errorf("firstLine of a missing tool = %q", got)
	}
}
