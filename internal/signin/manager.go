package signin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/keyless-dev/keyless/internal/safefile"
)

// Refresh windows, as the AWS CLI uses them.
const (
	// AdvisoryWindow: with less than this left, a token or role credentials
	// are refreshed; if that fails they are still used.
	AdvisoryWindow = 15 * time.Minute
	// MandatoryWindow: with less than this left, a failed refresh is an error.
	MandatoryWindow = 10 * time.Minute
)

// ScopeAccountAccess is the scope that makes a token refreshable and lets it
// open the portal.
const ScopeAccountAccess = "sso:account:access"

// Session is what a sign-in needs: an sso-session section of ~/.aws/config,
// or the start URL and region of a legacy SSO profile (Name empty).
type Session struct {
	Name     string
	StartURL string
	Region   string
	Scopes   []string
	// TokenStorage is where the refresh token and client secret are kept:
	// StorageFile (also "") or StorageKeychain.
	TokenStorage string
	// Profile is, for legacy SSO profiles (no Name), a profile that names
	// this start URL: what `keyless login --profile` signs in with.
	Profile string
}

func (s Session) cacheKey() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// LoginCommand is the command that signs this session in again. A
// legacy start URL is signed in through one of its profiles: login
// --start-url would write an sso-session, whose token cache is not the one
// legacy profiles read.
func (s Session) LoginCommand() string {
	switch {
	case s.Name != "":
		return "keyless login --session " + shellWord(s.Name)
	case s.Profile != "":
		return "keyless login --profile " + shellWord(s.Profile)
	}
	return "keyless login --start-url " + shellWord(s.StartURL) + " --region " + shellWord(s.Region)
}

func (s Session) label() string {
	if s.Name != "" {
		return fmt.Sprintf("sso-session %q", s.Name)
	}
	return "start URL " + s.StartURL
}

