package cli

import (
	"fmt"
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
	var markdown, man string
	cmd := &cobra.Command{
		Use:    gendocsCommand,
		Short:  "Write the command reference as Markdown and man pages",
		Hidden: true,
		Args:   cobra.NoArgs,
		Example: `  keyless __gendocs --markdown docs/cli
  keyless __gendocs --man man`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if markdown == "" && man == "" {
				return usageErrorf("give --markdown DIR, --man DIR, or both")
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
			return nil
		},
	}
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
