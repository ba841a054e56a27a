package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/console"
	"github.com/keyless-dev/keyless/internal/shell"
	"github.com/keyless-dev/keyless/internal/signin"
	"github.com/keyless-dev/keyless/internal/suggest"
)

// roleCredentials resolves a profile and returns its credentials and the
// region to use with them (the profile's, else the SSO region).
//
// For exec, env and console (offer set) a profile that is not an SSO
// profile — a role assumed from an SSO profile (role_arn + source_profile),
// a credential_process — is resolved by the AWS SDK as any tool would.
// credential-process never does that: a profile whose credential_process
// runs keyless for itself would call itself forever.
func roleCredentials(ctx context.Context, g *globalOptions, profile string, offer bool) (signin.Credentials, string, error) {
	e, err := newSigninEnv(g)
	if err != nil {
		return signin.Credentials{}, "", err
	}
	f, err := e.loadConfig()
	if err != nil {
		return signin.Credentials{}, "", err
	}
	r, p, err := e.role(f, profile)
	if offer && errors.Is(err, awsconfig.ErrNotSSO) {
		c, region, sdkErr := sdkProfileCredentials(ctx, g, profile)
		if sdkErr != nil {
			return c, region, fmt.Errorf("%w, and the AWS SDK found no credentials in it either: %v", err, sdkErr)
		}
		if sec, ok := f.Profile(profile); ok {
			if r, ok := sec.Get("region"); ok && r != "" {
				region = r // the profile's, as for SSO profiles, over AWS_REGION
			}
		}
		return c, region, nil
	}
	if err != nil {
		return signin.Credentials{}, "", err
	}
	var c signin.Credentials
	if offer {
		c, err = e.credentials(ctx, r)
	} else {
		c, err = e.m.Credentials(ctx, r)
	}
	region := p.Region
	if region == "" {
		region = p.SSORegion
	}
	return c, region, err
}

// sdkProfileCredentials resolves a profile through aws-sdk-go-v2's shared
// configuration: assume-role chains, credential_process, web identity. Long-
// lived keys are handed out too, with a warning: keyless exists to retire them.
func sdkProfileCredentials(ctx context.Context, g *globalOptions, profile string) (signin.Credentials, string, error) {
	cfg, err := loadAWSConfig(ctx, config.WithSharedConfigProfile(profile))
	if err != nil {
		return signin.Credentials{}, "", fmt.Errorf("profile %s: %w", profile, err)
	}
	if cfg.Credentials == nil {
		return signin.Credentials{}, "", fmt.Errorf("profile %s gives no credentials", profile)
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return signin.Credentials{}, "", fmt.Errorf("credentials of profile %s: %w", profile, err)
	}
	if c.SessionToken == "" {
		fmt.Fprintf(g.streams.Err, "keyless: warning: profile %s holds long-lived access keys (%s); move it to Identity Center (keyless audit, keyless cleanup)\n", profile, c.Source)
	}
	out := signin.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.CanExpire {
		out.Expiration = c.Expires.UTC()
	}
	return out, cfg.Region, nil
}

func newCredentialProcessCommand(g *globalOptions) *cobra.Command {
	var profile string
	cmd := &cobra.Command{
		Use:   "credential-process --profile PROFILE",
		Short: "Print a profile's role credentials as credential_process JSON",
		Long: `Print role credentials as the JSON a credential_process must write
(Version 1). Credentials come from the AWS CLI's cache (~/.aws/cli/cache)
while more than 15 minutes remain, without any network call; otherwise from
the portal, refreshing the SSO token if needed. A hundred processes asking
at once cause one GetRoleCredentials.

  [profile legacy-tool]
  credential_process = keyless credential-process --profile PowerUser-111111111111`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if profile != "" && profile != args[0] {
					return usageErrorf("give the profile once: --profile %s or %s", profile, args[0])
				}
				profile = args[0]
			}
			c, _, err := roleCredentials(cmd.Context(), g, profile, false)
			if err != nil {
				return err
			}
			return json.NewEncoder(g.streams.Out).Encode(struct {
				Version         int
				AccessKeyID     string `json:"AccessKeyId"`
				SecretAccessKey string
				SessionToken    string
				Expiration      string
			}{1, c.AccessKeyID, c.SecretAccessKey, c.SessionToken, c.Expiration.UTC().Format(time.RFC3339)})
		},
		ValidArgsFunction: completeProfiles,
	}
	cmd.Flags().StringVar(&profile, "profile", "", "the SSO `PROFILE` to get credentials for")
	_ = cmd.RegisterFlagCompletionFunc("profile", completeProfiles)
	return cmd
}

