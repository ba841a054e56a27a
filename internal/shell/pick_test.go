package shell

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/keyless-dev/keyless/internal/testtool"
)

// TestMain doubles as the picker program the tmux test runs: with
// KEYLESS_PICK_ITEMS set, the test binary shows the picker and prints the
// choice instead of running tests.
func TestMain(m *testing.M) {
	if items := os.Getenv("KEYLESS_PICK_ITEMS"); items != "" {
		choice, err := Pick(os.Stdin, os.Stderr, strings.Split(items, ","))
		switch {
		case errors.Is(err, ErrCancelled):
			fmt.Println("CANCELLED")
			os.Exit(130)
		case err != nil:
			fmt.Println("ERROR:", err)
			os.Exit(1)
		}
		fmt.Printf("PICKED=%s\n", choice)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestDecodeKeys(t *testing.T) {
	r := func(c rune) keyPress { return keyPress{kind: keyRune, r: c} }
	k := func(kind keyKind) keyPress { return keyPress{kind: kind} }
	tests := []struct {
		name string
		in   string
		want []keyPress
	}{
		{"text", "dé", []keyPress{r('d'), r('é')}},
		{"enter CR", "\r", []keyPress{k(keyEnter)}},
		{"enter LF", "\n", []keyPress{k(keyEnter)}},
		{"backspace DEL and BS", "\x7f\x08", []keyPress{k(keyBackspace), k(keyBackspace)}},
		{"arrows CSI", "\x1b[A\x1b[B", []keyPress{k(keyUp), k(keyDown)}},
		{"arrows SS3", "\x1bOA\x1bOB", []keyPress{k(keyUp), k(keyDown)}},
		{"ctrl-p ctrl-n", "\x10\x0e", []keyPress{k(keyUp), k(keyDown)}},
		{"ctrl-u", "\x15", []keyPress{k(keyClear)}},
		{"esc alone", "\x1b", []keyPress{k(keyCancel)}},
		{"ctrl-c", "\x03", []keyPress{k(keyCancel)}},
		{"other sequences dropped", "\x1b[1;5C\x1b[3~x", []keyPress{r('x')}},
		{"other control keys dropped", "\x01\x02\ty", []keyPress{r('y')}},
		{"invalid UTF-8 dropped", "\xffz", []keyPress{r('z')}},
		{"typed fast", "pr\x1b[B\r", []keyPress{r('p'), r('r'), k(keyDown), k(keyEnter)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decodeKeys([]byte(tt.in))
			if d := cmp.Diff(tt.want, got, cmp.AllowUnexported(keyPress{})); d != "" {
				t.Errorf("decodeKeys(%q) (-want +got):\n%s", tt.in, d)
			}
		})
	}
}

func TestFilterItems(t *testing.T) {
	items := []string{"prod-admin", "dev-admin", "dev-readonly", "Sandbox-Dev", "audit"}
	tests := []struct {
		query string
		want  []string
	}{
		{"", items},
		{"  ", items},
		{"dev", []string{"dev-admin", "dev-readonly", "Sandbox-Dev"}},
		{"DEV", []string{"dev-admin", "dev-readonly", "Sandbox-Dev"}},
		{"admin dev", []string{"dev-admin"}},
		{"min  pro", []string{"prod-admin"}},
		{"zzz", nil},
	}
	for _, tt := range tests {
		if d := cmp.Diff(tt.want, filterItems(items, tt.query)); d != "" {
			t.Errorf("filterItems(%q) (-want +got):\n%s", tt.query, d)
		}
	}
}

func TestPickerPress(t *testing.T) {
	items := []string{"prod", "dev", "staging-dev", "audit"}
	tests := []struct {
		name    string
		keys    string
		outcome outcome
		query   string
		choice  string
	}{
		{"enter picks the first", "\r", picked, "", "prod"},
		{"down moves", "\x1b[B\x1b[B\r", picked, "", "staging-dev"},
		{"down stops at the end", strings.Repeat("\x0e", 9) + "\r", picked, "", "audit"},
		{"up stops at the top", "\x0e\x10\x10\r", picked, "", "prod"},
		{"typing filters and resets the cursor", "\x1b[B\x1b[Bdev", goOn, "dev", "dev"},
		{"filtered down", "dev\x0e\r", picked, "dev", "staging-dev"},
		{"backspace widens", "devx\x7f\x0e\r", picked, "dev", "staging-dev"},
		{"backspace on empty query", "\x7f\x7f\r", picked, "", "prod"},
		{"backspace removes a whole rune", "dé\x7f", goOn, "d", "prod"},
		{"ctrl-u clears", "aud\x15\r", picked, "", "prod"},
		{"enter without a match waits", "zz\r", goOn, "zz", ""},
		{"esc cancels", "de\x1b", cancelled, "de", "dev"},
		{"ctrl-c cancels", "\x03", cancelled, "", "prod"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := picker{items: items}
			res := goOn
			for _, k := range decodeKeys([]byte(tt.keys)) {
				if p, res = p.press(k); res != goOn {
					break
				}
			}
			if res != tt.outcome || p.query != tt.query || p.selected() != tt.choice {
				t.Errorf("after %q: outcome %d, query %q, selected %q; want %d, %q, %q",
					tt.keys, res, p.query, p.selected(), tt.outcome, tt.query, tt.choice)
			}
		})
	}
}

func TestPickerRender(t *testing.T) {
	var items []string
	for i := range 15 {
		items = append(items, fmt.Sprintf("profile-%02d-with-a-long-name", i))
	}
	p := picker{items: items, query: "pro", cursor: 12}
	got := p.render(3, 20, false)
	want := "\r\x1b[J" + "profile> pro" +
		"\r\n  profile-10-with-a" +
		"\r\n  profile-11-with-a" +
		"\r\n> profile-12-with-a" +
		"\x1b[3A\r\x1b[12C"
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("render (-want +got):\n%s", d)
	}
	if got := p.render(3, 20, true); !strings.Contains(got, "\x1b[7m> profile-12-with-a\x1b[0m") {
		t.Errorf("colour render has no highlighted line: %q", got)
	}
	none := picker{items: items, query: "zz"}.render(3, 80, false)
	if want := "\r\x1b[Jprofile> zz\r\n  (no profile matches)\x1b[1A\r\x1b[11C"; none != want {
		t.Errorf("render without matches = %q, want %q", none, want)
	}
}

