package cli

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// printsDataAnyway are the commands without --json: their stdout is data in
// a format of its own, or they report nothing.
var printsDataAnyway = map[string]string{
	"keyless credential-process": "credential_process JSON is its only output",
	"keyless env":                "prints shell statements; --format json is its JSON",
	"keyless exec":               "stdout is the command's it runs",
	"keyless shell-init":         "prints a shell script",
	"keyless completion":         "prints a completion script",
	"keyless console":            "opens a browser; --print prints the URL",
	"keyless sandbox":            "a server: prints the environment to point tools at it",
	"keyless serve":              "a server: prints the environment to point the SDKs at it; --format json is its JSON",
	"keyless demo":               "a guided story for people to read",
	"keyless init":               "a guided walk-through for a person; the commands it runs (apply, login) have --json",
}

// TestEveryReportingCommandHasJSON walks the command tree: every command
// that runs (not a group, not hidden) has --json, or an entry above that
// says why not. A new command must choose.
func TestEveryReportingCommandHasJSON(t *testing.T) {
	root := newRootCommand(&globalOptions{streams: Streams{In: strings.NewReader(""), Out: &bytes.Buffer{}, Err: &bytes.Buffer{}}})
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || !c.Runnable() || c == root {
			return
		}
		path := c.CommandPath()
		if why, ok := printsDataAnyway[path]; ok {
			seen[path] = true
			if c.Flags().Lookup("json") != nil {
				t.Errorf("%s has --json, yet is listed as printing data anyway (%s): remove it from the list", path, why)
			}
			return
		}
		f := c.Flags().Lookup("json")
		if f == nil {
			t.Errorf("%s has no --json: add one (data on stdout, messages on stderr), or list it in printsDataAnyway with the reason", path)
			return
		}
		if f.Value.Type() != "bool" {
			t.Errorf("%s --json is a %s, want a bool", path, f.Value.Type())
		}
	}
	walk(root)
	for path := range printsDataAnyway {
		if !seen[path] {
			t.Errorf("printsDataAnyway lists %s, which is no command", path)
		}
	}
}

// TestNoColorThroughPipes runs keyless as a script would, stdout and stderr
// piped, with and without NO_COLOR: no escape sequence reaches either.
// On a terminal, NO_COLOR alone turns colors off (the plan's + ~ -).
func TestNoColorThroughPipes(t *testing.T) {
	t.Parallel() // its own sandbox and HOME: nothing shared
	bin := buildStamped(t, "v0.0.0-test")
	_, url := startTestSandbox(t, sandbox.Options{AssignmentDelay: 10 * time.Millisecond})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "keyless.yaml"), "users:\n  - {email: john@example.com, given_name: John, family_name: Doe}\nsuper_admins: [john@example.com]\n")
	// A made-up key for scan to find.
	writeFile(t, filepath.Join(dir, "src", "config.ini"), "aws_access_key_id = AKIAQ3EGYOJ2BMYTCHM4\n")
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "TERM=xterm", "AWS_ENDPOINT_URL=" + url,
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AWS_SECRET_ACCESS_KEY=x", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, ".aws", "config"), "AWS_EC2_METADATA_DISABLED=true"}
	commands := [][]string{
		{"--version"},
		{"--help"},
		{"plan"},
		{"apply", "--yes"},
		{"plan", "--json"},
		{"scan", "src"},
		{"profiles", "list", "--json"},
		{"logout"}, // no sso-session: an error with a hint
		{"env"},    // the picker needs a terminal: an error with a hint
		{"nosuch"}, // a usage error
	}
	for _, noColor := range []string{"", "1"} {
		for _, args := range commands {
			cmd := exec.Command(bin, args...)
			cmd.Dir = dir
			cmd.Env = append(env, "NO_COLOR="+noColor)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			_ = cmd.Run() // scan, env and nosuch fail on purpose
			if stdout.Len()+stderr.Len() == 0 {
				t.Errorf("NO_COLOR=%q keyless %v printed nothing", noColor, args)
			}
			for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String()} {
				if strings.Contains(out, "\x1b[") {
					t.Errorf("NO_COLOR=%q keyless %v: an escape sequence on %s:\n%q", noColor, args, name, out)
				}
			}
			if args[0] == "--version" && !strings.HasPrefix(stdout.String(), "keyless v0.0.0-test go") {
				t.Errorf("--version of a stamped build = %q, want the stamped version", stdout.String())
			}
		}
	}

	tmux := testtool.RequireTool(t, "tmux")
	// A file that adds a user, so that plan has a colored line to show.
	writeFile(t, filepath.Join(dir, "more.yaml"), "users:\n  - {email: john@example.com, given_name: John, family_name: Doe}\n  - {email: ann@example.com, given_name: Ann, family_name: Roe}\nsuper_admins: [john@example.com]\n")
	socket := filepath.Join(dir, "tmux.sock")
	session := fmt.Sprintf("keyless-nocolor-%d", os.Getpid())
	tm := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	tm("new-session", "-d", "-s", session, "-x", "120", "-y", "50", "sh")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })
	for _, tc := range []struct {
		noColor   string
		wantColor bool
	}{{"1", false}, {"", true}} {
		tm("send-keys", "-t", session, "clear", "Enter")
		line := fmt.Sprintf("cd %s && env -i %s NO_COLOR=%s %s plan -f more.yaml; echo EXIT=$?", dir, strings.Join(env, " "), tc.noColor, bin)
		tm("send-keys", "-t", session, line, "Enter")
		var screen string
		for deadline := time.Now().Add(20 * time.Second); ; {
			screen = tm("capture-pane", "-p", "-e", "-t", session)
			if regexp.MustCompile(`EXIT=\d`).MatchString(screen) || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if !strings.Contains(screen, "ann@example.com") || !strings.Contains(screen, "EXIT=0") {
			t.Fatalf("NO_COLOR=%q plan on a terminal:\n%s", tc.noColor, screen)
		}
		if got := strings.Contains(screen, "\x1b[32m"); got != tc.wantColor {
			t.Errorf("NO_COLOR=%q plan on a terminal: green shown = %v, want %v:\n%q", tc.noColor, got, tc.wantColor, screen)
		}
	}
}

// buildStamped builds keyless as a release does, with the version stamped.
func buildStamped(t *testing.T, version string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "keyless")
	cmd := exec.Command("go", "build", "-ldflags", "-X github.com/keyless-dev/keyless/internal/cli.Version="+version, "-o", bin, "../../cmd/keyless")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func writeFile(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
