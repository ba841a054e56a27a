package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/cli/browser"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/signin"
)

// signinEnv is what the sign-in commands share: the person's AWS config,
// the manager of the caches, and the way to a browser.
type signinEnv struct {
	g          *globalOptions
	configPath string
	m          *signin.Manager
}

func newSigninEnv(g *globalOptions) (*signinEnv, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return nil, withHint(fmt.Errorf("find the home directory: %w", err), "set HOME")
	}
	e := &signinEnv{g: g, configPath: awsconfig.ConfigPath()}
	open, why := browserOpener(g.streams.Err, os.Getenv)
	e.m = &signin.Manager{
		Home:      home,
		Config:    sdkConfigOnce(),
		Log:       g.Log(),
		Out:       g.streams.Err,
		Browser:   open,
		NoBrowser: why,
	}
	return e, nil
}

// sdkConfig is the SDK configuration for the unsigned sign-in services:
// region and endpoint overrides (AWS_ENDPOINT_URL*, the config file's
// services section) as the SDK reads them, no credentials.
func sdkConfig(ctx context.Context, region string) (aws.Config, error) {
	opts := append(withSDKLogger(ctx),
		config.WithRegion(region),
		config.WithCredentialsProvider(aws.AnonymousCredentials{}),
		config.WithRetryMaxAttempts(5),
	)
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) {
		// AWS_PROFILE names a profile that does not exist: irrelevant to
		// signing in, which names its session and region itself.
		cfg, err = config.LoadDefaultConfig(ctx, append(opts, config.WithSharedConfigProfile("default"))...)
	}
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS SDK configuration: %w", err)
	}
	return cfg, nil
}

// sdkConfigOnce is sdkConfig loaded once per region in this process: a
// token refresh and the GetRoleCredentials after it (the cold
// credential-process) share one load of the SDK configuration and one HTTP
// client.
func sdkConfigOnce() func(context.Context, string) (aws.Config, error) {
	var (
		mu   sync.Mutex
		done = map[string]aws.Config{}
	)
	return func(ctx context.Context, region string) (aws.Config, error) {
		mu.Lock()
		defer mu.Unlock()
		if cfg, ok := done[region]; ok {
			return cfg, nil
		}
		cfg, err := sdkConfig(ctx, region)
		if err == nil {
			done[region] = cfg
		}
		return cfg, err
	}
}

func (e *signinEnv) loadConfig() (*awsconfig.File, error) {
	return awsconfig.Load(e.configPath)
}

// browserOpener decides how to open a URL: $BROWSER (a command; "none"
// means no browser), else the system's opener when there is a display and
// this is neither an SSH session nor WSL. A nil opener means device-code
// sign-in; why says why.
func browserOpener(stderr io.Writer, getenv func(string) string) (open func(string) error, why string) {
	return browserOpenerOn(stderr, getenv, runtime.GOOS, os.ReadFile)
}

// browserOpenerOn is browserOpener on the system goos, reading /proc
// through readFile (tests pass their own).
func browserOpenerOn(stderr io.Writer, getenv func(string) string, goos string, readFile func(string) ([]byte, error)) (open func(string) error, why string) {
	if b := strings.TrimSpace(getenv("BROWSER")); b != "" {
		if b == "none" {
			return nil, "BROWSER=none"
		}
		return func(u string) error { return runBrowser(b, u) }, ""
	}
	if getenv("SSH_CONNECTION") != "" || getenv("SSH_TTY") != "" {
		return nil, "this is an SSH session"
	}
	if goos == "linux" && isWSL(getenv, readFile) {
		// The Linux side of WSL has no browser of its own, and xdg-open
		// there opens nothing or a Linux browser the person never sees;
		// the device code works from the Windows browser.
		return nil, "this is WSL"
	}
	if goos != "windows" && goos != "darwin" && getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
		return nil, "there is no display"
	}
	return func(u string) error {
		browser.Stdout, browser.Stderr = stderr, stderr // never on stdout, which may carry data
		return browser.OpenURL(u)
	}, ""
}

// isWSL reports whether this Linux runs under the Windows Subsystem for
// Linux: WSL sets WSL_DISTRO_NAME (and WSL_INTEROP in WSL 2) for login
// shells, registers the WSLInterop binfmt handler, and its kernel's
// /proc/version names Microsoft ("4.4.0-19041-Microsoft" in WSL 1,
// "5.15.90.1-microsoft-standard-WSL2" in WSL 2). The environment can be
// cleared (sudo, env -i), so the files are read too.
func isWSL(getenv func(string) string, readFile func(string) ([]byte, error)) bool {
	if getenv("WSL_DISTRO_NAME") != "" || getenv("WSL_INTEROP") != "" {
		return true
	}
	if _, err := readFile("/proc/sys/fs/binfmt_misc/WSLInterop"); err == nil || errors.Is(err, fs.ErrPermission) {
		return true
	}
	v, err := readFile("/proc/version")
	return err == nil && strings.Contains(strings.ToLower(string(v)), "microsoft")
}

// runBrowser starts $BROWSER the way most tools read it: a command line,
// with %s replaced by the URL or the URL appended; ':' separates
// alternatives, the first that starts wins.
func runBrowser(spec, u string) error {
	var errs []error
	for _, alt := range strings.Split(spec, string(os.PathListSeparator)) {
		args := strings.Fields(alt)
		if len(args) == 0 {
			continue
		}
		if i := slices.IndexFunc(args, func(a string) bool { return strings.Contains(a, "%s") }); i >= 0 {
			args[i] = strings.ReplaceAll(args[i], "%s", u)
		} else {
			args = append(args, u)
		}
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go func() { _ = cmd.Wait() }()
		return nil
	}
	return fmt.Errorf("start $BROWSER: %w", errors.Join(errs...))
}

