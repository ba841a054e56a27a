package signin

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"

	"github.com/keyless-dev/keyless/internal/keychain"
)

// LoginTimeout bounds how long a person has to finish signing in.
const LoginTimeout = 10 * time.Minute

const (
	grantCode    = "authorization_code"
	grantRefresh = "refresh_token"
	grantDevice  = "urn:ietf:params:oauth:grant-type:device_code"
)

// LoginOptions choose how to sign in.
type LoginOptions struct {
	// DeviceCode uses the device code grant even when a browser is available.
	DeviceCode bool
	// Force signs in again even when the cached token is still good.
	Force bool
	// MinValid is how long the cached token must still be valid to be
	// reused without a refresh (default AdvisoryWindow).
	MinValid time.Duration
	// TokenStorage overrides the session's: StorageFile or StorageKeychain.
	// A token kept elsewhere is moved there, without a new sign-in.
	TokenStorage string
}

// LoginResult says what Login did.
type LoginResult struct {
	Token *Token
	// Reused is set when no sign-in happened: the cached token was still
	// good, was refreshed, or another process signed in while this one
	// waited for the lock.
	Reused bool
	How    string // "cached", "refreshed", "device code", "browser"
	// Moved is the storage the refresh token was moved to (StorageFile or
	// StorageKeychain) when it was kept elsewhere before; "" otherwise.
	Moved string
	// Other is set when the token is one another process wrote while this
	// one waited for the lock: a forced login takes it rather than open a
	// second sign-in at the same moment.
	Other bool
}

