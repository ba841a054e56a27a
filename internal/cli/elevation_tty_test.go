package cli

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keyless-dev/keyless/internal/testtool"
)

// testBinaries links this test binary as keyless and browser-as into a
// directory for a terminal's PATH: testscript.Main runs the command a
// link is named after.
func testBinaries(t *testing.T) string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"keyless", "browser-as"} {
		if err := os.Symlink(exe, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestRequestPickerOnATerminal: keyless request with no SET@ACCOUNT on a
// terminal offers what the rules let the person request, then asks how
// long; what was picked is requested.
func TestRequestPickerOnATerminal(t *testing.T) {
	tmux := testtool.RequireTool(t, "tmux")
	w := newElevWorld(t)
	bin := testBinaries(t)
	t.Setenv("BROWSER", filepath.Join(bin, "browser-as")+" alice@example.com")
	var out, errb bytes.Buffer
	if code := Main([]string{"login", "--start-url", w.url + "/start", "--region", "us-east-1"}, strings.NewReader(""), &out, &errb); code != 0 {
		t.Fatalf("login: %d\n%s", code, errb.String())
	}
	term := startTerminal(t, tmux, w.dir, 160)
	term.send(fmt.Sprintf("cd %s && export PATH=%s:/usr/bin:/bin HOME=%s AWS_CONFIG_FILE=%s/.aws/config AWS_ENDPOINT_URL=%s AWS_REGION=us-east-1 TERM=xterm NO_COLOR=1",
		w.dir, bin, w.dir, w.dir, w.url))
	term.send("keyless request --reason 'picked on a terminal'; echo EXIT=$?")
	term.waitFor(`AdministratorAccess@prod \(333333333333\)  \(rule prod-admin, up to 2h\)`)
	term.run("send-keys", "-t", term.session, "Enter")
	term.waitFor(`For how long \(at most 2h\) \[1h\]:`)
	term.send("3h")
	sc := term.waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "--for: 3h is longer than rule prod-admin allows (at most 2h)") || !strings.Contains(sc, "EXIT=64") {
		t.Fatalf("a picked request over the maximum:\n%s", sc)
	}
	term.clear()
	term.send("keyless request --reason 'picked on a terminal'; echo EXIT=$?")
	term.waitFor(`up to 2h\)`)
	term.run("send-keys", "-t", term.session, "Enter")
	term.waitFor(`For how long`)
	term.send("30m")
	sc = term.waitFor(`EXIT=\d`)
	if !strings.Contains(sc, "Requested AdministratorAccess@prod (333333333333) for 30m under rule prod-admin.") || !strings.Contains(sc, "EXIT=0") {
		t.Fatalf("after picking:\n%s", sc)
	}
}