// session finds the sso-session a command works with: --session, or the
// only one in the config. command (cobra's CommandPath) is what to run
// again with --session.
func (e *signinEnv) session(f *awsconfig.File, name, command string) (signin.Session, error) {
	if name != "" {
		s, err := f.Session(name)
		if err != nil {
			return signin.Session{}, err
		}
		return toSession(s), nil
	}
	all := f.Sessions()
	switch len(all) {
	case 0:
		hint := "set one up with: keyless login --start-url URL --region REGION"
		for _, sec := range f.Profiles() {
			if p, err := f.SSO(sec.Name); err == nil && p.Session == "" {
				hint = fmt.Sprintf("profile %s is a legacy SSO profile: keyless login --profile %s (or set up an sso-session with --start-url and --region)", p.Profile, p.Profile)
				break
			}
		}
		return signin.Session{}, withHint(fmt.Errorf("%s has no [sso-session] section", e.configPath), hint)
	case 1:
		s, err := f.Session(all[0].Name)
		if err != nil {
			return signin.Session{}, err
		}
		return toSession(s), nil
	}
	var names []string
	for _, s := range all {
		names = append(names, s.Name)
	}
	others := ""
	for _, n := range names[1:] {
		others += " or --session " + n
	}
	return signin.Session{}, usageErrorf("%s has %d sso-sessions (%s): choose one with --session\nhint: run '%s --session %s' (%s)", e.configPath, len(all), strings.Join(names, ", "), command, names[0], strings.TrimPrefix(others, " "))
}

func toSession(s awsconfig.SSOSession) signin.Session {
	return signin.Session{Name: s.Name, StartURL: s.StartURL, Region: s.Region, Scopes: s.Scopes, TokenStorage: s.TokenStorage}
}

func profileSession(p awsconfig.SSOProfile) signin.Session {
	s := signin.Session{Name: p.Session, StartURL: p.StartURL, Region: p.SSORegion, Scopes: p.Scopes, TokenStorage: p.TokenStorage}
	if p.Session == "" {
		s.Profile = p.Profile
	}
	return s
}

// role resolves a profile to the role it signs in to.
func (e *signinEnv) role(f *awsconfig.File, profile string) (signin.Role, awsconfig.SSOProfile, error) {
	if profile == "" {
		return signin.Role{}, awsconfig.SSOProfile{}, usageErrorf("name a profile\nhint: keyless profiles list shows them")
	}
	p, err := f.SSO(profile)
	if err != nil {
		return signin.Role{}, p, err
	}
	if p.AccountID == "" || p.RoleName == "" {
		where := e.configPath
		if sec, ok := f.Profile(profile); ok {
			where = fmt.Sprintf("%s:%d", e.configPath, sec.Line)
		}
		return signin.Role{}, p, withHint(fmt.Errorf("%s: profile %q names no sso_account_id and sso_role_name: it can sign in but not get credentials", where, profile),
			"add both to it, or use a profile of one account and role (keyless profiles list)")
	}
	return signin.Role{
		Session:   profileSession(p),
		AccountID: p.AccountID,
		RoleName:  p.RoleName,
	}, p, nil
}

// credentials gets a role's credentials. When the session needs a new
// sign-in and a person is at a terminal, it offers to sign in and retries.
func (e *signinEnv) credentials(ctx context.Context, r signin.Role) (signin.Credentials, error) {
	c, err := e.m.Credentials(ctx, r)
	var lr *signin.LoginRequiredError
	if !errors.As(err, &lr) {
		return c, err
	}
	e.g.prompts.Lock()
	defer e.g.prompts.Unlock()
	// Another goroutine may have signed this session in while this one
	// waited to ask.
	if c, err2 := e.m.Credentials(ctx, r); !errors.As(err2, &lr) {
		return c, err2
	}
	if !e.offerLogin(lr) {
		return c, err
	}
	if _, err := e.m.Login(ctx, r.Session, signin.LoginOptions{}); err != nil {
		return c, err
	}
	fmt.Fprintf(e.g.streams.Err, "Signed in to %s.\n", r.Session.StartURL)
	return e.m.Credentials(ctx, r)
}

// offerLogin asks, on a terminal, whether to sign in now.
func (e *signinEnv) offerLogin(lr *signin.LoginRequiredError) bool {
	in, ok := e.g.streams.In.(*os.File)
	if !ok || !isTerminal(in) || !isTerminal(e.g.streams.Err) {
		return false
	}
	fmt.Fprintf(e.g.streams.Err, "keyless: %s\nSign in now (%s)? [Y/n] ", lr.Error(), lr.Session.LoginCommand())
	line, _ := bufio.NewReader(in).ReadString('\n')
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "", "y", "yes":
		return true
	}
	return false
}

// sessionProfiles lists the SSO profiles of a session, for logout.
func sessionRoles(f *awsconfig.File, s signin.Session) []signin.Role {
	var out []signin.Role
	for _, sec := range f.Profiles() {
		p, err := f.SSO(sec.Name)
		if err != nil || p.AccountID == "" {
			continue
		}
		if (s.Name != "" && p.Session == s.Name) || (s.Name == "" && p.Session == "" && p.StartURL == s.StartURL) {
			out = append(out, signin.Role{Session: s, AccountID: p.AccountID, RoleName: p.RoleName})
		}
	}
	return out
}

// recentPath is where `assume` remembers the profiles used last.
func recentPath() string {
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".aws", "keyless", "recent-profiles")
}
