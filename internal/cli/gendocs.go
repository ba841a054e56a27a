package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

// gendocsCommand is the hidden command that writes the Markdown and man
// pages of every command. It lives in the binary so that a release can
// build its man pages from the binary it ships.
const gendocsCommand = "__gendocs"

func newGendocsCommand(g *globalOptions) *cobra.Command {
	var markdown, man, completions string
	cmd := &cobra.Command{
		Use:    gendocsCommand,
		Short:  "Write the command reference as Markdown and man pages",
		Hidden: true,
		Args:   cobra.NoArgs,
		Example: `  keyless __gendocs --markdown docs/cli
  keyless __gendocs --man man --completions completions`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if markdown == "" && man == "" && completions == "" {
				return usageErrorf("give one or more of --markdown DIR, --man DIR, --completions DIR")
			}
			root := cmd.Root()
			// Reproducible output: no "Auto generated on DATE" footer; man
			// pages take their date from SOURCE_DATE_EPOCH when it is set.
			disableAutoGenTag(root)
			if markdown != "" {
				if err := os.MkdirAll(markdown, 0o755); err != nil {
					return fmt.Errorf("--markdown: %w", err)
				}
				// Pages of commands that are gone go too.
				stale, _ := filepath.Glob(filepath.Join(markdown, "keyless*.md"))
				for _, f := range stale {
					if err := os.Remove(f); err != nil {
						return fmt.Errorf("--markdown: %w", err)
					}
				}
				if err := doc.GenMarkdownTree(root, markdown); err != nil {
					return fmt.Errorf("--markdown: %w", err)
				}
			}
			if man != "" {
				if err := os.MkdirAll(man, 0o755); err != nil {
					return fmt.Errorf("--man: %w", err)
				}
				header := &doc.GenManHeader{Title: "KEYLESS", Section: "1", Source: "keyless", Manual: "keyless manual"}
				if err := doc.GenManTree(root, header, man); err != nil {
					return fmt.Errorf("--man: %w", err)
				}
			}
			if completions != "" {
				if err := writeCompletions(root, completions); err != nil {
					return fmt.Errorf("--completions: %w", err)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&completions, "completions", "", "write the bash, zsh, fish and PowerShell completion scripts into `DIR`")
	cmd.Flags().StringVar(&markdown, "markdown", "", "write one Markdown file per command into `DIR` (docs/cli), replacing its keyless*.md")
	cmd.Flags().StringVar(&man, "man", "", "write one man page per command into `DIR`")
	return cmd
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