func shellWord(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:@=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// LoginRequiredError says a session has no usable token: never signed in,
// expired, revoked, or the refresh failed.
type LoginRequiredError struct {
	Session Session
	Reason  string
}

func (e *LoginRequiredError) Error() string {
	return fmt.Sprintf("%s: %s", e.Session.label(), e.Reason)
}

// Hint is the line that tells the person what to run.
func (e *LoginRequiredError) Hint() string {
	return "sign in with: " + e.Session.LoginCommand()
}

// Manager signs in and hands out tokens and role credentials. The zero
// value is not usable: set Home and Config.
type Manager struct {
	// Home holds .aws/sso/cache and .aws/cli/cache.
	Home string
	// Config returns the SDK configuration for a region: endpoint
	// overrides, HTTP client and retries come from it.
	Config func(ctx context.Context, region string) (aws.Config, error)
	// Now and Sleep are the clock; nil means the real one.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// Log gets debug lines; never secrets.
	Log *slog.Logger
	// Out is where sign-in instructions for the person go (stderr).
	Out io.Writer
	// Browser opens a URL; nil means no browser can be used here, and
	// NoBrowser says why (shown when a device code is used instead).
	Browser   func(url string) error
	NoBrowser string
	// ClientName is the OIDC client name registered (default "keyless").
	ClientName string
	// Keychain keeps sessions' secrets when their TokenStorage is
	// StorageKeychain; nil means the OS keychain (keychain.Store).
	Keychain SecretStore
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) sleep(ctx context.Context, d time.Duration) error {
	if m.Sleep != nil {
		return m.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (m *Manager) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.New(slog.DiscardHandler)
}

func (m *Manager) out() io.Writer {
	if m.Out != nil {
		return m.Out
	}
	return io.Discard
}

func (m *Manager) oidc(ctx context.Context, region string) (*ssooidc.Client, error) {
	cfg, err := m.Config(ctx, region)
	if err != nil {
		return nil, err
	}
	return ssooidc.NewFromConfig(cfg), nil
}

// Portal returns a client of the access portal in the session's region.
func (m *Manager) Portal(ctx context.Context, s Session) (*sso.Client, error) {
	cfg, err := m.Config(ctx, s.Region)
	if err != nil {
		return nil, err
	}
	return sso.NewFromConfig(cfg), nil
}

// TokenFile is the session's token cache file.
func (m *Manager) TokenFile(s Session) string { return TokenPath(m.Home, s.cacheKey()) }

// CachedToken returns the cached token of a session as it is, or nil.
func (m *Manager) CachedToken(s Session) (*Token, error) {
	return readToken(TokenPath(m.Home, s.cacheKey()))
}

// Token returns an access token for the session with more than the
// advisory window left, refreshing it if it can. Without one it returns a
// *LoginRequiredError.
func (m *Manager) Token(ctx context.Context, s Session) (*Token, error) {
	path := TokenPath(m.Home, s.cacheKey())
	t, err := readToken(path)
	var ce *CacheError
	if errors.As(err, &ce) {
		// Nothing in it can be used; a new sign-in replaces it.
		return nil, &LoginRequiredError{Session: s, Reason: fmt.Sprintf("the token cache %s is not valid JSON (%v)", path, ce.Err)}
	}
	if err != nil {
		return nil, err
	}
	now := m.now()
	if t.Valid(now, AdvisoryWindow) {
		return t, nil
	}
	if t == nil {
		return nil, &LoginRequiredError{Session: s, Reason: "not signed in"}
	}
	if !t.CanRefresh(now) && m.inKeychain(path, t) == nil {
		if t.Valid(now, 0) {
			return t, nil // cannot refresh; use it while it lasts
		}
		return nil, &LoginRequiredError{Session: s, Reason: "the sign-in expired at " + t.ExpiresAt.Format(time.RFC3339)}
	}

	unlock, _, err := m.lock(ctx, path)
	if err != nil {
		return nil, err
	}
	defer unlock()
	// Another process may have refreshed while this one waited.
	if t, err = readToken(path); err != nil {
		return nil, err
	}
	now = m.now()
	if t.Valid(now, AdvisoryWindow) {
		return t, nil
	}
	advisory := t.Valid(now, MandatoryWindow)
	failed := m.failedPath(path)
	if advisory && recentlyFailed(failed, now) {
		// Like the AWS CLI, at most one attempt a minute in the advisory
		// window; across processes, so a hundred callers do not queue up
		// behind a failing OIDC service while the token is still good.
		return t, nil
	}
	if t != nil {
		kt, err := m.withSecrets(ctx, path, t)
		if err != nil {
			// A keychain that cannot be read is a failed refresh: in the
			// advisory window the token is still good.
			if advisory {
				m.warn("%v; the SSO token is used while it lasts (until %s)", err, t.ExpiresAt.Format(time.RFC3339))
				m.recordFailure(failed, now)
				return t, nil
			}
			return nil, fmt.Errorf("refresh the sign-in of %s: %w", s.label(), err)
		}
		t = kt
	}
	if t == nil || !t.CanRefresh(now) {
		return nil, &LoginRequiredError{Session: s, Reason: "not signed in"}
	}
	nt, err := m.refresh(ctx, s, t)
	if err == nil {
		if err := m.saveToken(ctx, s, path, nt, s.TokenStorage); err != nil {
			// The new token works now; the next process refreshes again
			// (or, if the refresh token rotated, asks for a sign-in).
			m.warn("save the refreshed SSO token to %s: %v; it is used now but not kept", path, err)
		}
		_ = os.Remove(failed)
		m.log().Debug("sso token refreshed", "session", s.cacheKey(), "expires", nt.ExpiresAt)
		return nt, nil
	}
	var lr *LoginRequiredError
	switch {
	case advisory:
		// Advisory window: keep using the token, try again in a minute,
		// even when the refresh token was refused (revoked, expired): the
		// access token is still good for more than 10 minutes.
		m.log().Debug("sso token refresh failed; token still valid", "err", err)
		m.recordFailure(failed, now)
		return t, nil
	case errors.As(err, &lr):
		return nil, err
	default:
		return nil, fmt.Errorf("refresh the sign-in of %s: %w", s.label(), err)
	}
}

// lock takes the cross-process lock of a cache file, in keyless's own
// directory rather than beside the file (see safefile). When the lock file
// cannot even be created (a full disk, a read-only directory) the work goes
// on without the lock, with a warning: credentials this process can get are
// worth more than the guarantee of a single fetch.
func (m *Manager) lock(ctx context.Context, path string) (func(), bool, error) {
	unlock, waited, err := safefile.LockIn(ctx, safefile.LockDir(filepath.Join(m.Home, ".aws")), path)
	if err != nil && ctx.Err() == nil {
		m.warn("%v; going on without the lock", err)
		return func() {}, false, nil
	}
	if err == nil {
		// Earlier keyless versions kept this record in the AWS CLI's
		// directory, beside the token cache.
		_ = os.Remove(path + ".refresh-failed")
	}
	return unlock, waited, err
}

// failedPath is the file that records when a refresh of the token cache at
// path last failed in the advisory window: in keyless's directory, since
// the AWS CLI owns ~/.aws/sso/cache.
func (m *Manager) failedPath(path string) string {
	return filepath.Join(m.Home, ".aws", "keyless", "sso", filepath.Base(path)+".refresh-failed")
}

// warn tells the person about something that went wrong but did not stop
// the command (stderr; never a secret).
func (m *Manager) warn(format string, a ...any) {
	fmt.Fprintf(m.out(), "keyless: warning: "+format+"\n", a...)
}

func (m *Manager) recordFailure(failed string, now time.Time) {
	if err := safefile.Write(failed, []byte(now.UTC().Format(time.RFC3339)), 0o600); err != nil {
		m.log().Debug("record the failed refresh", "err", err)
	}
}

// refreshRetryAfter is how long after a failed advisory refresh the next
// attempt waits.
const refreshRetryAfter = time.Minute

func recentlyFailed(failed string, now time.Time) bool {
	b, err := os.ReadFile(failed)
	if err != nil {
		return false
	}
	at, err := time.Parse(time.RFC3339, strings.TrimSpace(string(b)))
	return err == nil && now.Sub(at) < refreshRetryAfter && !at.After(now)
}

// refresh trades the refresh token for a new access token. The refresh
// token may rotate; the caller saves what is returned.
func (m *Manager) refresh(ctx context.Context, s Session, t *Token) (*Token, error) {
	region := t.Region
	if region == "" {
		region = s.Region
	}
	c, err := m.oidc(ctx, region)
	if err != nil {
		return nil, err
	}
	start := m.now()
	out, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId:     aws.String(t.ClientID),
		ClientSecret: aws.String(t.ClientSecret),
		GrantType:    aws.String("refresh_token"),
		RefreshToken: aws.String(t.RefreshToken),
	})
	if err != nil {
		if isOIDCRejection(err) {
			return nil, &LoginRequiredError{Session: s, Reason: "the sign-in can no longer be refreshed (" + oidcReason(err) + ")"}
		}
		return nil, fmt.Errorf("CreateToken: %w", err)
	}
	nt := *t
	nt.AccessToken = aws.ToString(out.AccessToken)
	nt.ExpiresAt = start.Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	if r := aws.ToString(out.RefreshToken); r != "" {
		nt.RefreshToken = r
	}
	return &nt, nil
}

