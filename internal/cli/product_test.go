package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
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
	"keyless demo":               "a guided story for people to read",
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