// Login signs a session in and saves the token. Concurrent logins of one
// session (in any process) wait for each other: the first signs in, the
// others reuse its token, so at most one browser opens.
func (m *Manager) Login(ctx context.Context, s Session, o LoginOptions) (LoginResult, error) {
	if s.StartURL == "" || s.Region == "" {
		return LoginResult{}, errors.New("a sign-in needs a start URL and a region")
	}
	path := TokenPath(m.Home, s.cacheKey())
	// What the cache held before the wait for the lock: a token that
	// differs after it is another process's sign-in (or refresh), which a
	// forced login takes instead of signing in again.
	before, _ := readToken(path)
	unlock, waited, err := m.lock(ctx, path)
	if err != nil {
		return LoginResult{}, err
	}
	defer unlock()

	storage := s.TokenStorage
	if o.TokenStorage != "" {
		storage = o.TokenStorage
	}
	// Before a token is refreshed, moved or signed in for: a keychain that
	// cannot keep it must not cost a sign-in (or a rotated refresh token),
	// nor change the cache file. A token in hand needs no keychain.
	probe := func() error {
		if storage != StorageKeychain {
			return nil
		}
		if _, err := m.secrets().Get(ctx, refreshItem(s.cacheKey())); err != nil && !errors.Is(err, keychain.ErrNotFound) {
			return fmt.Errorf("keep the refresh token of %s in the OS keychain: %w", s.label(), err)
		}
		return nil
	}

	old, err := readToken(path)
	if err != nil {
		var ce *CacheError
		if !errors.As(err, &ce) {
			return LoginResult{}, err
		}
		m.log().Debug("unreadable token cache is replaced", "path", path)
		old = nil
	}
	if old != nil && old.StartURL != "" && old.StartURL != s.StartURL {
		old = nil // the session now points elsewhere: nothing to reuse
	}
	other := waited && old != nil && (before == nil || before.AccessToken != old.AccessToken || !before.ExpiresAt.Equal(old.ExpiresAt))
	was := ""
	if old != nil && old.RefreshToken != "" {
		was = StorageFile
	} else if m.inKeychain(path, old) != nil {
		was = StorageKeychain
	}
	moved := func() string {
		if was != "" && was != normStorage(storage) {
			return normStorage(storage)
		}
		return ""
	}
	now := m.now()
	minValid := o.MinValid
	if minValid <= 0 {
		minValid = AdvisoryWindow
	}
	if (!o.Force || other) && old.Valid(now, minValid) && moved() == "" {
		return LoginResult{Token: old, Reused: true, How: "cached", Other: other}, nil
	}
	if err := probe(); err != nil {
		return LoginResult{}, err
	}
	if was == StorageKeychain {
		full, err := m.withSecrets(ctx, path, old)
		switch {
		case err == nil:
			old = full
		case normStorage(storage) == StorageFile:
			// Leaving a keychain that cannot be read (what its error
			// hints at): a new sign-in gives the file a refresh token of
			// its own; the old items stay behind, and saving says so.
			m.warn("the refresh token of %s cannot be read from the OS keychain (%v): signing in again to keep a new one in %s", s.label(), err, path)
			old, was = nil, ""
		default:
			return LoginResult{}, fmt.Errorf("read the refresh token of %s from the OS keychain: %w", s.label(), err)
		}
	}
	if !o.Force || other {
		if old.Valid(now, minValid) {
			if err := m.saveToken(ctx, s, path, old, storage); err != nil {
				return LoginResult{}, err
			}
			return LoginResult{Token: old, Reused: true, How: "cached", Moved: moved(), Other: other}, nil
		}
		if old.CanRefresh(now) {
			if nt, err := m.refresh(ctx, s, old); err == nil {
				if err := m.saveToken(ctx, s, path, nt, storage); err != nil {
					return LoginResult{}, err
				}
				return LoginResult{Token: nt, Reused: true, How: "refreshed", Moved: moved(), Other: other}, nil
			}
		}
	}

	c, err := m.oidc(ctx, s.Region)
	if err != nil {
		return LoginResult{}, err
	}
	reg := old
	if !reg.registered(now) || (reg.Region != "" && reg.Region != s.Region) {
		if reg, err = m.register(ctx, c, s); err != nil {
			return LoginResult{}, err
		}
	}

	ctx, cancel := context.WithTimeoutCause(ctx, LoginTimeout, errors.New("the sign-in was not completed within 10 minutes"))
	defer cancel()
	var (
		out *ssooidc.CreateTokenOutput
		how string
	)
	start := m.now()
	if o.DeviceCode || m.Browser == nil {
		how = "device code"
		if !o.DeviceCode && m.NoBrowser != "" {
			fmt.Fprintf(m.out(), "Using a device code: %s.\n", m.NoBrowser)
		}
		out, err = m.deviceLogin(ctx, c, s, reg)
	} else {
		how = "browser"
		out, err = m.browserLogin(ctx, c, s, reg)
	}
	if err != nil {
		return LoginResult{}, err
	}

	t := &Token{}
	if old != nil {
		*t = *old // keep fields other tools wrote
	}
	t.StartURL = s.StartURL
	t.Region = s.Region
	t.AccessToken = aws.ToString(out.AccessToken)
	t.ExpiresAt = start.Add(time.Duration(out.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	t.ClientID, t.ClientSecret, t.RegistrationExpiresAt = reg.ClientID, reg.ClientSecret, reg.RegistrationExpiresAt
	t.RefreshToken = aws.ToString(out.RefreshToken)
	if err := m.saveToken(ctx, s, path, t, storage); err != nil {
		return LoginResult{}, fmt.Errorf("save token: %w", err)
	}
	return LoginResult{Token: t, How: how, Moved: moved()}, nil
}

// register registers keyless as a public OIDC client allowed every grant
// keyless uses, so one registration (about 90 days) serves browser and
// device sign-ins and refreshes.
func (m *Manager) register(ctx context.Context, c *ssooidc.Client, s Session) (*Token, error) {
	name := m.ClientName
	if name == "" {
		name = "keyless"
	}
	out, err := c.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName:   aws.String(fmt.Sprintf("%s-%d", name, m.now().Unix())),
		ClientType:   aws.String("public"),
		Scopes:       s.Scopes,
		GrantTypes:   []string{grantCode, grantRefresh, grantDevice},
		RedirectUris: []string{"http://127.0.0.1/oauth/callback"},
		IssuerUrl:    aws.String(s.StartURL),
	})
	if err != nil {
		return nil, fmt.Errorf("register keyless with the OIDC service in %s: %w", s.Region, err)
	}
	return &Token{
		Region:                s.Region,
		ClientID:              aws.ToString(out.ClientId),
		ClientSecret:          aws.ToString(out.ClientSecret),
		RegistrationExpiresAt: time.Unix(out.ClientSecretExpiresAt, 0).UTC(),
	}, nil
}