func TestPickRefusesWithoutTerminal(t *testing.T) {
	f, err := os.Open(os.DevNull)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := Pick(f, os.Stderr, []string{"a"}); err == nil || !strings.Contains(err.Error(), "not a terminal") {
		t.Errorf("Pick on /dev/null: %v", err)
	}
	if _, err := Pick(f, os.Stderr, nil); err == nil || !strings.Contains(err.Error(), "no profiles") {
		t.Errorf("Pick without items: %v", err)
	}
}

// TestPickOnATerminal runs the picker in a real terminal (tmux), types,
// moves, picks and cancels, and checks the terminal is restored and the
// picker's lines erased.
func TestPickOnATerminal(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	socket := filepath.Join(dir, "tmux.sock")
	session := fmt.Sprintf("keyless-pick-%d", os.Getpid())
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(tmux, append([]string{"-S", socket}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	screen := func(args ...string) string {
		return run(append([]string{"capture-pane", "-p", "-t", session}, args...)...)
	}
	waitFor := func(pattern string) string {
		t.Helper()
		re := regexp.MustCompile(pattern)
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if sc := screen(); re.MatchString(sc) {
				return sc
			}
		}
		t.Fatalf("the terminal never showed %q:\n%s", pattern, screen())
		return ""
	}
	keys := func(k ...string) { run(append([]string{"send-keys", "-t", session}, k...)...) }
	run("new-session", "-d", "-s", session, "-x", "100", "-y", "30", "env", "-i", "PATH=/usr/bin:/bin", "TERM=xterm", "PS1=$ ", "sh")
	t.Cleanup(func() { _ = exec.Command(tmux, "-S", socket, "kill-server").Run() })
	// A script keeps the typed command short enough not to wrap.
	script := filepath.Join(dir, "pick.sh")
	if err := os.WriteFile(script, []byte(fmt.Sprintf("env \"$@\" KEYLESS_PICK_ITEMS=prod,dev,audit,sandbox-dev %s\necho EXIT=$?\nstty -a | grep -o -- '-*icanon'\n", shQuote(self))), 0o600); err != nil {
		t.Fatal(err)
	}
	start := func(env string) {
		t.Helper()
		keys("clear", "Enter")
		keys("sh "+script+" "+env, "Enter")
		waitFor(`profile>\s*\n`)
	}

	// Type to filter, move down, pick.
	start("A=1")
	waitFor(`> prod\n  dev\n  audit\n  sandbox-dev`)
	if colored := screen("-e"); !strings.Contains(colored, "\x1b[7m") {
		t.Errorf("the selected line is not highlighted:\n%q", colored)
	}
	keys("-l", "DEV")
	sc := waitFor(`profile> DEV\n> dev\n  sandbox-dev\n`)
	if strings.Contains(sc, "prod") || strings.Contains(sc, "audit") {
		t.Errorf("the filter kept non-matching items:\n%s", sc)
	}
	keys("Down")
	waitFor(`  dev\n> sandbox-dev`)
	keys("Enter")
	sc = waitFor(`EXIT=\d+\n-*icanon`)
	for _, want := range []string{"PICKED=sandbox-dev\nEXIT=0\nicanon"} {
		if !strings.Contains(sc, want) {
			t.Errorf("after Enter, no %q (and the terminal back in canonical mode):\n%s", want, sc)
		}
	}
	if strings.Contains(sc, "profile>") || strings.Contains(sc, "> dev") {
		t.Errorf("the picker's lines were not erased:\n%s", sc)
	}

	// Esc cancels, without colour under NO_COLOR.
	start("NO_COLOR=1")
	waitFor(`> prod`)
	if colored := screen("-e"); strings.Contains(colored, "\x1b[7m") {
		t.Errorf("NO_COLOR is set but the picker used reverse video:\n%q", colored)
	}
	keys("-l", "a")
	keys("Escape")
	sc = waitFor(`EXIT=\d+\n-*icanon`)
	if !strings.Contains(sc, "CANCELLED\nEXIT=130\nicanon") || strings.Contains(sc, "profile>") {
		t.Errorf("after Esc:\n%s", sc)
	}

	// Ctrl-C cancels too, and Ctrl-N/Ctrl-P move.
	start("A=1")
	keys("C-n", "C-n", "C-p")
	waitFor(`  prod\n> dev`)
	keys("C-c")
	sc = waitFor(`EXIT=\d+\n-*icanon`)
	if !strings.Contains(sc, "CANCELLED\nEXIT=130\nicanon") {
		t.Errorf("after Ctrl-C:\n%s", sc)
	}
}
