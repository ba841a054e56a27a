package cli

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/status"
)

// ExitAttention is keyless status's exit code when something needs the
// person (a sign-in, a profile whose access is gone, a file others can
// read, a tool that needs credential_process).
const ExitAttention = 3

type statusOptions struct {
	json    bool
	noTools bool
}

func newStatusCommand(g *globalOptions) *cobra.Command {
	o := &statusOptions{}
	cmd := &cobra.Command{
		Use:   "status [--json]",
		Short: "Show each SSO session's sign-in, cached credentials, exposed files and tools",
		Long: `Show, for each sso-session in the AWS config (and the start URL of legacy SSO
profiles): signed in or not, when the access token expires, whether it can be
refreshed without a sign-in and until when (the client registration's end),
where the refresh token is kept; for each profile the role credentials cached
(by keyless, the AWS CLI or botocore: one shared cache) and their expiry, and
whether the portal still offers its account and role. The portal
(ListAccounts, ListAccountRoles) is asked only with a valid access token:
status never signs in or refreshes (it writes nothing), and says "not
checked (signed out)", or "(the access token expired)" with the command
that refreshes it where it can be refreshed.

It also lists the files others can read or write (the config and credentials
files, ~/.aws/sso/cache, ~/.aws/cli/cache, ~/.aws/keyless) and, for the tools
installed (the AWS CLI v1 and v2, Terraform, boto3, Pulumi, CDK, kubectl),
whether they read SSO profiles themselves or need credential_process.

--json prints the report as JSON on stdout (documented in docs/status.md).

Exit codes: 0 all fine, 3 something needs attention (a session to sign in,
a profile whose account or role is gone, a file others can read, a tool that
needs credential_process), 1 error, 64 usage error.`,
		Example: `  keyless status
  keyless status --json | jq '.sessions[] | {name, state}'`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runStatus(cmd.Context(), g, o) },
	}
	cmd.Flags().BoolVar(&o.json, "json", false, "print the report as JSON on stdout")
	cmd.Flags().BoolVar(&o.noTools, "no-tools", false, "do not look for installed tools (each is asked its version, about 0.5 s in parallel)")
	return cmd
}

func runStatus(ctx context.Context, g *globalOptions, o *statusOptions) error {
	e, err := newSigninEnv(g)
	if err != nil {
		return err
	}
	f, err := e.loadConfig()
	if err != nil {
		return err
	}
	now := time.Now()
	rep := &status.Report{Invalid: []status.InvalidProfile{}, Files: []status.File{}, Tools: []status.Tool{}}
	rep.Sessions, rep.Invalid = status.Sessions(ctx, status.Options{Config: f, Manager: e.m, Now: func() time.Time { return now }})
	if rep.Invalid == nil {
		rep.Invalid = []status.InvalidProfile{}
	}
	if rep.Files, err = status.ExposedFiles(e.m.Home, e.configPath, credentialsPath(e.m.Home)); err != nil {
		return err
	}
	if rep.Files == nil {
		rep.Files = []status.File{}
	}
	if !o.noTools {
		rep.ToolsChecked = true
		wd, _ := os.Getwd()
		rep.Tools = status.ToolFinder{
			Getenv: os.Getenv,
			Run:    runCombined,
			Dir:    wd,
			Extra:  []string{"/usr/local/bin/aws", "/usr/bin/aws"},
		}.Find(ctx)
		if rep.Tools == nil {
			rep.Tools = []status.Tool{}
		}
	}
	rep.Count()
	if o.json {
		err = rep.WriteJSON(g.streams.Out)
	} else {
		err = rep.WriteText(g.streams.Out, now)
	}
	if err != nil {
		return fmt.Errorf("write the status: %w", err)
	}
	if rep.Attention > 0 {
		return &quietExit{code: ExitAttention}
	}
	return nil
}

// runCombined runs a tool for its version: stdout and stderr together, no
// stdin, and the AWS CLI's pager off.
func runCombined(ctx context.Context, path string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Env = append(os.Environ(), "AWS_PAGER=", "TF_IN_AUTOMATION=1", "CHECKPOINT_DISABLE=1")
	return cmd.CombinedOutput()
}