func (m *Manager) deviceLogin(ctx context.Context, c *ssooidc.Client, s Session, reg *Token) (*ssooidc.CreateTokenOutput, error) {
	da, err := c.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId:     aws.String(reg.ClientID),
		ClientSecret: aws.String(reg.ClientSecret),
		StartUrl:     aws.String(s.StartURL),
	})
	if err != nil {
		return nil, fmt.Errorf("StartDeviceAuthorization: %w", err)
	}
	verify := aws.ToString(da.VerificationUriComplete)
	if verify == "" {
		verify = aws.ToString(da.VerificationUri)
	}
	fmt.Fprintf(m.out(), "To sign in, open this page on any device:\n\n  %s\n\nand check that it shows the code\n\n  %s\n\n", verify, aws.ToString(da.UserCode))
	if m.Browser != nil {
		if err := m.Browser(verify); err != nil {
			m.log().Debug("browser did not open", "err", err)
		}
	}
	fmt.Fprintln(m.out(), "Waiting for the sign-in to be approved...")
	interval := time.Duration(da.Interval) * time.Second
	if interval <= 0 {
		interval = 5 * time.Second
	}
	deadline := m.now().Add(time.Duration(da.ExpiresIn) * time.Second)
	for {
		out, err := c.CreateToken(ctx, &ssooidc.CreateTokenInput{
			ClientId:     aws.String(reg.ClientID),
			ClientSecret: aws.String(reg.ClientSecret),
			GrantType:    aws.String(grantDevice),
			DeviceCode:   da.DeviceCode,
		})
		var (
			pending *oidctypes.AuthorizationPendingException
			slow    *oidctypes.SlowDownException
			expired *oidctypes.ExpiredTokenException
			denied  *oidctypes.AccessDeniedException
		)
		switch {
		case err == nil:
			return out, nil
		case errors.As(err, &pending):
		case errors.As(err, &slow):
			interval += 5 * time.Second
		case errors.As(err, &expired):
			m.log().Debug("device code expired", "err", err)
			return nil, errors.New("the sign-in code expired before it was approved; run the login again")
		case errors.As(err, &denied):
			return nil, errors.New("the sign-in was denied in the browser")
		default:
			return nil, fmt.Errorf("CreateToken: %w", err)
		}
		if da.ExpiresIn > 0 && m.now().After(deadline) {
			return nil, errors.New("the sign-in code expired before it was approved; run the login again")
		}
		if err := m.sleep(ctx, interval); err != nil {
			return nil, err
		}
	}
}

