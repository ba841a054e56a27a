package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/credserver"
	"github.com/keyless-dev/keyless/internal/shell"
	"github.com/keyless-dev/keyless/internal/signin"
)

// serveOptions are the flags of `serve` and `exec --serve`.
type serveOptions struct {
	addr      string
	allowRoot bool
}

func (o *serveOptions) addFlags(f *pflag.FlagSet) {
	f.StringVar(&o.addr, "addr", credserver.Host+":0", "serve on `127.0.0.1:PORT` (port 0: a free one); no other address is accepted")
	f.BoolVar(&o.allowRoot, "allow-root", false, "serve even as root (a container or CI job where root is the only user)")
}

// containerUnset is what must not be set beside the container variables:
// anything the SDKs use before them (keys, a profile, a web identity) or
// instead of them (ECS's relative URI, a token file).
var containerUnset = []string{
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
	"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_SESSION_NAME", expiryEpochVar,
}

// endpoint is a running credential endpoint for one profile.
type endpoint struct {
	profile string
	url     string
	token   string
	region  string
	done    chan error
	stop    context.CancelFunc
}

// vars are the variables that point the SDKs at the endpoint.
func (e *endpoint) vars() []shell.Var {
	vars := []shell.Var{
		{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: e.url},
		{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN", Value: e.token},
	}
	if e.region != "" {
		vars = append(vars, shell.Var{Name: "AWS_REGION", Value: e.region}, shell.Var{Name: "AWS_DEFAULT_REGION", Value: e.region})
	}
	return append(vars, shell.Var{Name: "KEYLESS_PROFILE", Value: e.profile})
}

// close stops the endpoint and waits for it.
func (e *endpoint) close() error {
	e.stop()
	return <-e.done
}

// startEndpoint serves an SSO profile's role credentials on loopback until
// ctx ends or close is called. The first credentials are fetched before it
// returns (offering a sign-in at a terminal); later ones as the SDKs ask,
// through the cache, refreshed before they expire.
//
// command names the command in the endpoint's messages. check, when set,
// runs once the profile is known to be one the endpoint can serve, before
// anything listens or signs in (serve's check of where the token goes: a
// mistyped profile is the first thing to hear about).
func startEndpoint(ctx context.Context, g *globalOptions, command, profile string, o *serveOptions, check func() error) (*endpoint, error) {
	if os.Geteuid() == 0 && !o.allowRoot {
		return nil, usageErrorf("keyless serves credentials as the person who signed in, not as root\nhint: in a container or CI job where root is the only user, pass --allow-root")
	}
	e, err := newSigninEnv(g)
	if err != nil {
		return nil, err
	}
	f, err := e.loadConfig()
	if err != nil {
		return nil, err
	}
	r, p, err := e.role(f, profile)
	if errors.Is(err, awsconfig.ErrNotSSO) {
		return nil, withHint(err, "the endpoint serves SSO profiles (keyless profiles list); for others use keyless exec without --serve")
	}
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	if why, key := defaultProfileCredentials(f); why != "" {
		fmt.Fprintf(g.streams.Err, "keyless: warning: %s, which the SDKs take before the credential endpoint when a tool uses the default profile\nhint: %s\n", why, defaultProfileHint(key))
	}
	l, err := credserver.Listen(o.addr)
	var ae *credserver.AddrError
	switch {
	case errors.As(err, &ae):
		return nil, usageErrorf("--addr %v\nhint: leave --addr out for a free port on %s", err, credserver.Host)
	case errors.Is(err, credserver.ErrPortInUse):
		return nil, withHint(fmt.Errorf("--addr %w", err), "pick another port, or leave --addr out for a free one")
	case err != nil:
		return nil, fmt.Errorf("--addr %s: %w", o.addr, err)
	}
	if _, err := e.credentials(ctx, r); err != nil {
		l.Close()
		return nil, err
	}
	token, err := credserver.NewToken()
	if err != nil {
		l.Close()
		return nil, err
	}
	h := &credserver.Handler{
		Token:     token,
		AccountID: r.AccountID,
		Out:       g.streams.Err,
		Command:   command,
		Credentials: func(ctx context.Context) (signin.Credentials, error) {
			return e.m.Credentials(ctx, r)
		},
	}
	region := p.Region
	if region == "" {
		region = p.SSORegion
	}
	// The endpoint outlives an interrupt that the command it serves is
	// still handling: only close (or a serve command's own end) stops it.
	sctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	ep := &endpoint{profile: profile, url: credserver.URL(l), token: token, region: region, done: make(chan error, 1), stop: stop}
	go func() { ep.done <- credserver.Serve(sctx, l, h) }()
	return ep, nil
}

func newServeCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	var format string
	cmd := &cobra.Command{
		Use:   "serve PROFILE",
		Short: "Serve a profile's role credentials to containers and long jobs (the SDKs' container credential endpoint)",
		Long: `Serve PROFILE's role credentials on 127.0.0.1 in the format the AWS SDKs'
container credential provider reads, until Ctrl-C. It prints (stdout) the
variables that point the SDKs at it, in the --format of a shell:

  AWS_CONTAINER_CREDENTIALS_FULL_URI   http://127.0.0.1:PORT/credentials
  AWS_CONTAINER_AUTHORIZATION_TOKEN    a random token of this run; a secret

and a docker run line that passes them to a container on the host's
network (stderr). The SDKs ask again before their credentials expire and
keyless hands out fresh ones, refreshing the sign-in as needed, so a job
of any length keeps working while the Identity Center session lasts.

Only requests with the token get credentials (401 without it, 403 with
another). It listens on 127.0.0.1 only, never on all interfaces or the
instance metadata address, and refuses to run as root unless --allow-root.
It refuses to print the token into a file others can read (stdout
redirected to a file of mode 0644): (umask 077; keyless serve P > FILE).
PROFILE must be an SSO profile. 'keyless exec --serve PROFILE -- CMD' runs
one command against an endpoint of its own. See docs/containers.md.`,
		Example: `  keyless serve PowerUser-111111111111
  keyless serve PowerUser-111111111111 --addr 127.0.0.1:9911 --format fish
  keyless exec --serve PowerUser-111111111111 -- terraform apply`,
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(shell.Formats(), format) {
				return usageErrorf("--format %q: use one of %s", format, strings.Join(shell.Formats(), ", "))
			}
			ep, err := startEndpoint(cmd.Context(), g, "keyless serve", args[0], o, func() error {
				return privateOutput(g.streams.Out, "the endpoint's token", "keyless serve PROFILE")
			})
			if err != nil {
				return err
			}
			touchRecent(g, args[0])
			vars := ep.vars()
			if err := shell.Export(g.streams.Out, format, vars, containerUnset); err != nil {
				ep.close()
				return err
			}
			w := g.streams.Err
			fmt.Fprintf(w, "keyless serve: credentials of %s at %s (127.0.0.1 only) until Ctrl-C.\n", args[0], ep.url)
			fmt.Fprintf(w, "Set the variables printed above in a shell (the token is a secret), then, for a container:\n")
			fmt.Fprintf(w, "  %s\n", dockerRunLine(vars))
			select {
			case <-cmd.Context().Done():
			case err := <-ep.done:
				return fmt.Errorf("serve: %w", err)
			}
			if err := ep.close(); err != nil {
				return fmt.Errorf("serve: %w", err)
			}
			fmt.Fprintln(w, "keyless serve: stopped")
			return nil
		},
	}
	o.addFlags(cmd.Flags())
	cmd.Flags().StringVar(&format, "format", "sh", "`FORMAT` of the variables: "+strings.Join(shell.Formats(), ", "))
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(shell.Formats(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// privateOutput refuses to print a secret (what) into a file that other
// users can read: credentials (env), or serve's token (127.0.0.1 is open
// to every local user, and the token is all that keeps them out). A
// terminal or a pipe is fine.
func privateOutput(w io.Writer, what, command string) error {
	f, ok := w.(interface{ Stat() (fs.FileInfo, error) })
	if !ok || runtime.GOOS == "windows" {
		return nil
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm()&0o044 == 0 {
		return nil
	}
	return withHint(fmt.Errorf("stdout goes to a file others can read (mode %04o): %s would be readable by every user of this machine",
		fi.Mode().Perm(), what), fmt.Sprintf("create the file private first: (umask 077; %s > FILE), or chmod 600 FILE", command))
}

// dockerRunLine passes the variables by name, so the token stays out of
// the command line and the shell's history. Both region variables go:
// botocore (the AWS CLI v1, boto3) reads AWS_DEFAULT_REGION only.
func dockerRunLine(vars []shell.Var) string {
	var b strings.Builder
	b.WriteString("docker run --rm --network host")
	for _, v := range vars {
		if v.Name == "KEYLESS_PROFILE" {
			continue
		}
		b.WriteString(" -e " + v.Name)
	}
	b.WriteString(" public.ecr.aws/aws-cli/aws-cli sts get-caller-identity")
	return b.String()
}

// defaultProfileCredentials says where the [default] profile of
// ~/.aws/config or ~/.aws/credentials gives credentials, and the key that
// does: the SDKs look there before the container endpoint, and the
// endpoint cannot unset a file.
func defaultProfileCredentials(config *awsconfig.File) (why, key string) {
	path := os.Getenv("AWS_SHARED_CREDENTIALS_FILE")
	if path == "" {
		if home, err := os.UserHomeDir(); err == nil {
			path = filepath.Join(home, ".aws", "credentials")
		}
	}
	files := []struct {
		f    *awsconfig.File
		path string
	}{{config, awsconfig.ConfigPath()}}
	if creds, err := awsconfig.Load(path); err == nil {
		files = append(files, struct {
			f    *awsconfig.File
			path string
		}{creds, path})
	}
	for _, file := range files {
		sec, ok := file.f.Profile("default")
		if !ok {
			continue
		}
		if k := credentialKey(sec); k != "" {
			return fmt.Sprintf("%s:%d: [default] sets %s", file.path, sec.KeyLine(k), k), k
		}
	}
	return "", ""
}

// defaultProfileHint says what to do about the [default] profile's key
// (credentialKey): keys go to Identity Center; the other settings are
// fine in a profile of their own, named where they are wanted.
func defaultProfileHint(key string) string {
	switch key {
	case "aws_access_key_id":
		return "remove the keys from [default] (keyless cleanup moves keys to Identity Center)"
	case "sso_session", "sso_start_url":
		return "move the SSO settings from [default] to a named profile ([profile NAME]) and pass --profile NAME where you want them"
	}
	return fmt.Sprintf("move %s from [default] to a named profile ([profile NAME]) and pass --profile NAME where you want it", key)
}

// credentialKey is the first key of a profile that gives the SDKs
// credentials, or "" (a profile of settings only: region, output, the
// AWS CLI's cli_* keys).
func credentialKey(sec *awsconfig.Section) string {
	for _, k := range []string{"aws_access_key_id", "sso_session", "sso_start_url", "credential_process", "role_arn", "web_identity_token_file"} {
		if _, ok := sec.Get(k); ok {
			return k
		}
	}
	return ""
}
