package main

import (
	"bufio"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestDocumentedBuildIsStatic: every build command the documentation
// shows turns cgo off, and the one for a checkout, run as written, gives a
// binary with no interpreter and no dynamic section: one static binary, as
// docs/install.md says.
func TestDocumentedBuildIsStatic(t *testing.T) {
	var local []string
	for _, doc := range []string{"../../README.md", "../../docs/install.md"} {
		f, err := os.Open(doc)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		for n := 1; sc.Scan(); n++ {
			line := strings.TrimSpace(sc.Text())
			if !strings.Contains(line, "go install") && !strings.Contains(line, "go build") || !strings.Contains(line, "cmd/keyless") {
				continue
			}
			if !strings.HasPrefix(line, "CGO_ENABLED=0 ") {
				t.Errorf("%s:%d: %q builds with cgo where a C compiler is installed; want CGO_ENABLED=0 in front", doc, n, line)
			}
			if strings.Contains(line, "./cmd/keyless") {
				local = append(local, line)
			}
		}
		f.Close()
	}
	if len(local) == 0 {
		t.Fatal("docs/install.md shows no build from a checkout (go install ./cmd/keyless)")
	}
	if runtime.GOOS != "linux" {
		t.Skip("checks an ELF binary")
	}
	if testing.Short() {
		t.Skip("builds keyless")
	}
	for _, line := range local {
		gobin := t.TempDir()
		fields := strings.Fields(line)
		env := append(os.Environ(), "GOBIN="+gobin)
		for len(fields) > 0 && strings.Contains(fields[0], "=") {
			env = append(env, fields[0])
			fields = fields[1:]
		}
		cmd := exec.Command(fields[0], fields[1:]...)
		cmd.Dir, cmd.Env = "../..", env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", line, err, out)
		}
		bin, err := elf.Open(filepath.Join(gobin, "keyless"))
		if err != nil {
			t.Fatal(err)
		}
		defer bin.Close()
		for _, p := range bin.Progs {
			if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
				t.Errorf("%s: the binary has a %v program header: it is linked dynamically", line, p.Type)
			}
		}
		if libs, _ := bin.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("%s: the binary needs %v", line, libs)
		}
	}
}
