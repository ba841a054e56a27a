package cli

import (
	"bytes"
	"strings"
	"testing"
)

// TestScanGitWithoutGit: with no git on PATH, scan --git says git is
// needed, not that the directory is not a repository.
func TestScanGitWithoutGit(t *testing.T) {
	t.Setenv("PATH", "")
	var out, errOut bytes.Buffer
	code := Main([]string{"scan", "--git", t.TempDir()}, strings.NewReader(""), &out, &errOut)
	want := "keyless: scan --git: git is needed to read history, and no git command is on PATH\n" +
		"hint: install git (e.g. apt-get install git, brew install git) or put it on PATH; or scan the working tree without --git\n"
	if code != ExitError || errOut.String() != want || out.Len() > 0 {
		t.Errorf("exit %d, stderr:\n%s\nwant exit %d, stderr:\n%s", code, errOut.String(), ExitError, want)
	}
}
