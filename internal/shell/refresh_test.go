package shell

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keyless-dev/keyless/internal/testtool"
)

// refreshKeyless stands in for keyless env: it logs its arguments and sets
// a new key that expires in two hours, or fails for the profile "fail".
const refreshKeyless = `#!/bin/sh
printf '%s\n' "$*" >> "$KL_DIR/log"
[ "$2" = fail ] && { echo 'keyless: not signed in' >&2; exit 3; }
exp=$(( $(date +%s) + 7200 ))
case $4 in
sh) printf "export AWS_ACCESS_KEY_ID='NEW'\nexport KEYLESS_EXPIRATION_EPOCH='%s'\n" $exp ;;
fish) printf "set -gx AWS_ACCESS_KEY_ID 'NEW'\nset -gx KEYLESS_EXPIRATION_EPOCH '%s'\n" $exp ;;
esac
`

// TestInitRefresh runs each shell's prompt hook as the prompt would (bash
// and zsh call the function, fish emits fish_prompt): with more than 15
// minutes left nothing runs; with less, keyless env is asked once and its
// credentials land in the shell; a failing refresh is not retried at the
// next prompt; an expiry that is not a number runs nothing, whatever it
// holds; and the exit status the prompt shows is the last command's.
func TestInitRefresh(t *testing.T) {
	shells := []struct {
		shell, bin, status, set, hook string
		args                          []string
	}{
		{"bash", "bash", "$?", "export %s=%s", "false; __keyless_refresh", []string{"--norc", "--noprofile", "-c"}},
		{"zsh", "zsh", "$?", "export %s=%s", "false; __keyless_refresh", []string{"-f", "-c"}},
		{"fish", "fish", "", "set -gx %s %s", "false; emit fish_prompt", []string{"--no-config", "-c"}},
	}
	for _, sh := range shells {
		t.Run(sh.shell, func(t *testing.T) {
			bin := testtool.RequireTool(t, sh.bin)
			dir := t.TempDir()
			exe := filepath.Join(dir, "keyless")
			if err := os.WriteFile(exe, []byte(refreshKeyless), 0o755); err != nil {
				t.Fatal(err)
			}
			script, err := Init(sh.shell, exe)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "init"), []byte(script), 0o600); err != nil {
				t.Fatal(err)
			}
			now := time.Now().Unix()
			epoch := func(d time.Duration) string { return fmt.Sprint(now + int64(d.Seconds())) }
			var drive strings.Builder
			step := func(name, setup string) {
				status := ""
				if sh.status != "" {
					status = " status=" + sh.status
				}
				fmt.Fprintf(&drive, "%s\n%s\necho \"%s%s key=$AWS_ACCESS_KEY_ID\"\n", setup, sh.hook, name, status)
			}
			drive.WriteString("source \"$KL_DIR/init\"\n")
			const exp = "KEYLESS_EXPIRATION_EPOCH"
			step("fresh", fmt.Sprintf(sh.set, exp, epoch(time.Hour)))
			step("due", fmt.Sprintf(sh.set, exp, epoch(10*time.Minute)))
			step("refreshed", "")
			step("bad", fmt.Sprintf(sh.set, exp, `'1+$(touch $KL_DIR/pwned)'`))
			step("fail", fmt.Sprintf(sh.set, exp, epoch(5*time.Minute))+"\n"+fmt.Sprintf(sh.set, "KEYLESS_PROFILE", "fail"))
			step("fail again", "")
			cmd := exec.Command(bin, append(sh.args, drive.String())...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + dir, "KL_DIR=" + dir, "LANG=C.UTF-8",
				"KEYLESS_PROFILE=P", "AWS_ACCESS_KEY_ID=OLD"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s\ninit script:\n%s", err, out, script)
			}
			status := " status=1"
			if sh.status == "" {
				status = "" // emit sets fish's $status; the prompt's own is not observable here
			}
			for _, want := range []string{
				"fresh" + status + " key=OLD\n",
				"due" + status + " key=NEW\n",
				"refreshed" + status + " key=NEW\n",
				"bad" + status + " key=NEW\n",
				"keyless: not signed in\nfail" + status + " key=NEW\n",
				"fail again" + status + " key=NEW\n",
			} {
				if !strings.Contains(string(out), want) {
					t.Errorf("no %q in the output:\n%s", want, out)
				}
			}
			log, _ := os.ReadFile(filepath.Join(dir, "log"))
			format := "sh"
			if sh.shell == "fish" {
				format = "fish"
			}
			want := fmt.Sprintf("env P --format %[1]s\nenv fail --format %[1]s\n", format)
			if string(log) != want {
				t.Errorf("keyless was called with\n%s\nwant\n%s", log, want)
			}
			if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
				t.Errorf("an expiry that is not a number ran a command")
			}
		})
	}
}
