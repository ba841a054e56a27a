package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/shell"
)

func newCompletionCommand(g *globalOptions) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:   "completion bash|zsh|fish|powershell",
		Short: "Print the shell completion script for keyless",
		Long: `Print a script that completes keyless's commands and flags in your shell,
including profile names, sso-session names, keyless.yaml paths and formats.

Install it once:
  bash:        keyless completion bash > ~/.local/share/bash-completion/completions/keyless
               (needs the bash-completion package; or add
               'source <(keyless completion bash)' to ~/.bashrc)
  zsh:         keyless completion zsh > "${fpath[1]}/_keyless"
               (needs 'autoload -U compinit; compinit' in ~/.zshrc; or add
               'source <(keyless completion zsh)' after it)
  fish:        keyless completion fish > ~/.config/fish/completions/keyless.fish
  PowerShell:  keyless completion powershell | Out-String | Invoke-Expression
               (add that line to $PROFILE to keep it)

Then start a new shell. The release archives carry these scripts in completions/.`,
		Example: `  keyless completion bash > ~/.local/share/bash-completion/completions/keyless
  keyless completion zsh --no-descriptions > "${fpath[1]}/_keyless"`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: shell.Shells(),
		RunE: func(cmd *cobra.Command, args []string) error {
			root, out := cmd.Root(), g.streams.Out
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(out, !noDesc)
			case "zsh":
				if noDesc {
					return root.GenZshCompletionNoDesc(out)
				}
				return root.GenZshCompletion(out)
			case "fish":
				return root.GenFishCompletion(out, !noDesc)
			case "powershell":
				if noDesc {
					return root.GenPowerShellCompletion(out)
				}
				return root.GenPowerShellCompletionWithDesc(out)
			}
			return usageErrorf("completion %q: use one of %s", args[0], strings.Join(shell.Shells(), ", "))
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "complete names only, without their descriptions")
	return cmd
}

// flagCompletions complete flags by name wherever they appear, so that
// commands added later get them without registering anything.
var flagCompletions = map[string]cobra.CompletionFunc{
	"profile": completeAllProfiles,
	"session": completeSessions,
	"file":    completeYAML,
	"seed":    completeYAML,
	"out":     completeYAML,
}

// registerCompletions walks the command tree and gives every flag named in
// flagCompletions its completion, unless the command set its own.
func registerCompletions(c *cobra.Command) {
	c.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		fn, ok := flagCompletions[f.Name]
		if !ok {
			return
		}
		if _, has := c.GetFlagCompletionFunc(f.Name); has {
			return
		}
		if err := c.RegisterFlagCompletionFunc(f.Name, fn); err != nil {
			panic(fmt.Sprintf("register completion of %s --%s: %v", c.CommandPath(), f.Name, err))
		}
	})
	for _, sub := range c.Commands() {
		registerCompletions(sub)
	}
}

// completeProfiles completes SSO profile names, for the commands that take
// a role.
func completeProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	f, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, p := range ssoProfiles(f) {
		if strings.HasPrefix(p.Profile, toComplete) {
			out = append(out, p.Profile)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeAllProfiles completes every profile in ~/.aws/config, for the
// --profile of commands that call AWS with any credentials.
func completeAllProfiles(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	f, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range f.Profiles() {
		if strings.HasPrefix(s.Name, toComplete) {
			out = append(out, s.Name)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeSessions completes the sso-session names in ~/.aws/config.
func completeSessions(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	f, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, s := range f.Sessions() {
		if strings.HasPrefix(s.Name, toComplete) {
			out = append(out, s.Name+"\t"+s.StartURL)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp
}

// completeYAML lets the shell complete *.yaml and *.yml files (and
// directories to reach them).
func completeYAML(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return []string{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}