// isOIDCRejection reports whether an OIDC error means the grant is gone
// (as opposed to the network or the service failing).
func isOIDCRejection(err error) bool {
	var (
		ig *oidctypes.InvalidGrantException
		et *oidctypes.ExpiredTokenException
		ic *oidctypes.InvalidClientException
		ad *oidctypes.AccessDeniedException
		uc *oidctypes.UnauthorizedClientException
	)
	return errors.As(err, &ig) || errors.As(err, &et) || errors.As(err, &ic) || errors.As(err, &ad) || errors.As(err, &uc)
}

func oidcReason(err error) string {
	var ae interface{ ErrorCode() string }
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return "rejected"
}

// Credentials returns role credentials with more than the advisory window
// left: from the AWS CLI's cache when it has them (no network call), else
// from the portal, saved to the cache for keyless and the AWS CLI alike.
func (m *Manager) Credentials(ctx context.Context, r Role) (Credentials, error) {
	path := RolePath(m.Home, r)
	c, ok := readRole(path)
	if ok && c.Expiration.Sub(m.now()) > AdvisoryWindow {
		return c, nil
	}
	unlock, _, err := m.lock(ctx, path)
	if err != nil {
		return Credentials{}, err
	}
	defer unlock()
	c, ok = readRole(path)
	if ok && c.Expiration.Sub(m.now()) > AdvisoryWindow {
		return c, nil
	}
	fresh, err := m.fetchRole(ctx, r)
	if err != nil {
		if ok && c.Expiration.Sub(m.now()) > MandatoryWindow {
			m.log().Debug("role credentials refresh failed; cached ones still valid", "err", err)
			return c, nil
		}
		return Credentials{}, err
	}
	if err := writeRole(path, fresh); err != nil {
		// A full disk or a read-only cache must not cost the credentials
		// in hand: hand them out, and fetch again next time.
		m.warn("save role credentials to the cache %s: %v; they are used now but fetched again next time", path, err)
	}
	return fresh, nil
}

func (m *Manager) fetchRole(ctx context.Context, r Role) (Credentials, error) {
	t, err := m.Token(ctx, r.Session)
	if err != nil {
		return Credentials{}, err
	}
	pc, err := m.Portal(ctx, r.Session)
	if err != nil {
		return Credentials{}, err
	}
	out, err := pc.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(t.AccessToken),
		AccountId:   aws.String(r.AccountID),
		RoleName:    aws.String(r.RoleName),
	})
	if err != nil {
		var ue *ssotypes.UnauthorizedException
		if errors.As(err, &ue) {
			return Credentials{}, &LoginRequiredError{Session: r.Session, Reason: "the portal refused the sign-in (expired or signed out)"}
		}
		var ae interface{ ErrorCode() string }
		if errors.As(err, &ae) && (ae.ErrorCode() == "ForbiddenException" || ae.ErrorCode() == "ResourceNotFoundException") {
			return Credentials{}, fmt.Errorf("role %s in account %s is not assigned to you (ForbiddenException); run `keyless profiles sync` to see what is", r.RoleName, r.AccountID)
		}
		return Credentials{}, fmt.Errorf("GetRoleCredentials for %s in %s: %w", r.RoleName, r.AccountID, err)
	}
	rc := out.RoleCredentials
	if rc == nil || rc.AccessKeyId == nil {
		return Credentials{}, fmt.Errorf("GetRoleCredentials for %s in %s: empty answer", r.RoleName, r.AccountID)
	}
	return Credentials{
		AccessKeyID:     aws.ToString(rc.AccessKeyId),
		SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken:    aws.ToString(rc.SessionToken),
		Expiration:      time.UnixMilli(rc.Expiration).UTC(),
	}, nil
}
