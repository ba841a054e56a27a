package cli

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
)

// TestApplyAsksOnATerminal drives keyless apply in a real terminal (tmux):
// it shows the plan, asks, takes only "yes", and otherwise changes nothing.
func TestApplyAsksOnATerminal(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("tmux is required in CI: %v", err)
		}
		t.Skip("tmux not installed")
	}
	bin := buildKeyless(t)
	_, url := startTestSandbox(t, sandbox.Options{AssignmentDelay: 10 * time.Millisecond})
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "keyless.yaml"), []byte(`users:
  - {email: john@example.com, given_name: John, family_name: Doe}
super_admins: [john@example.com]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	session := fmt.Sprintf("keyless-test-%d", os.Getpid())
	socket := filepath.Join(dir, "tmux.sock")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	screen := func() string { return run("capture-pane", "-p", "-t", session) }
	// waitFor waits for a pattern on the screen: "EXIT=[0-9]" is the exit
	// status echoed after a command, not the command line that echoes it.
	waitFor := func(s string) string {
		t.Helper()
		re := regexp.MustCompile(s)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if sc := screen(); re.MatchString(sc) {
				return sc
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the terminal never showed %q:\n%s", s, screen())
		return ""
	}
	env := fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1", dir, dir, url)
	run("new-session", "-d", "-s", session, "-x", "120", "-y", "50", "sh")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })

	// Anything but "yes" cancels.
	run("send-keys", "-t", session, env+" "+bin+" apply; echo EXIT=$?", "Enter")
	waitFor(`Only 'yes' is accepted:`)
	run("send-keys", "-t", session, "y", "Enter")
	sc := waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "Apply cancelled; nothing changed.") || !strings.Contains(sc, "EXIT=0") {
		t.Fatalf("after answering y:\n%s", sc)
	}
	run("send-keys", "-t", session, "clear", "Enter")
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(screen(), "EXIT="); {
		if time.Now().After(deadline) {
			t.Fatalf("the screen was not cleared:\n%s", screen())
		}
		time.Sleep(20 * time.Millisecond)
	}

	run("send-keys", "-t", session, env+" "+bin+" apply; echo EXIT=$?", "Enter")
	waitFor(`Only 'yes' is accepted:`)
	run("send-keys", "-t", session, "yes", "Enter")
	sc = waitFor(`EXIT=\d`)
	for _, want := range []string{"Apply complete: 5 created", "Access portal: https://d-1111111111.awsapps.com/start", "EXIT=0"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("after answering yes, no %q:\n%s", want, sc)
		}
	}
}

// TestOfferLoginOnATerminal: a command that needs a sign-in says what to
// run and, on a terminal, offers to do it; declining runs nothing, and
// accepting signs in and goes on.
func TestOfferLoginOnATerminal(t *testing.T) {
	tmux, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("tmux is required in CI: %v", err)
		}
		t.Skip("tmux not installed")
	}
	bin := buildKeyless(t)
	seed := sandbox.DefaultSeed()
	seed.Users = []sandbox.SeedUser{{UserName: "alice"}}
	seed.PermissionSets = []sandbox.SeedPermissionSet{{Name: "PowerUser"}}
	seed.Assignments = []sandbox.SeedAssignment{{PermissionSet: "PowerUser", User: "alice", Accounts: []string{"222222222222"}}}
	_, url := startTestSandbox(t, sandbox.Options{Seed: seed, ApproveAs: "alice"})
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`[sso-session corp]
sso_start_url = %s/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[profile dev]
sso_session = corp
sso_account_id = 222222222222
sso_role_name = PowerUser
`, url)
	if err := os.WriteFile(filepath.Join(dir, ".aws", "config"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	session := fmt.Sprintf("keyless-offer-%d", os.Getpid())
	socket := filepath.Join(dir, "tmux.sock")
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	screen := func() string { return run("capture-pane", "-p", "-J", "-t", session) }
	waitFor := func(s string) string {
		t.Helper()
		re := regexp.MustCompile(s)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			if sc := screen(); re.MatchString(sc) {
				return sc
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Fatalf("the terminal never showed %q:\n%s", s, screen())
		return ""
	}
	env := fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm BROWSER=none AWS_ENDPOINT_URL=%s", dir, dir, url)
	run("new-session", "-d", "-s", session, "-x", "200", "-y", "50", "sh")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })

	run("send-keys", "-t", session, env+" "+bin+" exec dev -- sh -c 'echo RAN=$AWS_REGION'; echo EXIT=$?", "Enter")
	waitFor(`Sign in now \(keyless login --session corp\)\? \[Y/n\]`)
	run("send-keys", "-t", session, "n", "Enter")
	sc := waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "hint: sign in with: keyless login --session corp") || !strings.Contains(sc, "EXIT=1") || strings.Contains(sc, "RAN=us-east-1") {
		t.Fatalf("after declining:\n%s", sc)
	}
	run("send-keys", "-t", session, "clear", "Enter")
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(screen(), "EXIT="); {
		if time.Now().After(deadline) {
			t.Fatalf("the screen was not cleared:\n%s", screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	run("send-keys", "-t", session, env+" "+bin+" exec dev -- sh -c 'echo RAN=$AWS_REGION'; echo EXIT=$?", "Enter")
	waitFor(`Sign in now`)
	run("send-keys", "-t", session, "", "Enter")
	sc = waitFor(`EXIT=\d`)
	for _, want := range []string{"Using a device code: BROWSER=none.", "Signed in", "RAN=us-east-1", "EXIT=0"} {
		if !strings.Contains(sc, want) {
			t.Fatalf("after accepting, no %q:\n%s", want, sc)
		}
	}
}