// credentialVars are the environment variables that carry credentials.
func credentialVars(c signin.Credentials, region, profile string) []shell.Var {
	vars := []shell.Var{
		{Name: "AWS_ACCESS_KEY_ID", Value: c.AccessKeyID},
		{Name: "AWS_SECRET_ACCESS_KEY", Value: c.SecretAccessKey},
	}
	if c.SessionToken != "" {
		vars = append(vars, shell.Var{Name: "AWS_SESSION_TOKEN", Value: c.SessionToken})
	}
	if !c.Expiration.IsZero() {
		vars = append(vars, shell.Var{Name: "AWS_CREDENTIAL_EXPIRATION", Value: c.Expiration.UTC().Format(time.RFC3339)},
			shell.Var{Name: expiryEpochVar, Value: strconv.FormatInt(c.Expiration.Unix(), 10)})
	}
	if region != "" {
		vars = append(vars, shell.Var{Name: "AWS_REGION", Value: region}, shell.Var{Name: "AWS_DEFAULT_REGION", Value: region})
	}
	return append(vars, shell.Var{Name: "KEYLESS_PROFILE", Value: profile})
}

// expiryEpochVar holds the credentials' expiry in seconds since 1970: the
// shell integration compares it with the shell's own clock at each prompt,
// without running anything, and asks keyless again only when it is near.
const expiryEpochVar = "KEYLESS_EXPIRATION_EPOCH"

// staleVars are unset wherever credentials are set: a profile or an older
// session token in the environment would override or confuse them.
var staleVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SECURITY_TOKEN"}

// unsetWith lists what must be unset beside vars: stale profile settings,
// and a session token or expiration from earlier credentials when these
// have none. With region, also a region they do not set.
func unsetWith(vars []shell.Var, region bool) []string {
	set := map[string]bool{}
	for _, v := range vars {
		set[v.Name] = true
	}
	out := slices.Clone(staleVars)
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION", expiryEpochVar, "KEYLESS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION"} {
		if !set[k] && (region || !strings.Contains(k, "REGION")) {
			out = append(out, k)
		}
	}
	return out
}

// allVars is what `env --unset` clears.
var allVars = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
	"AWS_CREDENTIAL_EXPIRATION", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "KEYLESS_PROFILE", expiryEpochVar}

func newExecCommand(g *globalOptions) *cobra.Command {
	o := &serveOptions{}
	var serve bool
	cmd := &cobra.Command{
		Use:   "exec [--serve] PROFILE -- COMMAND [ARGS...]",
		Short: "Run a command with a profile's role credentials in its environment",
		Long: `Run COMMAND with AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN,
AWS_CREDENTIAL_EXPIRATION, AWS_REGION and AWS_DEFAULT_REGION set, and
AWS_PROFILE unset. Signals are passed to COMMAND; keyless exits with its exit
code (128+N when a signal N ended it), or, as shells and env(1) do, 127 when
COMMAND is not found and 126 when it is found but cannot be run. It says on
stderr when the credentials expire: a command still running then fails.

With --serve, COMMAND gets no credentials but a credential endpoint of its
own instead (AWS_CONTAINER_CREDENTIALS_FULL_URI and
AWS_CONTAINER_AUTHORIZATION_TOKEN, as 'keyless serve' prints them), which
hands out fresh role credentials for as long as COMMAND runs and stops when
it exits: for jobs longer than the credentials last, and for containers it
starts on the host's network. Static keys, AWS_PROFILE and web identity
variables are removed from its environment. PROFILE must then be an SSO
profile.

PROFILE is an SSO profile, or any profile the AWS SDK resolves (a role
assumed from an SSO profile with role_arn and source_profile, a
credential_process).`,
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 || len(args) < 2 {
				return usageErrorf("usage: keyless exec PROFILE -- COMMAND [ARGS...]")
			}
			return nil
		},
		ValidArgsFunction: completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !serve {
				for _, name := range []string{"addr", "allow-root"} {
					if cmd.Flags().Changed(name) {
						return usageErrorf("--%s goes with --serve", name)
					}
				}
				c, region, err := roleCredentials(cmd.Context(), g, args[0], true)
				if err != nil {
					return err
				}
				touchRecent(g, args[0])
				sayExpiry(g.streams.Err, args[0], c.Expiration, "for a longer command: keyless exec --serve")
				vars := credentialVars(c, region, args[0])
				return runWithCredentials(g, vars, unsetWith(vars, false), args[1], args[2:])
			}
			ep, err := startEndpoint(cmd.Context(), g, "keyless exec --serve", args[0], o, nil)
			if err != nil {
				return err
			}
			touchRecent(g, args[0])
			g.Log().Debug("credential endpoint", "url", ep.url)
			err = runWithCredentials(g, ep.vars(), containerUnset, args[1], args[2:])
			if cerr := ep.close(); cerr != nil && err == nil {
				err = fmt.Errorf("credential endpoint: %w", cerr)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&serve, "serve", false, "give COMMAND a credential endpoint that stays fresh, instead of credentials that expire")
	o.addFlags(cmd.Flags())
	return cmd
}

