package shell

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// trickyValues are values each shell's quoting must carry unchanged.
var trickyValues = []string{
	"",
	"plain",
	"with space  and  runs",
	"it's",
	`say "hi"`,
	`$HOME ${HOME} $(id) ` + "`id`",
	`back\slash \\ \' \n`,
	"line1\nline2\n",
	"\n",
	"tab\there",
	"cr\rhere",
	"%PATH% %% ^ ^^ ! !! & | < > ( ) ;",
	"*?[a-z] ~ # -n -e",
	"é 日本 🔑",
	"‘typographic’ ‚quotes‛ “double”",
	"'",
	"''",
	`\`,
	"end with backslash\\",
	"a=b=c",
	"ASIAEXAMPLE/+=token==",
}

func trickyVars() []Var {
	vars := make([]Var, len(trickyValues))
	for i, v := range trickyValues {
		vars[i] = Var{Name: "KL_T" + string(rune('A'+i)), Value: v}
	}
	return vars
}

// envOf parses `env -0` output.
func envOf(t *testing.T, b []byte) map[string]string {
	t.Helper()
	env := map[string]string{}
	for _, kv := range strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00") {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			t.Fatalf("env entry without '=': %q", kv)
		}
		env[k] = v
	}
	return env
}

// TestExportInRealShells evaluates Export's output in each installed shell,
// then has the shell start `env -0`, so what is compared is what a child
// process of that shell receives, byte for byte.
func TestExportInRealShells(t *testing.T) {
	set := trickyVars()
	unset := []string{"KL_GONE", "KL_NEVER_SET"}
	shells := []struct {
		name, format string
		args         []string // the script is the last argument
		optional     bool
	}{
		{"sh", "sh", []string{"-c"}, false},
		{"bash", "sh", []string{"-c"}, false},
		{"dash", "sh", []string{"-c"}, false},
		{"zsh", "sh", []string{"-f", "-c"}, false},
		{"fish", "fish", []string{"--no-config", "-c"}, false},
		{"pwsh", "powershell", []string{"-NoProfile", "-NonInteractive", "-Command"}, true},
	}
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			var bin string
			if sh.optional {
				p, err := exec.LookPath(sh.name)
				if err != nil {
					t.Skipf("%s not installed", sh.name)
				}
				bin = p
			} else {
				bin = testtool.RequireTool(t, sh.name)
			}
			var script bytes.Buffer
			if err := Export(&script, sh.format, set, unset); err != nil {
				t.Fatal(err)
			}
			envBin := testtool.RequireTool(t, "env")
			script.WriteString(envBin + " -0\n")
			cmd := exec.Command(bin, append(sh.args, script.String())...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/nonexistent", "KL_GONE=before", "LANG=C.UTF-8"}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v\nscript:\n%s", sh.name, err, script.String())
			}
			env := envOf(t, out)
			got := map[string]string{}
			for k, v := range env {
				if strings.HasPrefix(k, "KL_") {
					got[k] = v
				}
			}
			want := map[string]string{}
			for _, v := range set {
				want[v.Name] = v.Value
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("%s environment after Export (-want +got):\n%s", sh.name, d)
			}
		})
	}
}

func TestExportFormats(t *testing.T) {
	set := []Var{{"AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"}, {"KEYLESS_PROFILE", "it's 100% <dev>"}}
	unset := []string{"AWS_PROFILE"}
	tests := []struct {
		format, want string
	}{
		{"sh", "export AWS_ACCESS_KEY_ID='ASIAEXAMPLE'\nexport KEYLESS_PROFILE='it'\\''s 100% <dev>'\nunset AWS_PROFILE\n"},
		{"fish", "set -gx AWS_ACCESS_KEY_ID 'ASIAEXAMPLE'\nset -gx KEYLESS_PROFILE 'it\\'s 100% <dev>'\nset -e AWS_PROFILE\n"},
		{"powershell", "$Env:AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE'\n$Env:KEYLESS_PROFILE = 'it''s 100% <dev>'\nRemove-Item Env:AWS_PROFILE -ErrorAction SilentlyContinue\n"},
		{"cmd", "set \"AWS_ACCESS_KEY_ID=ASIAEXAMPLE\"\r\nset \"KEYLESS_PROFILE=it's 100%% <dev>\"\r\nset AWS_PROFILE=\r\n"},
		{"json", "{\n  \"AWS_ACCESS_KEY_ID\": \"ASIAEXAMPLE\",\n  \"KEYLESS_PROFILE\": \"it's 100% <dev>\",\n  \"AWS_PROFILE\": null\n}\n"},
		{"dotenv", "AWS_ACCESS_KEY_ID=ASIAEXAMPLE\nKEYLESS_PROFILE=\"it's 100% <dev>\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.format, func(t *testing.T) {
			var b bytes.Buffer
			if err := Export(&b, tt.format, set, unset); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, b.String()); d != "" {
				t.Errorf("Export %s (-want +got):\n%s", tt.format, d)
			}
		})
	}
	var formats []string
	for _, tt := range tests {
		formats = append(formats, tt.format)
	}
	if d := cmp.Diff(formats, Formats()); d != "" {
		t.Errorf("Formats() and the tested formats differ (-tested +Formats):\n%s", d)
	}
}

func TestExportJSONCarriesEveryValue(t *testing.T) {
	var b bytes.Buffer
	if err := Export(&b, "json", trickyVars(), []string{"KL_GONE"}); err != nil {
		t.Fatal(err)
	}
	var got map[string]*string
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, b.String())
	}
	want := map[string]*string{"KL_GONE": nil}
	for _, v := range trickyVars() {
		want[v.Name] = &v.Value
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("json (-want +got):\n%s", d)
	}
	b.Reset()
	if err := Export(&b, "json", nil, nil); err != nil || b.String() != "{}\n" {
		t.Errorf("empty json = %q, %v", b.String(), err)
	}
}

func TestExportDotenvEscapes(t *testing.T) {
	var b bytes.Buffer
	if err := Export(&b, "dotenv", []Var{{"K", "a\"b\\c$HOME\nd\re 'f' é"}}, []string{"GONE"}); err != nil {
		t.Fatal(err)
	}
	if want := `K="a\"b\\c\$HOME\nd\re 'f' é"` + "\n"; b.String() != want {
		t.Errorf("dotenv = %q, want %q", b.String(), want)
	}
}

// TestExportDotenvDockerEnvFile: credentials, the endpoint's URL and token,
// times and profile names are written bare, so that docker run --env-file,
// which takes everything after the first = literally (docker/cli's
// opts.ParseEnvFile: no quote removal, no escapes, trailing spaces kept),
// reads the same values as dotenv libraries and shells.
func TestExportDotenvDockerEnvFile(t *testing.T) {
	set := []Var{
		{"AWS_ACCESS_KEY_ID", "ASIAIOSFODNN7EXAMPLE"},
		{"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY+x"},
		{"AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+abc=="},
		{"AWS_CREDENTIAL_EXPIRATION", "2026-12-02T15:12:00Z"},
		{"AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:41237/credentials"},
		{"AWS_CONTAINER_AUTHORIZATION_TOKEN", "q3-Jx_9aZ0b1c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r"},
		{"AWS_REGION", "eu-west-1"},
		{"KEYLESS_PROFILE", "PowerUser-111111111111"},
		{"EMPTY", ""},
	}
	var b bytes.Buffer
	if err := Export(&b, "dotenv", set, []string{"AWS_PROFILE"}); err != nil {
		t.Fatal(err)
	}
	var got []Var
	for _, line := range strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n") {
		k, v, ok := strings.Cut(strings.TrimLeft(line, " \t"), "=")
		if !ok {
			t.Fatalf("line %q has no =", line)
		}
		got = append(got, Var{k, v})
	}
	if d := cmp.Diff(set, got); d != "" {
		t.Errorf("as docker run --env-file reads it (-want +got):\n%s\n%s", d, b.String())
	}
}

func TestExportRefuses(t *testing.T) {
	tests := []struct {
		name   string
		format string
		set    []Var
		unset  []string
		want   string // in the error
	}{
		{"unknown format", "tcsh", nil, nil, `unknown format "tcsh": use one of sh, fish, powershell, cmd, json, dotenv`},
		{"bad name", "sh", []Var{{"A-B", "x"}}, nil, `variable name "A-B"`},
		{"name starting with a digit", "sh", nil, []string{"1A"}, `variable name "1A"`},
		{"name twice", "json", []Var{{"A", "x"}}, []string{"A"}, "variable A is named twice"},
		{"NUL", "sh", []Var{{"A", "x\x00y"}}, nil, "NUL byte"},
		{"invalid UTF-8", "powershell", []Var{{"A", "\xff"}}, nil, "not valid UTF-8"},
		{"cmd newline", "cmd", []Var{{"A", "x\ny"}}, nil, "variable A: cmd cannot set a value with a line break"},
		{"cmd CR", "cmd", []Var{{"A", "x\ry"}}, nil, "line break"},
		{"cmd double quote", "cmd", []Var{{"A", `x"y`}}, nil, "double quote"},
		{"cmd bang", "cmd", []Var{{"A", "x!y"}}, nil, "'!'"},
		{"cmd control", "cmd", []Var{{"A", "x\x1by"}}, nil, "control character U+001B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			err := Export(&b, tt.format, tt.set, tt.unset)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one containing %q", err, tt.want)
			}
			if b.Len() != 0 {
				t.Errorf("wrote %q before failing", b.String())
			}
		})
	}
}
