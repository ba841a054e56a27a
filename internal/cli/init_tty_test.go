package cli

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestInitOnATerminal drives keyless init in a real terminal (tmux) against
// a sandbox account with no organization and Identity Center not enabled:
// it asks for the region and whether to create the organization, waits for
// Identity Center until Ctrl-C, then, once it is enabled, goes through the
// checklist, the people, the plan and the sign-in.
func TestInitOnATerminal(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	bin := buildKeyless(t)
	off := false
	seed := sandbox.DefaultSeed()
	seed.Organization, seed.IdentityCenter = &off, &off
	_, url := startTestSandbox(t, sandbox.Options{Seed: seed, ApproveAs: "john@example.com", AssignmentDelay: -1})
	dir := t.TempDir()
	session := fmt.Sprintf("keyless-init-%d", os.Getpid())
	socket := filepath.Join(dir, "tmux.sock")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	// The whole scrollback, joined lines: prompts repeat, so waitFor counts.
	screen := func() string { return run("capture-pane", "-p", "-J", "-S", "-", "-t", session) }
	waitFor := func(s string, n int) string {
		t.Helper()
		re := regexp.MustCompile(s)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if sc := screen(); len(re.FindAllString(sc, -1)) >= n {
				return sc
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the terminal never showed %q %d times:\n%s", s, n, screen())
		return ""
	}
	answer := func(prompt string, n int, keys string) {
		t.Helper()
		waitFor(prompt, n)
		run("send-keys", "-t", session, "-l", keys)
		run("send-keys", "-t", session, "Enter")
	}
	env := fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm SHELL=/usr/bin/zsh BROWSER=none AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=x", dir, dir, url)
	initCmd := env + " " + bin + " init --poll-interval 50ms; echo EXIT=$?"
	run("new-session", "-d", "-s", session, "-x", "200", "-y", "50", "sh")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })

	// First run: the region, the organization, then waiting until Ctrl-C.
	run("send-keys", "-t", session, initCmd, "Enter")
	answer(`AWS region for Identity Center \(e\.g\. eu-west-1\): `, 1, "mars-1")
	answer(`"mars-1" is not a region name like eu-west-1\.\nAWS region for Identity Center`, 1, "us-east-1")
	answer(`Create an organization\? \[y/N\] `, 1, "y")
	waitFor(`Waiting for it to appear \(up to 30m0s; Ctrl-C to stop\)\.\.\.`, 1)
	run("send-keys", "-t", session, "C-c")
	sc := waitFor(`EXIT=\d+`, 1)
	for _, want := range []string{"Created organization o-", "https://us-east-1.console.aws.amazon.com/singlesignon/home?region=us-east-1#/", "keyless: interrupted", "EXIT=130"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("first run: no %q:\n%s", want, sc)
		}
	}

	// Second run: Identity Center appears while init waits.
	run("send-keys", "-t", session, initCmd, "Enter")
	answer(`AWS region for Identity Center`, 3, "us-east-1")
	waitFor(`Waiting for it to appear`, 2)
	resp, err := http.Post(url+"/_sandbox/identity-center", "application/json", strings.NewReader(`{"enabled": true}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("enable Identity Center: %v %v", resp, err)
	}
	resp.Body.Close()
	// The checklist: everything done but the email OTP.
	for i, a := range []string{"y", "y", "n", "n", "y"} {
		answer(`Done\? \[y/N\] `, i+1, a)
	}
	// People: one good, one refused, then done.
	answer(`Start from this account's IAM users \(keyless import iam-users\)\? \[y/N\] `, 1, "n")
	answer(`Email \(empty when done\): `, 1, "john@example.com")
	answer(`Given name: `, 1, "John")
	answer(`Family name: `, 1, "Doe")
	answer(`Role: super_admin, power_user or readonly \[super_admin\]: `, 1, "")
	answer(`Email \(empty when done\): `, 2, "not-an-email")
	answer(`Given name: `, 2, "Nobody")
	answer(`Family name: `, 2, "Else")
	answer(`Role: super_admin, power_user or readonly \[readonly\]: `, 1, "")
	answer(`Email \(empty when done\): `, 3, "")
	answer(`Apply these changes\? \[y/N\] `, 1, "y")
	answer(`Sign in on this machine and write its AWS profiles\? \[Y/n\] `, 1, "")
	sc = waitFor(`EXIT=\d+`, 2)
	_, second, _ := strings.Cut(sc, "EXIT=130")
	for _, want := range []string{
		"Organization o-",
		"Identity Center arn:aws:sso:::instance/ssoins-1111111111111111",
		"Added John Doe <john@example.com> as super_admin.",
		`Not added: not-an-email: "not-an-email" is not a valid email address`,
		"Wrote keyless.yaml (1 person).",
		"Apply complete: 5 created",
		"Signed in to https://d-1111111111.awsapps.com/start",
		`add this line to ~/.zshrc:`,
		`eval "$(keyless shell-init zsh)"`,
		"Still to do in the console: Email OTP for users created from the API.",
		"keyless audit",
		"keyless cleanup",
		"EXIT=0",
	} {
		if !strings.Contains(second, want) {
			t.Fatalf("second run: no %q:\n%s", want, second)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "keyless.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	want := `# Written by keyless init: the Terraform module's shape (docs/keyless-yaml.md).
region: us-east-1
users:
- email: john@example.com
  given_name: John
  family_name: Doe
super_admins: [john@example.com]
`
	if diff := cmp.Diff(want, string(data)); diff != "" {
		t.Errorf("keyless.yaml (-want +got):\n%s", diff)
	}
	cfg, err := os.ReadFile(filepath.Join(dir, ".aws", "config"))
	if err != nil || !strings.Contains(string(cfg), "[profile SuperAdmin-111111111111]") {
		t.Errorf("~/.aws/config has no SuperAdmin profile (%v):\n%s", err, cfg)
	}
}
