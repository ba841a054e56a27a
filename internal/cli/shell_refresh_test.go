package cli

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/sandbox"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestShellRefreshAtPrompt drives bash, zsh and fish in a real terminal
// (tmux) with keyless's shell integration: assume says when the
// credentials expire; prompts while they are fresh run nothing (keyless
// would say so on the terminal); once fewer than 15 minutes remain, the
// next prompt puts new credentials into the shell, and the exit status a
// prompt shows is still the last command's.
func TestShellRefreshAtPrompt(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	bin := buildKeyless(t)
	shells := []struct {
		name, start, init, status, makeDue string
	}{
		{"bash", "bash --norc --noprofile", `eval "$(%s shell-init bash)"`, "$?",
			`export KEYLESS_EXPIRATION_EPOCH=$(( $(date +%%s) + 600 )); rm -r %s/.aws/cli/cache`},
		{"zsh", "zsh -f", `eval "$(%s shell-init zsh)"`, "$?",
			`export KEYLESS_EXPIRATION_EPOCH=$(( $(date +%%s) + 600 )); rm -r %s/.aws/cli/cache`},
		{"fish", "fish --no-config --private", `%s shell-init fish | source`, "$status",
			`set -gx KEYLESS_EXPIRATION_EPOCH (math (date +%%s) + 600); rm -r %s/.aws/cli/cache`},
	}
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			testtool.RequireTool(t, sh.name)
			sb := startLiveSandbox(t, sandbox.Options{Seed: compatSeed(), ApproveAs: "alice"})
			p := newPerson(t, bin, sb.url)
			p.login()
			term := startTerminal(t, tmux, p.home, 200)
			term.send(fmt.Sprintf("cd %s && exec env -i PATH=/usr/bin:/bin HOME=%s TERM=xterm HISTFILE= BROWSER=none AWS_EC2_METADATA_DISABLED=true AWS_ENDPOINT_URL=%s %s",
				p.home, p.home, sb.url, sh.start))
			term.send(fmt.Sprintf(sh.init, bin) + "; echo INIT=" + sh.status)
			term.waitFor(`INIT=0`)
			term.send("assume " + powerUser + "; echo EXIT=" + sh.status)
			sc := term.waitFor(`EXIT=\d`)
			if !regexp.MustCompile(`keyless: credentials of `+powerUser+` expire at \d\d:\d\d \S+ \(in (59m|1h00m)\)`).MatchString(sc) || !strings.Contains(sc, "EXIT=0") {
				t.Fatalf("assume:\n%s", sc)
			}
			term.send("echo KEY1=$AWS_ACCESS_KEY_ID")
			sc = term.waitFor(`KEY1=ASIA\w+`)
			if n := strings.Count(sc, "expire at"); n != 1 {
				t.Fatalf("keyless spoke %d times, want once (for assume):\n%s", n, sc)
			}
			key1 := keyOnScreen(t, sc, "KEY1")
			term.clear()

			// Fresh: prompts come and go, keyless does not run.
			for range 3 {
				term.send("true")
			}
			term.send("false")
			term.send("echo STATUS=" + sh.status)
			sc = term.waitFor(`STATUS=\d`)
			if strings.Contains(sc, "keyless") || !strings.Contains(sc, "STATUS=1") {
				t.Fatalf("prompts with fresh credentials:\n%s", sc)
			}
			if n := sb.srv.Calls()["sso:GetRoleCredentials"]; n != 1 {
				t.Fatalf("GetRoleCredentials called %d times, want 1", n)
			}
			term.clear()

			// Ten minutes left: the next prompt refreshes (the role cache
			// is gone, so the credentials are new).
			term.send(fmt.Sprintf(sh.makeDue, p.home))
			term.send("echo KEY2=$AWS_ACCESS_KEY_ID EXP=$KEYLESS_EXPIRATION_EPOCH")
			sc = term.waitFor(`KEY2=ASIA\w+ EXP=\d+`)
			if !strings.Contains(sc, "keyless: credentials of "+powerUser+" expire at") {
				t.Fatalf("no refresh at the prompt:\n%s", sc)
			}
			key2 := keyOnScreen(t, sc, "KEY2")
			exp, _ := strconv.ParseInt(regexp.MustCompile(`EXP=(\d+)`).FindStringSubmatch(sc)[1], 10, 64)
			if key2 == key1 || time.Until(time.Unix(exp, 0)) < 50*time.Minute {
				t.Fatalf("after the refresh: key %s (was %s), expiry in %s\n%s", key2, key1, time.Until(time.Unix(exp, 0)), sc)
			}
			if n := sb.srv.Calls()["sso:GetRoleCredentials"]; n != 2 {
				t.Fatalf("GetRoleCredentials called %d times, want 2", n)
			}
		})
	}
}

func keyOnScreen(t *testing.T, screen, label string) string {
	t.Helper()
	m := regexp.MustCompile(label + `=(ASIA\w+)`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no %s on the screen:\n%s", label, screen)
	}
	return m[1]
}