// sayExpiry tells the person (stderr) when credentials handed out expire,
// and what to do about it when hint is set.
func sayExpiry(w io.Writer, profile string, exp time.Time, hint string) {
	if exp.IsZero() {
		return
	}
	left := time.Until(exp).Truncate(time.Minute)
	in := fmt.Sprintf("%dm", int(left.Minutes()))
	if left >= time.Hour {
		in = fmt.Sprintf("%dh%02dm", int(left.Hours()), int(left.Minutes())%60)
	}
	fmt.Fprintf(w, "keyless: credentials of %s expire at %s (in %s)", profile, exp.Local().Format("15:04 MST"), in)
	if hint != "" {
		fmt.Fprintf(w, "; %s", hint)
	}
	fmt.Fprintln(w)
}

// runWithCredentials runs a command with the variables set and those in
// unset removed, forwards the signals a terminal or supervisor sends, and
// returns its exit status.
func runWithCredentials(g *globalOptions, vars []shell.Var, unset []string, name string, args []string) error {
	path, err := exec.LookPath(name)
	if err != nil {
		return cannotRun(name, err)
	}
	drop := map[string]bool{}
	for _, k := range unset {
		drop[k] = true
	}
	for _, v := range vars {
		drop[v.Name] = true
	}
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			env = append(env, kv)
		}
	}
	for _, v := range vars {
		env = append(env, v.Name+"="+v.Value)
	}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdin, cmd.Stdout, cmd.Stderr = g.streams.In, g.streams.Out, g.streams.Err
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	g.child.Store(true)
	defer g.child.Store(false)
	if err := cmd.Start(); err != nil {
		return cannotRun(name, err)
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				_ = cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	err = cmd.Wait()
	close(done)
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code := ee.ExitCode()
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			code = 128 + int(ws.Signal())
		}
		return &quietExit{code: code}
	}
	if err != nil {
		return fmt.Errorf("run %s: %w", name, err)
	}
	return nil
}

// Exit codes of a command exec could not run, as shells and env(1) have
// them: 127 when it is not found, 126 when it is found but cannot be run.
const (
	ExitCannotRun = 126
	ExitNotFound  = 127
)

// cannotRun says why name could not be run, with the exit code a shell
// would give.
func cannotRun(name string, err error) error {
	code, hint := ExitCannotRun, ""
	switch {
	case errors.Is(err, exec.ErrNotFound):
		code, hint = ExitNotFound, "check the name, or give the command's path"
		err = errors.New("command not found in PATH")
	case errors.Is(err, fs.ErrNotExist):
		code, hint = ExitNotFound, "check the path"
		err = errors.New("no such file")
	case errors.Is(err, exec.ErrDot):
		hint = "give its path if you mean to run it"
		err = errors.New("found only in a relative PATH entry (. or empty), which keyless does not run from")
	case errors.Is(err, syscall.EISDIR):
		err = errors.New("it is a directory")
	case errors.Is(err, fs.ErrPermission):
		hint = "make it executable (chmod +x " + name + "), or run it through its interpreter"
		err = errors.New("permission denied: it is not executable")
	default:
		var ee *exec.Error
		if errors.As(err, &ee) {
			err = ee.Err
		}
	}
	return &exitError{code: code, err: fmt.Errorf("run %s: %w", name, err), hint: hint}
}

// quietExit ends keyless with a code and no message: the command it ran
// already spoke for itself.
type quietExit struct{ code int }

func (q *quietExit) Error() string { return fmt.Sprintf("exit status %d", q.code) }

