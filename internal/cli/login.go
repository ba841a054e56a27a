package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/keyless-dev/keyless/internal/awsconfig"
	"github.com/keyless-dev/keyless/internal/lazyre"
	"github.com/keyless-dev/keyless/internal/scoped"
	"github.com/keyless-dev/keyless/internal/signin"
)

type loginOptions struct {
	session, startURL, region, profile string
	tokenStorage                       string
	deviceCode, force                  bool
	noSync                             bool
	json                               bool
	ifNeeded                           bool
	minValid                           time.Duration
}

// loginReport is what login did, as --json prints it.
type loginReport struct {
	Session   string      `json:"session,omitempty"`
	StartURL  string      `json:"start_url"`
	Region    string      `json:"region"`
	How       string      `json:"how"` // cached, refreshed, browser or device code
	ExpiresAt time.Time   `json:"expires_at"`
	Profiles  *syncReport `json:"profiles,omitempty"` // the first sign-in's profiles sync
	// TokenStorage is where the refresh token is kept (file or keychain);
	// Moved is set when this login moved it there.
	TokenStorage string `json:"token_storage"`
	Moved        bool   `json:"moved,omitempty"`
}

func newLoginCommand(g *globalOptions) *cobra.Command {
	o := &loginOptions{}
	cmd := &cobra.Command{
		Use:   "login",
		Short: "Sign in to IAM Identity Center (browser, or device code) and cache the token",
		Long: `Sign in to IAM Identity Center and save the token where the AWS CLI and SDKs
read it (~/.aws/sso/cache). The browser sign-in (authorization code with PKCE)
is used when a browser can open; --device-code, BROWSER=none, an SSH session,
WSL or no display switch to the device code, whose URL and code are printed.

The first time, give the start URL and region:
  keyless login --start-url https://d-1234567890.awsapps.com/start --region eu-west-1
This writes an [sso-session] section (scope sso:account:access, so the token
refreshes) and, after the first sign-in, one profile per account and role
(see 'keyless profiles sync'; --no-sync skips it).

A valid or refreshable token is reused; --force signs in again. Concurrent
logins of one session wait for each other and open at most one browser:
a login that waited takes the token the other one got, with --force too.

--token-storage keychain keeps the refresh token and client secret in the OS
keychain (macOS Keychain, Windows Credential Manager, the Secret Service on
Linux) instead of the token cache file, which then holds only the access
token the AWS CLI and SDKs use while it lasts; keyless refreshes it from the
keychain. It is remembered as keyless_token_storage in the sso-session
(docs/keychain.md); --token-storage file moves the token back. A session
signed in already is moved without a new sign-in.

--if-needed is for scripts: when the access token is valid for at least
--min-valid (10m) it does nothing; when it can be refreshed it refreshes it;
either way silently, with no browser and exit 0. Only when neither works does
it sign in as usual.
  keyless login --if-needed && terraform apply`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runLogin(cmd, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.session, "session", "", "sso-session `NAME` (default: the only one in ~/.aws/config)")
	f.StringVar(&o.startURL, "start-url", "", "the access portal `URL`, to set up a new sso-session")
	f.StringVar(&o.region, "region", "", "the Identity Center `REGION` of --start-url")
	f.StringVar(&o.profile, "profile", "", "sign in for this SSO `PROFILE` (sso-session or legacy)")
	f.BoolVar(&o.deviceCode, "device-code", false, "sign in with a device code instead of the browser")
	f.BoolVar(&o.force, "force", false, "sign in again even if the cached token is good")
	f.BoolVar(&o.noSync, "no-sync", false, "do not write profiles after the first sign-in")
	f.StringVar(&o.tokenStorage, "token-storage", "", "where the refresh token is kept: `STORAGE` is keychain (the OS keychain) or file (the token cache; default: the session's keyless_token_storage, else file)")
	_ = cmd.RegisterFlagCompletionFunc("token-storage", cobra.FixedCompletions([]string{signin.StorageKeychain, signin.StorageFile}, cobra.ShellCompDirectiveNoFileComp))
	f.BoolVar(&o.json, "json", false, "print what happened (session, how, token expiry, profiles written) as JSON on stdout")
	f.BoolVar(&o.ifNeeded, "if-needed", false, "sign in only when the token is neither valid for --min-valid nor refreshable; otherwise quietly do nothing (or refresh)")
	f.DurationVar(&o.minValid, "min-valid", signin.MandatoryWindow, "with --if-needed: how long the access token must still be valid to be kept as it is")
	cmd.MarkFlagsMutuallyExclusive("profile", "start-url")
	cmd.MarkFlagsMutuallyExclusive("if-needed", "force")
	cmd.MarkFlagsMutuallyExclusive("profile", "session")
	return cmd
}

var sessionNamePattern = lazyre.New(`^[A-Za-z0-9._-]+$`)

func runLogin(cmd *cobra.Command, g *globalOptions, o *loginOptions) error {
	ctx := cmd.Context()
	if cmd.Flags().Changed("min-valid") && !o.ifNeeded {
		return usageErrorf("--min-valid goes with --if-needed\nhint: keyless login --if-needed --min-valid %s", scoped.ShortDuration(o.minValid))
	}
	if o.ifNeeded && o.minValid <= 0 {
		return usageErrorf("--min-valid %s: give a positive duration like 10m or 1h", scoped.ShortDuration(o.minValid))
	}
	switch o.tokenStorage {
	case "", signin.StorageFile, signin.StorageKeychain:
	default:
		return usageErrorf("--token-storage %q: use keychain or file", o.tokenStorage)
	}
	e, err := newSigninEnv(g)
	if err != nil {
		return err
	}
	f, err := e.loadConfig()
	if err != nil {
		return err
	}
	var s signin.Session
	wroteSession := false
	switch {
	case o.startURL != "":
		if s, wroteSession, err = e.setupSession(o); err != nil {
			return err
		}
	case o.region != "":
		return usageErrorf("--region goes with --start-url\nhint: keyless login --start-url URL --region %s", o.region)
	case o.profile != "":
		p, err := f.SSO(o.profile)
		if err != nil {
			return err
		}
		s = profileSession(p)
	default:
		if s, err = e.session(f, o.session, cmd.CommandPath()); err != nil {
			return err
		}
	}
	if s.Name != "" && !slices.Contains(s.Scopes, signin.ScopeAccountAccess) {
		fmt.Fprintf(g.streams.Err, "keyless: warning: sso-session %s has no sso_registration_scopes = %s: its token cannot be refreshed and lasts until it expires\n", s.Name, signin.ScopeAccountAccess)
	}
	lo := signin.LoginOptions{DeviceCode: o.deviceCode, Force: o.force, TokenStorage: o.tokenStorage}
	if o.ifNeeded {
		lo.MinValid = o.minValid
	}
	res, err := e.m.Login(ctx, s, lo)
	if err != nil {
		return err
	}
	storage := s.TokenStorage
	if o.tokenStorage != "" {
		storage = o.tokenStorage
		e.rememberTokenStorage(s, o.profile, o.tokenStorage)
	}
	if storage == "" {
		storage = signin.StorageFile
	}
	report := loginReport{Session: s.Name, StartURL: s.StartURL, Region: s.Region, How: res.How, ExpiresAt: res.Token.ExpiresAt.UTC(),
		TokenStorage: storage, Moved: res.Moved != ""}
	if o.ifNeeded && res.Reused && res.Moved == "" {
		// Nothing for the person to see: scripts call this every time.
		if o.json {
			return json.NewEncoder(g.streams.Out).Encode(report)
		}
		return nil
	}
	switch res.Moved {
	case signin.StorageKeychain:
		fmt.Fprintf(g.streams.Err, "Moved the refresh token and client secret of %s to the OS keychain; %s keeps the access token only.\n", s.StartURL, e.m.TokenFile(s))
	case signin.StorageFile:
		fmt.Fprintf(g.streams.Err, "Moved the refresh token and client secret of %s from the OS keychain back to %s.\n", s.StartURL, e.m.TokenFile(s))
	}
	left := time.Until(res.Token.ExpiresAt).Round(time.Second)
	if left > time.Minute {
		left = left.Round(time.Minute)
	}
	switch {
	case o.force && res.Other:
		// Two logins at once: the other one's sign-in stands for this one's.
		fmt.Fprintf(g.streams.Err, "Signed in to %s by another keyless process while this login waited for it (token valid for %s); --force did not open a second sign-in: run it again to sign in anew.\n", s.StartURL, left)
	case res.How == "cached":
		fmt.Fprintf(g.streams.Err, "Already signed in to %s (token valid for %s; --force signs in again).\n", s.StartURL, left)
	case res.How == "refreshed":
		fmt.Fprintf(g.streams.Err, "Signed in to %s (token refreshed, valid for %s).\n", s.StartURL, left)
	default:
		fmt.Fprintf(g.streams.Err, "Signed in to %s (token valid for %s).\n", s.StartURL, left)
	}
	done := func() error {
		if !o.json {
			return nil
		}
		return json.NewEncoder(g.streams.Out).Encode(report)
	}
	if s.Name == "" || o.noSync {
		return done()
	}
	// The first sign-in of a session writes its profiles.
	f, err = e.loadConfig()
	if err != nil {
		return err
	}
	if !wroteSession && len(f.Block(awsconfig.SyncBlockID(s.Name))) > 0 {
		return done()
	}
	so := syncOptions{session: s.Name, tps: 20}
	if !o.json {
		err = runSync(cmd, g, e, &so)
	} else {
		report.Profiles, err = syncProfiles(cmd, g, e, &so)
	}
	var ro *awsconfig.ReadOnlyError
	if errors.As(err, &ro) {
		// The sign-in worked; a config the person made read-only only
		// means no profiles are written.
		fmt.Fprintf(g.streams.Err, "keyless: warning: %v; no profiles written\nhint: to write them: chmod u+w %s && keyless profiles sync\n", ro, ro.Path)
		err = nil
	}
	if err != nil {
		return err
	}
	return done()
}

// setupSession writes the [sso-session] section for --start-url, in a block
// keyless owns, unless an identical one exists.
func (e *signinEnv) setupSession(o *loginOptions) (signin.Session, bool, error) {
	u, err := url.Parse(o.startURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return signin.Session{}, false, usageErrorf("--start-url %q is not a URL like https://d-1234567890.awsapps.com/start", o.startURL)
	}
	if o.region == "" {
		return signin.Session{}, false, usageErrorf("--start-url needs --region, the region of the Identity Center instance\nhint: the region is shown in the IAM Identity Center console's settings")
	}
	name := o.session
	if name == "" {
		name = defaultSessionName(u)
	}
	if !sessionNamePattern.MatchString(name) {
		return signin.Session{}, false, usageErrorf("--session %q: use letters, digits, '.', '_' and '-'", name)
	}
	s := signin.Session{Name: name, StartURL: o.startURL, Region: o.region, Scopes: []string{signin.ScopeAccountAccess}}
	wrote := false
	_, _, err = awsconfig.Update(e.configPath, func(f *awsconfig.File) error {
		if sec, ok := f.SSOSession(name); ok && len(f.Block("sso-session "+name)) == 0 {
			have, _ := f.Session(name)
			if have.StartURL != o.startURL || have.Region != o.region {
				return withHint(fmt.Errorf("%s:%d: [sso-session %s] already exists with sso_start_url %s and sso_region %s, not written by keyless",
					e.configPath, sec.Line, name, have.StartURL, have.Region), "choose another name with --session, or sign in to it with: keyless login --session "+name)
			}
			s = toSession(have)
			return nil
		}
		_, err := f.SetBlock("sso-session "+name, []awsconfig.NewSection{{
			Header: "sso-session " + name,
			Keys: []awsconfig.KV{
				{Key: "sso_start_url", Value: o.startURL},
				{Key: "sso_region", Value: o.region},
				{Key: "sso_registration_scopes", Value: signin.ScopeAccountAccess},
			},
		}})
		wrote = true
		return err
	})
	return s, wrote, err
}

// defaultSessionName is the portal's subdomain (d-1234567890, mycorp), or
// "keyless" for a start URL on an IP address (the sandbox).
func defaultSessionName(u *url.URL) string {
	host := u.Hostname()
	if net.ParseIP(host) != nil || host == "localhost" {
		return "keyless"
	}
	first, _, _ := strings.Cut(host, ".")
	if sessionNamePattern.MatchString(first) {
		return first
	}
	return "keyless"
}

// rememberTokenStorage writes --token-storage to the sso-session (or the
// legacy profile) as keyless_token_storage, so refreshes keep the token
// where this login put it; file, the default, removes the key. A config
// keyless cannot write is a warning: the token is where it was asked to be,
// but the next refresh follows the config.
func (e *signinEnv) rememberTokenStorage(s signin.Session, profile, storage string) {
	header := "sso-session " + s.Name
	if s.Name == "" {
		header = "profile " + profile
	}
	value := storage
	if value == signin.StorageFile {
		value = ""
	}
	_, _, err := awsconfig.Update(e.configPath, func(f *awsconfig.File) error {
		if _, ok := f.Section(header); !ok {
			return fmt.Errorf("%s has no [%s]", e.configPath, header)
		}
		return f.SetKey(header, awsconfig.TokenStorageKey, value)
	})
	if err != nil {
		fmt.Fprintf(e.g.streams.Err, "keyless: warning: remember the token storage: %v\nhint: set %s = %s in [%s] of %s, or the next refresh keeps the token as the config says\n",
			err, awsconfig.TokenStorageKey, storage, header, e.configPath)
	}
}
