package shell

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// fakeKeyless stands in for keyless: it logs its arguments and prints the
// statements the test prepared for the format it is asked for.
const fakeKeyless = `#!/bin/sh
printf '%s\n' "$*" >> "$KL_DIR/log"
fmt= prev=
for a; do
    [ "$prev" = --format ] && fmt=$a
    prev=$a
done
case $1 in
__complete) printf 'dev\tthe dev account\ndemo\nprod\n:4\n'; exit 0 ;;
esac
case $2 in
P) cat "$KL_DIR/set.$fmt" ;;
--unset) cat "$KL_DIR/unset.$fmt" ;;
fail) cat "$KL_DIR/set.$fmt"; cat "$KL_DIR/evil.$fmt"; echo 'keyless: not signed in' >&2; exit 3 ;;
--format) exit 130 ;;
*) echo "fake keyless: unexpected arguments: $*" >&2; exit 99 ;;
esac
`

var credVars = []Var{
	{"AWS_ACCESS_KEY_ID", "ASIAQ3EGYOJ2EXAMPLE1"},
	{"AWS_SECRET_ACCESS_KEY", "se'cr$et`id`\\\nline two %x% !"},
	{"AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjE+/token=="},
	{"AWS_CREDENTIAL_EXPIRATION", "2026-11-24T09:39:09Z"},
	{"AWS_REGION", "eu-west-1"},
	{"AWS_DEFAULT_REGION", "eu-west-1"},
	{"KEYLESS_PROFILE", "P"},
}

var credUnset = []string{"AWS_PROFILE", "AWS_SECURITY_TOKEN"}

func allCredNames() []string {
	var n []string
	for _, v := range credVars {
		n = append(n, v.Name)
	}
	return append(n, credUnset...)
}

// TestInitAssume loads each shell's init script in a real shell and runs
// assume against a fake keyless: it sets the variables, a failing or
// cancelled keyless changes nothing and its exit status comes back, and
// assume --unset removes them.
func TestInitAssume(t *testing.T) {
	shells := []struct {
		shell, bin, format, status string
		args                       []string
	}{
		{"bash", "bash", "sh", "$?", []string{"--norc", "--noprofile", "-c"}},
		{"zsh", "zsh", "sh", "$?", []string{"-f", "-c"}},
		{"fish", "fish", "fish", "$status", []string{"--no-config", "-c"}},
	}
	for _, sh := range shells {
		for _, onPath := range []bool{true, false} {
			name := sh.shell + "/odd path"
			if onPath {
				name = sh.shell + "/on PATH"
			}
			t.Run(name, func(t *testing.T) {
				bin := testtool.RequireTool(t, sh.bin) // zsh and fish too: .ci/run installs them
				runAssume(t, bin, sh.shell, sh.format, sh.status, sh.args, onPath)
			})
		}
	}
}

func runAssume(t *testing.T, bin, shell, format, status string, args []string, onPath bool) {
	dir := t.TempDir()
	binDir := filepath.Join(dir, "bin dir", "it's $here")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(binDir, "keyless")
	if err := os.WriteFile(exe, []byte(fakeKeyless), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, set []Var, unset []string) {
		var b bytes.Buffer
		if err := Export(&b, format, set, unset); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name+"."+format), b.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("set", credVars, credUnset)
	write("unset", nil, allCredNames())
	write("evil", []Var{{"AWS_ACCESS_KEY_ID", "EVIL"}, {"KEYLESS_PROFILE", "evil"}}, nil)

	initExe := exe
	if onPath {
		initExe = "keyless"
	}
	script, err := Init(shell, initExe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "init"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	var drive strings.Builder
	drive.WriteString("source \"$KL_DIR/init\"\n")
	for i, call := range []string{"assume P", "assume fail", "assume", "assume --unset"} {
		n := string(rune('1' + i))
		drive.WriteString(call + "\necho " + status + " > \"$KL_DIR/st" + n + "\"\nenv -0 > \"$KL_DIR/env" + n + "\"\n")
	}
	cmd := exec.Command(bin, append(args, drive.String())...)
	path := os.Getenv("PATH")
	if onPath {
		path = binDir + string(os.PathListSeparator) + path
	}
	cmd.Env = []string{"PATH=" + path, "HOME=" + dir, "KL_DIR=" + dir, "AWS_PROFILE=old", "LANG=C.UTF-8"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s\ninit script:\n%s", shell, err, out, script)
	}
	if !strings.Contains(string(out), "keyless: not signed in") {
		t.Errorf("keyless's error message did not reach the terminal:\n%s", out)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%v\nshell output:\n%s", err, out)
		}
		return string(b)
	}
	creds := func(name string) map[string]string {
		got := map[string]string{}
		for k, v := range envOf(t, []byte(read(name))) {
			if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "KEYLESS_") {
				got[k] = v
			}
		}
		return got
	}
	want := map[string]string{}
	for _, v := range credVars {
		want[v.Name] = v.Value
	}
	steps := []struct {
		call, status string
		env          map[string]string
	}{
		{"assume P", "0", want},
		{"assume fail", "3", want},
		{"assume (cancelled picker)", "130", want},
		{"assume --unset", "0", map[string]string{}},
	}
	for i, s := range steps {
		n := string(rune('1' + i))
		if got := strings.TrimSpace(read("st" + n)); got != s.status {
			t.Errorf("%s: exit status %s, want %s", s.call, got, s.status)
		}
		if d := cmp.Diff(s.env, creds("env"+n)); d != "" {
			t.Errorf("environment after %s (-want +got):\n%s", s.call, d)
		}
	}
	wantLog := "env P --format " + format + "\nenv fail --format " + format + "\nenv --format " + format + "\nenv --unset --format " + format + "\n"
	if d := cmp.Diff(wantLog, read("log")); d != "" {
		t.Errorf("keyless's arguments (-want +got):\n%s", d)
	}
}

// TestInitBashCompletion runs the completion function as bash's complete
// would: names come from `keyless __complete env WORD`, without cobra's
// directive line and descriptions.
func TestInitBashCompletion(t *testing.T) {
	bash := testtool.RequireTool(t, "bash")
	dir := t.TempDir()
	exe := filepath.Join(dir, "keyless")
	if err := os.WriteFile(exe, []byte(fakeKeyless), 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := Init("bash", exe)
	if err != nil {
		t.Fatal(err)
	}
	drive := script + `
complete -p assume
COMP_WORDS=(assume de); COMP_CWORD=1; _keyless_assume_complete
printf '[%s]\n' "${COMPREPLY[@]}"
`
	cmd := exec.Command(bash, "--norc", "--noprofile", "-c", drive)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "KL_DIR=" + dir}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	if want := "complete -F _keyless_assume_complete assume\n[dev]\n[demo]\n"; string(out) != want {
		t.Errorf("completion output = %q, want %q", out, want)
	}
	if log, _ := os.ReadFile(filepath.Join(dir, "log")); string(log) != "__complete env de\n" {
		t.Errorf("keyless called with %q, want %q", log, "__complete env de\n")
	}
}

func TestInitUnknownShell(t *testing.T) {
	if _, err := Init("tcsh", "/bin/keyless"); err == nil || err.Error() != `unknown shell "tcsh": use one of bash, zsh, fish, powershell` {
		t.Errorf("Init(tcsh) error = %v", err)
	}
	for _, sh := range Shells() {
		s, err := Init(sh, "/opt/it's/keyless")
		if err != nil || !strings.Contains(s, "assume") {
			t.Errorf("Init(%s) = %q, %v", sh, s, err)
		}
	}
}