func newEnvCommand(g *globalOptions) *cobra.Command {
	var (
		format string
		unset  bool
		narrow narrowOptions
	)
	cmd := &cobra.Command{
		Use:   "env [PROFILE]",
		Short: "Print a profile's role credentials as shell statements (what `assume` evaluates)",
		Long: `Print statements that set AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, AWS_REGION, AWS_DEFAULT_REGION and
KEYLESS_PROFILE, and unset AWS_PROFILE, in the --format of a shell:
sh (bash, zsh, dash), fish, powershell, cmd, json or dotenv.

  eval "$(keyless env PowerUser-111111111111)"
  (umask 077; keyless env PowerUser-111111111111 --format dotenv > aws.env)
  docker run --env-file aws.env ...

dotenv writes NAME=VALUE lines with credentials bare, as docker run
--env-file needs (it keeps quotes); only values with spaces, quotes, $ or
# are double-quoted, for dotenv libraries and Docker Compose.

Without PROFILE, on a terminal, a picker lists the SSO profiles, most
recently used first. --unset prints statements that clear all of them.
'keyless shell-init' defines 'assume', which does this for you.

For a tool or an agent that must not hold your session, --scope and --ttl
export credentials of their own: sts:AssumeRole of a role that trusts the
profile's permission set (--role-arn, or keyless_scoped_role_arn in the
profile), with a session policy allowing only the scope and a lifetime of
--ttl (15m to 1h, STS's bounds for chained roles):

  keyless env dev --scope s3:GetObject,s3:ListBucket,arn:aws:s3:::logs/* --ttl 15m
  keyless env dev --scope file://policy.json --ttl 30m

They can do only what both the role and the scope allow, and end at the
TTL; nothing of the sign-in is exported (docs/scoped-credentials.md).`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(shell.Formats(), format) {
				return usageErrorf("--format %q: use one of %s", format, strings.Join(shell.Formats(), ", "))
			}
			if unset {
				if len(args) > 0 {
					return usageErrorf("--unset takes no profile")
				}
				return shell.Export(g.streams.Out, format, nil, allVars)
			}
			profile := ""
			if len(args) == 1 {
				profile = args[0]
			} else {
				p, err := pickProfile(g)
				if err != nil {
					return err
				}
				profile = p
			}
			if err := narrow.check(cmd); err != nil {
				return err
			}
			if err := privateOutput(g.streams.Out, "the credentials", "keyless env PROFILE"); err != nil {
				return err
			}
			c, region, err := roleCredentials(cmd.Context(), g, profile, true)
			if err != nil {
				return err
			}
			touchRecent(g, profile)
			if narrow.on {
				if c, err = narrow.assume(cmd.Context(), g, profile, region, c); err != nil {
					return err
				}
			}
			if isTerminal(g.streams.Err) {
				// assume, and the shell's refresh at a prompt; not scripts.
				sayExpiry(g.streams.Err, profile, c.Expiration, "")
			}
			vars := credentialVars(c, region, profile)
			if narrow.on {
				// Scoped credentials end at their TTL: the shell's prompt
				// refresh must not replace them with the profile's own.
				vars = slices.DeleteFunc(vars, func(v shell.Var) bool { return v.Name == expiryEpochVar || v.Name == "KEYLESS_PROFILE" })
			}
			return shell.Export(g.streams.Out, format, vars, unsetWith(vars, true))
		},
	}
	narrow.addFlags(cmd)
	cmd.Flags().StringVar(&format, "format", "sh", "`FORMAT`: "+strings.Join(shell.Formats(), ", "))
	cmd.Flags().BoolVar(&unset, "unset", false, "print statements that clear the variables instead")
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(shell.Formats(), cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// pickProfile shows the picker on a terminal.
func pickProfile(g *globalOptions) (string, error) {
	in, ok := g.streams.In.(*os.File)
	if !ok || !isTerminal(in) || !isTerminal(g.streams.Err) {
		return "", usageErrorf("name a profile (the picker needs a terminal)\nhint: keyless profiles list shows them")
	}
	f, err := awsconfig.Load(awsconfig.ConfigPath())
	if err != nil {
		return "", err
	}
	var names []string
	for _, p := range ssoProfiles(f) {
		names = append(names, p.Profile)
	}
	if len(names) == 0 {
		return "", withHint(errors.New("no SSO profiles in "+awsconfig.ConfigPath()), "write them with: keyless profiles sync")
	}
	p, err := shell.Pick(in, g.streams.Err, shell.Recent{Path: recentPath()}.Order(names))
	if errors.Is(err, shell.ErrCancelled) {
		return "", &quietExit{code: ExitInterrupted}
	}
	return p, err
}

func touchRecent(g *globalOptions, profile string) {
	if err := (shell.Recent{Path: recentPath()}).Touch(profile); err != nil {
		g.Log().Debug("remember recent profile", "err", err)
	}
}

func newShellInitCommand(g *globalOptions) *cobra.Command {
	return &cobra.Command{
		Use:   "shell-init bash|zsh|fish|powershell",
		Short: "Print the shell function `assume` (add it to your shell's startup file)",
		Long: `Print shell code that defines 'assume':

  assume PROFILE   set the profile's role credentials in this shell
  assume           pick a profile (most recently used first)
  assume --unset   clear them

In bash, zsh and fish, the next prompt after fewer than 15 minutes remain
of the credentials assume set puts fresh ones in their place; prompts run
nothing until then. See docs/containers.md for jobs longer than that.

Add it to your shell:
  bash/zsh:    eval "$(keyless shell-init bash)"     (or zsh) in ~/.bashrc / ~/.zshrc
  fish:        keyless shell-init fish | source       in ~/.config/fish/config.fish
  PowerShell:  keyless shell-init powershell | Invoke-Expression   in $PROFILE`,
		Args:      cobra.ExactArgs(1),
		ValidArgs: shell.Shells(),
		RunE: func(cmd *cobra.Command, args []string) error {
			exe, err := os.Executable()
			if err != nil {
				return fmt.Errorf("find keyless's own path: %w", err)
			}
			s, err := shell.Init(args[0], exe)
			if err != nil {
				return usageErrorf("%v", err)
			}
			_, err = fmt.Fprint(g.streams.Out, s)
			return err
		},
	}
}

func newConsoleCommand(g *globalOptions) *cobra.Command {
	var (
		print          bool
		service, regon string
	)
	cmd := &cobra.Command{
		Use:   "console [PROFILE]",
		Short: "Open the AWS console signed in as a profile's role",
		Long: `Trade the profile's role credentials for a console sign-in URL (the
federation endpoint's getSigninToken) and open it in the browser, or print it
with --print. --service opens a service's page (ec2, s3, iam, lambda, ...;
a name keyless does not know opens as the page's path, with a warning; a
full https:// console URL opens as it is) and --region its region. The URL signs in whoever has it for 15 minutes:
treat it as a secret.`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: completeProfiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			profile := os.Getenv("AWS_PROFILE")
			if len(args) == 1 {
				profile = args[0]
			}
			if profile == "" {
				p, err := pickProfile(g)
				if err != nil {
					return err
				}
				profile = p
			}
			c, region, err := roleCredentials(cmd.Context(), g, profile, true)
			if err != nil {
				return err
			}
			if regon != "" {
				region = regon
			}
			dest, err := console.Destination(service, region)
			if err != nil {
				return usageErrorf("--service %q: %v", service, err)
			}
			if !console.Known(service) {
				// The console's pages are many and AWS adds more: open it,
				// but say that keyless cannot vouch for it.
				near := ""
				if s := suggest.Closest(service, console.Names()); s != "" {
					near = " (did you mean " + s + "?)"
				}
				fmt.Fprintf(g.streams.Err, "keyless: warning: --service %s is not a console page keyless knows%s: opening %s, which the console may not have\nhint: keyless knows %s; any other page opens by its https:// URL\n",
					service, near, dest, strings.Join(console.Names(), ", "))
			}
			u, err := console.SigninURL(cmd.Context(), &http.Client{Timeout: 30 * time.Second}, federationURL(os.Getenv), console.Credentials{
				AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken,
			}, dest, "keyless")
			if err != nil {
				return err
			}
			touchRecent(g, profile)
			open, why := browserOpener(g.streams.Err, os.Getenv)
			if print || open == nil {
				if !print {
					fmt.Fprintf(g.streams.Err, "No browser (%s); open this URL within 15 minutes:\n", why)
				}
				fmt.Fprintln(g.streams.Out, u)
				return nil
			}
			if err := open(u); err != nil {
				return withHint(fmt.Errorf("open the browser: %w", err), "print the URL instead with --print")
			}
			fmt.Fprintf(g.streams.Err, "Opened the console as %s.\n", profile)
			return nil
		},
	}
	cmd.Flags().BoolVar(&print, "print", false, "print the sign-in URL instead of opening it")
	cmd.Flags().StringVar(&service, "service", "", "open this service's console `NAME` (ec2, s3, iam, ...)")
	cmd.Flags().StringVar(&regon, "region", "", "console `REGION` (default: the profile's)")
	return cmd
}

// federationURL is the console federation endpoint: AWS's, unless
// AWS_ENDPOINT_URL_SIGNIN (or AWS_ENDPOINT_URL, as for the sandbox) points
// elsewhere.
func federationURL(getenv func(string) string) string {
	for _, k := range []string{"AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"} {
		if v := strings.TrimRight(getenv(k), "/"); v != "" {
			return v + "/federation"
		}
	}
	return console.DefaultFederationURL
}
