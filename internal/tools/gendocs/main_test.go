package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
)

// TestDocsCurrent fails when docs/cli does not match the commands: it
// generates the reference into a temporary directory and compares.
func TestDocsCurrent(t *testing.T) {
	const checkedIn = "../../../docs/cli"
	const regenerate = "regenerate with: go run ./internal/tools/gendocs --markdown docs/cli"
	tmp := t.TempDir()
	var errOut bytes.Buffer
	if err := run([]string{"--markdown", tmp}, &errOut); err != nil {
		t.Fatalf("gendocs: %v: %s", err, errOut.String())
	}
	want, got := readDir(t, tmp), readDir(t, checkedIn)
	if len(want) < 10 {
		t.Fatalf("generated only %d files: %v", len(want), slices.Sorted(maps.Keys(want)))
	}
	for name, w := range want {
		g, ok := got[name]
		if !ok {
			t.Errorf("docs/cli/%s is missing; %s", name, regenerate)
			continue
		}
		if g != w {
			t.Errorf("docs/cli/%s is out of date; %s\n%s", name, regenerate, diff.Diff("docs/cli/"+name, []byte(g), "generated", []byte(w)))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/cli/%s documents no command; remove it and %s", name, regenerate)
		}
	}
}

// TestReleaseExtras checks what release archives carry: a man page per
// command, dated by SOURCE_DATE_EPOCH so that archives are reproducible,
// and each shell's completion script.
func TestReleaseExtras(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "1767225600") // 2026-01-01
	tmp, compl := t.TempDir(), t.TempDir()
	var errOut bytes.Buffer
	if err := run([]string{"--man", tmp, "--completions", compl}, &errOut); err != nil {
		t.Fatalf("gendocs: %v: %s", err, errOut.String())
	}
	pages := readDir(t, tmp)
	page, ok := pages["keyless-plan.1"]
	if !ok {
		t.Fatalf("no keyless-plan.1 among %v", slices.Sorted(maps.Keys(pages)))
	}
	for _, want := range []string{`.TH "KEYLESS" "1" "Jan 2026"`, "--detailed-exitcode"} {
		if !strings.Contains(page, want) {
			t.Errorf("keyless-plan.1 lacks %q:\n%.600s", want, page)
		}
	}
	for name := range pages {
		if strings.HasPrefix(name, "keyless-__") {
			t.Errorf("the hidden command %s has a man page", name)
		}
	}
	scripts := readDir(t, compl)
	if got, want := slices.Sorted(maps.Keys(scripts)), []string{"_keyless", "keyless.bash", "keyless.fish", "keyless.ps1"}; !slices.Equal(got, want) {
		t.Errorf("completion scripts = %v, want %v", got, want)
	}
	for name, script := range scripts {
		if !strings.Contains(script, "__complete") {
			t.Errorf("%s never calls keyless __complete", name)
		}
	}
}

// TestBadArguments: no output asked for is an error that lists the flags.
func TestBadArguments(t *testing.T) {
	var errOut bytes.Buffer
	for _, args := range [][]string{nil, {"docs/cli"}} {
		if err := run(args, &errOut); err == nil || !strings.Contains(err.Error(), "--markdown DIR") {
			t.Errorf("run(%q) = %v, want the flags named", args, err)
		}
	}
}

func readDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		files[e.Name()] = string(b)
	}
	return files
}
