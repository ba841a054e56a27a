package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCompletion asks keyless for completions the way the shell scripts do
// (the hidden __complete command) and checks the candidates and the
// directive's number on the last line.
func TestCompletion(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "config")
	if err := os.WriteFile(cfg, []byte(`[default]
region = eu-west-1

[profile static]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[sso-session lab]
sso_start_url = https://lab.awsapps.com/start
sso_region = us-east-1

[profile Admin-111111111111]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Admin

[profile Dev-222222222222]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = Dev
`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	t.Setenv("AWS_CONFIG_FILE", cfg)

	const (
		noFile    = ":4"
		filterExt = ":8"
	)
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"exec", ""}, []string{"Admin-111111111111", "Dev-222222222222", noFile}},
		{[]string{"exec", "D"}, []string{"Dev-222222222222", noFile}},
		{[]string{"env", ""}, []string{"Admin-111111111111", "Dev-222222222222", noFile}},
		{[]string{"console", "A"}, []string{"Admin-111111111111", noFile}},
		{[]string{"credential-process", "--profile", ""}, []string{"Admin-111111111111", "Dev-222222222222", noFile}},
		// --profile of commands that call AWS with any credentials: every profile.
		{[]string{"plan", "--profile", ""}, []string{"default", "static", "Admin-111111111111", "Dev-222222222222", noFile}},
		{[]string{"login", "--session", ""}, []string{"corp\thttps://corp.awsapps.com/start", "lab\thttps://lab.awsapps.com/start", noFile}},
		{[]string{"logout", "--session", "l"}, []string{"lab\thttps://lab.awsapps.com/start", noFile}},
		{[]string{"profiles", "sync", "--session", ""}, []string{"corp\thttps://corp.awsapps.com/start", "lab\thttps://lab.awsapps.com/start", noFile}},
		{[]string{"plan", "-f", ""}, []string{"yaml", "yml", filterExt}},
		{[]string{"apply", "--file", ""}, []string{"yaml", "yml", filterExt}},
		{[]string{"shell-init", ""}, []string{"bash", "zsh", "fish", "powershell", noFile}},
		{[]string{"completion", "p"}, []string{"powershell", noFile}},
		{[]string{"env", "--format", ""}, []string{"sh", "fish", "powershell", "cmd", "json", "dotenv", noFile}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(append([]string{"__complete"}, tt.args...), strings.NewReader(""), &out, &errOut)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("completions (-want +got):\n%s", d)
			}
		})
	}
}

// TestCompletionScripts checks that each shell's script is produced and
// names keyless's completion entry point.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		var out, errOut bytes.Buffer
		if code := Main([]string{"completion", sh}, strings.NewReader(""), &out, &errOut); code != 0 {
			t.Fatalf("completion %s: exit %d: %s", sh, code, errOut.String())
		}
		if !strings.Contains(out.String(), "__complete") {
			t.Errorf("completion %s: the script never calls keyless __complete:\n%.300s", sh, out.String())
		}
	}
	var out, errOut bytes.Buffer
	if code := Main([]string{"completion", "tcsh"}, strings.NewReader(""), &out, &errOut); code != ExitUsage {
		t.Errorf("completion tcsh: exit %d, want %d (%s)", code, ExitUsage, errOut.String())
	}
}