// browserLogin runs the authorization code grant with PKCE: a listener on
// 127.0.0.1 (bound before the browser opens) receives the code; state is
// checked and the callback is single use.
func (m *Manager) browserLogin(ctx context.Context, c *ssooidc.Client, s Session, reg *Token) (*ssooidc.CreateTokenOutput, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen on 127.0.0.1 for the browser's answer: %w (use --device-code)", err)
	}
	defer ln.Close()
	redirect := fmt.Sprintf("http://127.0.0.1:%d/oauth/callback", ln.Addr().(*net.TCPAddr).Port)
	verifier := randomString(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
	sum := sha256.Sum256([]byte(verifier))
	state := randomString(43, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	base, err := oidcBase(ctx, c, s.Region)
	if err != nil {
		return nil, err
	}
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {reg.ClientID},
		"redirect_uri":          {redirect},
		"state":                 {state},
		"code_challenge_method": {"S256"},
		"code_challenge":        {base64.RawURLEncoding.EncodeToString(sum[:])},
	}
	if len(s.Scopes) > 0 {
		q.Set("scopes", strings.Join(s.Scopes, ","))
	}
	authURL := strings.TrimSuffix(base, "/") + "/authorize?" + q.Encode()

	type result struct {
		out *ssooidc.CreateTokenOutput
		err error
	}
	done := make(chan result, 1)
	var once sync.Once
	finish := func(r result) { once.Do(func() { done <- r }) }
	var used sync.Mutex
	consumed := false
	mux := http.NewServeMux()
	mux.HandleFunc("/oauth/callback", func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Query()
		if subtle.ConstantTimeCompare([]byte(p.Get("state")), []byte(state)) != 1 {
			// Not our sign-in (or forged): refuse it and keep waiting for ours.
			page(w, http.StatusBadRequest, "Sign-in refused", "This answer does not belong to the sign-in keyless started (the state does not match). Nothing was changed; return to your terminal.")
			m.log().Debug("callback with a wrong state refused")
			return
		}
		used.Lock()
		defer used.Unlock()
		if consumed {
			page(w, http.StatusBadRequest, "Already used", "This sign-in link was already used. Return to your terminal.")
			return
		}
		consumed = true
		if e := p.Get("error"); e != "" {
			msg := e
			if d := p.Get("error_description"); d != "" {
				msg += ": " + d
			}
			page(w, http.StatusForbidden, "Sign-in failed", "The sign-in did not complete ("+msg+"). Return to your terminal.")
			finish(result{err: fmt.Errorf("the browser sign-in failed: %s", truncate(msg, 200))})
			return
		}
		out, err := c.CreateToken(r.Context(), &ssooidc.CreateTokenInput{
			ClientId:     aws.String(reg.ClientID),
			ClientSecret: aws.String(reg.ClientSecret),
			GrantType:    aws.String(grantCode),
			Code:         aws.String(p.Get("code")),
			CodeVerifier: aws.String(verifier),
			RedirectUri:  aws.String(redirect),
		})
		if err != nil {
			page(w, http.StatusBadGateway, "Sign-in failed", "keyless could not finish the sign-in. Return to your terminal for details.")
			finish(result{err: fmt.Errorf("CreateToken: %w", err)})
			return
		}
		page(w, http.StatusOK, "Signed in", "keyless is signed in to "+s.StartURL+". You can close this tab and return to your terminal.")
		finish(result{out: out})
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
	}()

	fmt.Fprintf(m.out(), "Signing in through your browser. If it does not open, open this page:\n\n  %s\n\n", authURL)
	if err := m.Browser(authURL); err != nil {
		fmt.Fprintf(m.out(), "keyless could not open a browser (%v); open the page above, or run the login with --device-code\n", err)
	}
	fmt.Fprintln(m.out(), "Waiting for the browser sign-in...")
	select {
	case r := <-done:
		return r.out, r.err
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

// oidcBase is the OIDC service's URL, where the browser is sent to
// authorize: the endpoint override if one is configured, else the region's.
func oidcBase(ctx context.Context, c *ssooidc.Client, region string) (string, error) {
	o := c.Options()
	if o.BaseEndpoint != nil {
		return *o.BaseEndpoint, nil
	}
	ep, err := ssooidc.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, ssooidc.EndpointParameters{Region: aws.String(region)})
	if err != nil {
		return "", fmt.Errorf("OIDC endpoint for region %s: %w", region, err)
	}
	return ep.URI.String(), nil
}

func page(w http.ResponseWriter, status int, title, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>keyless: %[1]s</title>
<style>body{font:16px system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#1a1a1a}h1{font-size:1.4em}</style></head>
<body><h1 id="result">%[1]s</h1><p>%[2]s</p></body></html>
`, html.EscapeString(title), html.EscapeString(msg))
}

func randomString(n int, alphabet string) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Logout signs a session out at the portal and removes its token and the
// cached role credentials of the given roles. A token the portal no longer
// knows is still removed locally.
func (m *Manager) Logout(ctx context.Context, s Session, roles []Role) (hadToken bool, err error) {
	path := TokenPath(m.Home, s.cacheKey())
	unlock, _, err := m.lock(ctx, path)
	if err != nil {
		return false, err
	}
	defer unlock()
	t, rerr := readToken(path)
	if rerr == nil && t != nil && t.AccessToken != "" && t.Valid(m.now(), 0) {
		hadToken = true
		pc, err := m.Portal(ctx, s)
		if err != nil {
			return true, err
		}
		if _, err := pc.Logout(ctx, &sso.LogoutInput{AccessToken: aws.String(t.AccessToken)}); err != nil {
			m.log().Debug("portal logout failed; removing the local token anyway", "err", err)
		}
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return hadToken, err
	} else if err == nil {
		hadToken = true
	}
	_ = os.Remove(m.failedPath(path))
	if r, _ := readRecord(m.recordPath(path)); r != nil {
		m.forgetKeychain(ctx, m.recordPath(path), r)
	}
	for _, r := range roles {
		if err := os.Remove(RolePath(m.Home, r)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return hadToken, err
		}
	}
	return hadToken, nil
}
