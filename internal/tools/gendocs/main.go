// Command gendocs writes keyless's command reference: one Markdown page per
// command (docs/cli), the man pages and the shell completion scripts that
// release archives carry. It is a separate program so that the keyless
// binary does not link cobra's man-page renderer (blackfriday and its
// tables are initialised at every start, credential-process included).
//
//	go run ./internal/tools/gendocs --markdown docs/cli
//	go run ./internal/tools/gendocs --man man --completions completions
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/keyless-dev/keyless/internal/cli"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gendocs:", err)
		os.Exit(1)
	}
}

func run(args []string, errOut io.Writer) error {
	fs := flag.NewFlagSet("gendocs", flag.ContinueOnError)
	fs.SetOutput(errOut)
	markdown := fs.String("markdown", "", "write one Markdown file per command into `DIR` (docs/cli), replacing its keyless*.md")
	man := fs.String("man", "", "write one man page per command into `DIR`")
	completions := fs.String("completions", "", "write the bash, zsh, fish and PowerShell completion scripts into `DIR`")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || *markdown == "" && *man == "" && *completions == "" {
		return errors.New("give one or more of --markdown DIR, --man DIR, --completions DIR")
	}
	root := cli.CommandTree(io.Discard, errOut)
	// Reproducible output: no "Auto generated on DATE" footer; man pages
	// take their date from SOURCE_DATE_EPOCH when it is set.
	disableAutoGenTag(root)
	if *markdown != "" {
		if err := writeMarkdown(root, *markdown); err != nil {
			return fmt.Errorf("--markdown: %w", err)
		}
	}
	if *man != "" {
		if err := os.MkdirAll(*man, 0o755); err != nil {
			return fmt.Errorf("--man: %w", err)
		}
		header := &doc.GenManHeader{Title: "KEYLESS", Section: "1", Source: "keyless", Manual: "keyless manual"}
		if err := doc.GenManTree(root, header, *man); err != nil {
			return fmt.Errorf("--man: %w", err)
		}
	}
	if *completions != "" {
		if err := writeCompletions(root, *completions); err != nil {
			return fmt.Errorf("--completions: %w", err)
		}
	}
	return nil
}

// writeMarkdown replaces dir's keyless*.md with a page per command, so the
// pages of commands that are gone go too.
func writeMarkdown(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	stale, _ := filepath.Glob(filepath.Join(dir, "keyless*.md"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	return doc.GenMarkdownTree(root, dir)
}

func disableAutoGenTag(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		disableAutoGenTag(sub)
	}
}

// writeCompletions writes each shell's completion script under the name
// its completion loader looks for.
func writeCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, gen := range map[string]func(io.Writer) error{
		"keyless.bash": func(w io.Writer) error { return root.GenBashCompletionV2(w, true) },
		"_keyless":     root.GenZshCompletion,
		"keyless.fish": func(w io.Writer) error { return root.GenFishCompletion(w, true) },
		"keyless.ps1":  root.GenPowerShellCompletionWithDesc,
	} {
		var b bytes.Buffer
		if err := gen(&b); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
