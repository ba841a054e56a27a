//go:build unix

package cli

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestCtrlCStopsEveryCommand types Ctrl-C in a real terminal (tmux) while
// each long command waits: on AWS, on a sign-in, at a prompt, on a file.
// Each stops at once with exit 130.
func TestCtrlCStopsEveryCommand(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	bin := buildKeyless(t)
	seed := sandbox.DefaultSeed()
	seed.Users = []sandbox.SeedUser{{UserName: "alice"}}
	_, url := startTestSandbox(t, sandbox.Options{Seed: seed})
	_, slow := startTestSandbox(t, sandbox.Options{Seed: seed, Latency: time.Minute})
	dir := t.TempDir()
	files := map[string]string{
		"keyless.yaml": "users:\n  - {email: john@example.com, given_name: John, family_name: Doe}\nsuper_admins: [john@example.com]\n",
		".aws/config":  fmt.Sprintf("[sso-session corp]\nsso_start_url = %s/start\nsso_region = us-east-1\nsso_registration_scopes = sso:account:access\n", url),
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	huge, err := os.Create(filepath.Join(dir, "huge.img"))
	if err != nil {
		t.Fatal(err)
	}
	if err := huge.Truncate(1 << 40); err != nil { // sparse: takes no disk
		t.Skipf("no sparse file of 1 TiB here: %v", err)
	}
	huge.Close()
	env := func(endpoint string) string {
		return fmt.Sprintf("cd %s && env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm BROWSER=none AWS_ENDPOINT_URL=%s AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE AWS_SECRET_ACCESS_KEY=x AWS_REGION=us-east-1", dir, dir, endpoint)
	}
	term := startTerminal(t, tmux, dir, 200)
	for _, c := range []struct {
		name, cmd, endpoint, waiting string
	}{
		{"scan", "scan huge.img", url, `scanning files`},
		{"apply at its prompt", "apply", url, `Only 'yes' is accepted:`},
		{"apply on a slow AWS", "apply --yes", slow, ""},
		{"audit on a slow AWS", "audit", slow, ""},
		{"cleanup on a slow AWS", "cleanup --yes", slow, ""},
		{"login waiting for the sign-in", "login --session corp --device-code", url, `(?i)code`},
	} {
		t.Run(c.name, func(t *testing.T) {
			term.t = t
			term.clear()
			term.send(env(c.endpoint) + " " + bin + " " + c.cmd + "; echo EXIT=$?")
			term.waitFor(cmp.Or(c.waiting, regexp.QuoteMeta(c.cmd+"; echo EXIT")))
			time.Sleep(time.Second) // into the wait
			start := time.Now()
			term.run("send-keys", "-t", term.session, "C-c")
			sc := term.waitFor(`EXIT=\d`)
			took := time.Since(start)
			if !regexp.MustCompile(`(?m)keyless: interrupted$`).MatchString(sc) || !regexp.MustCompile(`(?m)^EXIT=130$`).MatchString(sc) || took > 5*time.Second {
				t.Errorf("after Ctrl-C (%v):\n%s\nwant 'keyless: interrupted' and EXIT=130 within 5s", took.Round(time.Millisecond), sc)
			}
		})
	}
}
